"""Call transfer with SIP REFER: blind and attended, in and out of dialog, and answering a REFER.

The side that transfers (A, in a call with B) sends the REFER; B gets ``ReceivedRefer`` with a
refer id and answers with :meth:`TransferAPI.accept_refer` (B then calls the target: a new session
with the usual call events) or :meth:`TransferAPI.reject_refer`. A follows the outcome on its call
with B: ``ReferAccepted`` or ``ReferRejected``, then ``TransferTrying``, ``TransferRinging`` and
finally ``ACTVTransferSuccess`` (the target answered; A usually hangs up now) or
``ACTVTransferFailure``.
"""

from __future__ import annotations

from .. import _args
from ._core import SDKCore


class TransferAPI(SDKCore):
    """REFER and the answers to it; refer ids come from ReceivedRefer."""

    def refer(self, session_id: int, refer_to: str) -> None:
        """PortSIP_refer: blind transfer: ask the other side of the connected call to call ``refer_to``."""
        self._call(self._c.PortSIP_refer, session_id=session_id, refer_to=_args.text("refer_to", refer_to))

    def attended_refer(self, session_id: int, replace_session_id: int, refer_to: str) -> None:
        """PortSIP_attendedRefer: attended transfer: the other side of ``session_id`` calls ``refer_to``,
        and that call replaces our call ``replace_session_id`` (with ``refer_to``'s user).
        """
        self._call(
            self._c.PortSIP_attendedRefer,
            session_id=session_id,
            replace_session_id=replace_session_id,
            refer_to=_args.text("refer_to", refer_to),
        )

    def attended_refer2(
        self, session_id: int, replace_session_id: int, replace_method: str, target: str, refer_to: str
    ) -> None:
        """PortSIP_attendedRefer2: :meth:`attended_refer` with the REFER's request URI (``target``) and the
        method put into its Refer-To header (``replace_method``, usually ``"INVITE"`` or ``"BYE"``) given.
        """
        self._call(
            self._c.PortSIP_attendedRefer2,
            session_id=session_id,
            replace_session_id=replace_session_id,
            replace_method=_args.text("replace_method", replace_method),
            target=_args.text("target", target),
            refer_to=_args.text("refer_to", refer_to),
        )

    def out_of_dialog_refer(self, replace_session_id: int, replace_method: str, target: str, refer_to: str) -> None:
        """PortSIP_outOfDialogRefer: a REFER outside any call, sent to ``target``, asking it to call
        ``refer_to`` in place of our call ``replace_session_id`` (``replace_method`` goes into Refer-To).
        """
        self._call(
            self._c.PortSIP_outOfDialogRefer,
            replace_session_id=replace_session_id,
            replace_method=_args.text("replace_method", replace_method),
            target=_args.text("target", target),
            refer_to=_args.text("refer_to", refer_to),
        )

    def accept_refer(self, refer_id: int, refer_signaling: str) -> int:
        """PortSIP_acceptRefer: accept a REFER (``ReceivedRefer.refer_id`` and ``.refer_sip_message``).

        Calls the refer target and returns the new call's session id. The call the REFER came in
        stays up: hang it up yourself when the transfer is done.
        """
        return self._call(
            self._c.PortSIP_acceptRefer,
            refer_id=refer_id,
            refer_signaling=_args.text("refer_signaling", refer_signaling),
        )

    def reject_refer(self, refer_id: int) -> None:
        """PortSIP_rejectRefer: refuse a REFER; the side that sent it gets ReferRejected."""
        self._call(self._c.PortSIP_rejectRefer, refer_id=refer_id)
