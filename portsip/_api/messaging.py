"""Instant messaging: SIP MESSAGE inside a call and out of dialog, and the accepted MIME types.

Each send returns a message id that its Send*Success / Send*Failure event carries; the
``*_with_receipt`` forms and :meth:`MessagingAPI.send_text` return a :class:`~portsip.Receipt`
that resolves from that event instead (see portsip._receipts).
"""

from __future__ import annotations

from .. import _args
from .._receipts import DEFAULT_RECEIPT_TIMEOUT, IN_DIALOG_MESSAGE, OUT_OF_DIALOG_MESSAGE, Receipt
from ..events import SendMessageSuccess, SendOutOfDialogMessageSuccess
from ._core import SDKCore


class MessagingAPI(SDKCore):
    """SIP MESSAGE; each send returns a message id that its Send*Success / Send*Failure event carries."""

    def add_supported_mime_type(self, method_name: str, mime_type: str, sub_mime_type: str) -> None:
        """PortSIP_addSupportedMimeType: accept incoming bodies of this type for a SIP method.

        The SDK delivers incoming MESSAGE bodies only for text/plain and the types added here,
        e.g. ``add_supported_mime_type("MESSAGE", "application", "json")``.
        """
        self._call(
            self._c.PortSIP_addSupportedMimeType,
            method_name=_args.text("method_name", method_name),
            mime_type=_args.text("mime_type", mime_type),
            sub_mime_type=_args.text("sub_mime_type", sub_mime_type),
        )

    def send_message(self, session_id: int, mime_type: str, sub_mime_type: str, data: bytes) -> int:
        """PortSIP_sendMessage: a MESSAGE inside the established call ``session_id``.

        Returns the message id; the outcome arrives as SendMessageSuccess/SendMessageFailure
        carrying it (perhaps before this returns: see :meth:`send_message_with_receipt`). ``data``
        is the body as bytes (encode text yourself, e.g. UTF-8).
        """
        return self._call(self._c.PortSIP_sendMessage, **_in_dialog(session_id, mime_type, sub_mime_type, data))

    def send_out_of_dialog_message(
        self, to: str, mime_type: str, sub_mime_type: str, data: bytes, is_sms: bool = False
    ) -> int:
        """PortSIP_sendOutOfDialogMessage: a MESSAGE outside any call, to a SIP URI.

        Returns the message id; the outcome arrives as SendOutOfDialogMessageSuccess/Failure
        carrying it (perhaps before this returns: see :meth:`send_text` and
        :meth:`send_out_of_dialog_message_with_receipt`). ``is_sms`` adds ``messagetype=SMS`` to
        the To header.
        """
        return self._call(self._c.PortSIP_sendOutOfDialogMessage, **_out_of_dialog(to, mime_type, sub_mime_type, data, is_sms))

    def send_text(
        self, to: str, text: str, *, is_sms: bool = False, timeout: float = DEFAULT_RECEIPT_TIMEOUT
    ) -> Receipt[SendOutOfDialogMessageSuccess]:
        """Send ``text`` to a SIP URI as an out-of-dialog MESSAGE (text/plain, UTF-8); returns its receipt.

        ``lib.send_text(to, text).result()`` returns the SendOutOfDialogMessageSuccess event or
        raises SendFailedError with the SIP code and reason (404 for an unknown user, ...);
        ``await lib.send_text(to, text)`` does the same in asyncio. The receipt fails with
        TimeoutError if no outcome arrives within ``timeout`` seconds. ``receipt.id`` is the
        message id. Text with a NUL character is refused (ValueError): text/plain cannot carry
        one; see :meth:`send_out_of_dialog_message_with_receipt` for other bodies.
        """
        body = _args.text("text", text, "text/plain (RFC 2045)")
        arguments = _out_of_dialog(to, "text", "plain", body, is_sms)
        return self._call_with_receipt(OUT_OF_DIALOG_MESSAGE, self._c.PortSIP_sendOutOfDialogMessage, arguments, timeout, _by_message_id)

    def send_out_of_dialog_message_with_receipt(
        self,
        to: str,
        mime_type: str,
        sub_mime_type: str,
        data: bytes,
        is_sms: bool = False,
        *,
        timeout: float = DEFAULT_RECEIPT_TIMEOUT,
    ) -> Receipt[SendOutOfDialogMessageSuccess]:
        """:meth:`send_out_of_dialog_message`, returning a receipt for its outcome instead of the id.

        The receipt resolves with the SendOutOfDialogMessageSuccess event carrying its message id,
        raises SendFailedError (the SIP code and reason) for the Failure event, and TimeoutError if
        neither arrives within ``timeout`` seconds; the event may even come before this returns.
        """
        arguments = _out_of_dialog(to, mime_type, sub_mime_type, data, is_sms)
        return self._call_with_receipt(OUT_OF_DIALOG_MESSAGE, self._c.PortSIP_sendOutOfDialogMessage, arguments, timeout, _by_message_id)

    def send_message_with_receipt(
        self, session_id: int, mime_type: str, sub_mime_type: str, data: bytes, *, timeout: float = DEFAULT_RECEIPT_TIMEOUT
    ) -> Receipt[SendMessageSuccess]:
        """:meth:`send_message` inside the call ``session_id``, returning a receipt for its outcome.

        The receipt resolves with the SendMessageSuccess event of this session and message id,
        raises SendFailedError (the SIP code and reason) for SendMessageFailure, and TimeoutError
        if neither arrives within ``timeout`` seconds.
        """
        arguments = _in_dialog(session_id, mime_type, sub_mime_type, data)
        session = arguments["session_id"]
        return self._call_with_receipt(
            IN_DIALOG_MESSAGE, self._c.PortSIP_sendMessage, arguments, timeout, lambda message_id: ((session, message_id), "")
        )


def _in_dialog(session_id: int, mime_type: str, sub_mime_type: str, data: bytes) -> dict[str, object]:
    """PortSIP_sendMessage's arguments after the handle, for SDKCore._call (the session id as an int:
    the receipt's key)."""
    body = _args.data("data", data)
    return {
        "session_id": _args.bounded("session_id", session_id),
        "mime_type": _args.text("mime_type", mime_type),
        "sub_mime_type": _args.text("sub_mime_type", sub_mime_type),
        "data": body,
        "data_length": len(body),
    }


def _out_of_dialog(to: str, mime_type: str, sub_mime_type: str, data: bytes, is_sms: bool) -> dict[str, object]:
    """PortSIP_sendOutOfDialogMessage's arguments after the handle, for SDKCore._call."""
    body = _args.data("data", data)
    return {
        "to": _args.text("to", to),
        "mime_type": _args.text("mime_type", mime_type),
        "sub_mime_type": _args.text("sub_mime_type", sub_mime_type),
        "is_sms": is_sms,
        "data": body,
        "data_length": len(body),
    }


def _by_message_id(message_id: int) -> tuple[int, str]:
    """The key of an out-of-dialog MESSAGE's outcome events: its message id."""
    return message_id, ""
