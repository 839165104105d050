"""Presence (P2P and presence-agent mode) and generic subscriptions."""

from __future__ import annotations

from .. import _args
from .._receipts import DEFAULT_RECEIPT_TIMEOUT, PRESENCE, Receipt, contact
from ..enums import PresenceMode
from ..events import PresenceOffline, PresenceOnline
from ._core import SDKCore


class PresenceAPI(SDKCore):
    """Watching contacts, answering watchers, publishing one's status, and SUBSCRIBE to any event package."""

    def set_presence_mode(self, mode: PresenceMode | int) -> None:
        """PortSIP_setPresenceMode: P2P (0, default) or presence agent (1)."""
        self._call(self._c.PortSIP_setPresenceMode, mode=int(_args.choice("mode", mode, PresenceMode)))

    def set_default_subscription_time(self, secs: int) -> None:
        """PortSIP_setDefaultSubscriptionTime: the Expires of our SUBSCRIBEs, in seconds."""
        self._call(self._c.PortSIP_setDefaultSubscriptionTime, secs=secs)

    def set_default_publication_time(self, secs: int) -> None:
        """PortSIP_setDefaultPublicationTime: the Expires of our PUBLISHes, in seconds."""
        self._call(self._c.PortSIP_setDefaultPublicationTime, secs=secs)

    def presence_subscribe(self, to: str, subject: str = "") -> int:
        """PortSIP_presenceSubscribe: watch a contact's presence; returns the subscribe id.

        The contact's state arrives as PresenceOnline / PresenceOffline.
        """
        return self._call(self._c.PortSIP_presenceSubscribe, **_subscription(to, subject))

    def presence_subscribe_with_receipt(
        self, to: str, subject: str = "", *, timeout: float = DEFAULT_RECEIPT_TIMEOUT
    ) -> Receipt[PresenceOnline | PresenceOffline]:
        """:meth:`presence_subscribe`, returning a receipt for the contact's first reported state.

        v17.1 reports neither the success nor the failure of a SUBSCRIBE, and its presence events
        carry no subscribe id: the receipt resolves with the first PresenceOnline or
        PresenceOffline from that contact (matched by user and domain of ``to``) that arrives after
        this call began, and never raises SendFailedError. PresenceOffline may mean offline,
        refused or unreachable; no event at all (in P2P mode the contact must accept first) ends
        in TimeoutError after ``timeout`` seconds. ``receipt.id`` is the subscribe id.
        """
        arguments = _subscription(to, subject)
        return self._call_with_receipt(
            PRESENCE, self._c.PortSIP_presenceSubscribe, arguments, timeout, lambda subscribe_id: contact(to)
        )

    def presence_terminate_subscribe(self, subscribe_id: int) -> None:
        """PortSIP_presenceTerminateSubscribe: stop watching."""
        self._call(self._c.PortSIP_presenceTerminateSubscribe, subscribe_id=subscribe_id)

    def presence_accept_subscribe(self, subscribe_id: int) -> None:
        """PortSIP_presenceAcceptSubscribe: accept a watcher (from PresenceRecvSubscribe).

        Accepting sends no status; follow with :meth:`set_presence_status`.
        """
        self._call(self._c.PortSIP_presenceAcceptSubscribe, subscribe_id=subscribe_id)

    def presence_reject_subscribe(self, subscribe_id: int) -> None:
        """PortSIP_presenceRejectSubscribe: refuse a watcher."""
        self._call(self._c.PortSIP_presenceRejectSubscribe, subscribe_id=subscribe_id)

    def set_presence_status(self, subscribe_id: int, status_text: str) -> None:
        """PortSIP_setPresenceStatus: send our status to a watcher (P2P: NOTIFY).

        In presence-agent mode pass subscribe_id 0 to PUBLISH. The text "Offline" makes us
        appear offline.
        """
        self._call(
            self._c.PortSIP_setPresenceStatus,
            subscribe_id=subscribe_id,
            status_text=_args.text("status_text", status_text),
        )

    def send_subscription(self, to: str, event_name: str) -> int:
        """PortSIP_sendSubscription: SUBSCRIBE to any event package; returns the subscription id.

        v17.1's C ABI has no handler for generic NOTIFYs; message-summary and dialog arrive as
        WaitingVoiceMessage/WaitingFaxMessage and DialogStateUpdated. It has no event for the
        SUBSCRIBE's success or failure either, so there is no receipt form: nothing the SDK
        reports tells this subscription's outcome (those events carry no subscription id, and
        MWI's account field need not name ``to``). Use ``wait_for(DialogStateUpdated,
        predicate=...)`` for the first BLF state of a monitored URI.
        """
        return self._call(
            self._c.PortSIP_sendSubscription,
            to=_args.text("to", to),
            event_name=_args.text("event_name", event_name),
        )

    def terminate_subscription(self, subscription_id: int) -> None:
        """PortSIP_terminateSubscription (returns nothing in C: no error can be reported)."""
        self._call_void(self._c.PortSIP_terminateSubscription, subscription_id=subscription_id)


def _subscription(to: str, subject: str) -> dict[str, object]:
    """PortSIP_presenceSubscribe's arguments after the handle, for SDKCore._call."""
    return {"to": _args.text("to", to), "subject": _args.text("subject", subject)}
