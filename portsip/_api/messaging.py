"""Instant messaging: SIP MESSAGE inside a call and out of dialog, and the accepted MIME types."""

from __future__ import annotations

from .. import _args
from ._core import SDKCore


class MessagingAPI(SDKCore):
    """SIP MESSAGE; each send returns a message id that its Send*Success / Send*Failure event carries."""

    def add_supported_mime_type(self, method_name: str, mime_type: str, sub_mime_type: str) -> None:
        """PortSIP_addSupportedMimeType: accept incoming bodies of this type for a SIP method.

        The SDK delivers incoming MESSAGE bodies only for text/plain and the types added here,
        e.g. ``add_supported_mime_type("MESSAGE", "application", "json")``.
        """
        self._call(
            "PortSIP_addSupportedMimeType",
            _args.text("method_name", method_name),
            _args.text("mime_type", mime_type),
            _args.text("sub_mime_type", sub_mime_type),
        )

    def send_message(self, session_id: int, mime_type: str, sub_mime_type: str, data: bytes) -> int:
        """PortSIP_sendMessage: a MESSAGE inside the established call ``session_id``.

        Returns the message id; the outcome arrives as SendMessageSuccess/SendMessageFailure
        carrying it. ``data`` is the body as bytes (encode text yourself, e.g. UTF-8).
        """
        body = _args.data("data", data)
        return self._call(
            "PortSIP_sendMessage",
            _args.integer("session_id", session_id, "long"),
            _args.text("mime_type", mime_type),
            _args.text("sub_mime_type", sub_mime_type),
            body,
            len(body),
        )

    def send_out_of_dialog_message(
        self, to: str, mime_type: str, sub_mime_type: str, data: bytes, is_sms: bool = False
    ) -> int:
        """PortSIP_sendOutOfDialogMessage: a MESSAGE outside any call, to a SIP URI.

        Returns the message id; the outcome arrives as SendOutOfDialogMessageSuccess/Failure
        carrying it. ``is_sms`` adds ``messagetype=SMS`` to the To header.
        """
        body = _args.data("data", data)
        return self._call(
            "PortSIP_sendOutOfDialogMessage",
            _args.text("to", to),
            _args.text("mime_type", mime_type),
            _args.text("sub_mime_type", sub_mime_type),
            _args.flag("is_sms", is_sms),
            body,
            len(body),
        )
