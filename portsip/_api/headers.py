"""SIP headers: custom headers added to or modified in outgoing messages, reading a header out of a
message, and whether the SIP messages themselves are reported as events."""

from __future__ import annotations

from .. import _args
from ..enums import SipMessageType
from ._core import SDKCore


def _header_args(
    session_id: int, method_name: str, msg_type: SipMessageType | int, header_name: str, header_value: str
) -> dict[str, object]:
    """The arguments shared by add_sip_message_header and modify_sip_message_header, for SDKCore._call."""
    return {
        "session_id": session_id,
        "method_name": _args.text("method_name", method_name),
        "msg_type": int(_args.choice("msg_type", msg_type, SipMessageType)),
        "header_name": _args.text("header_name", header_name),
        "header_value": _args.text("header_value", header_value),
    }


class HeadersAPI(SDKCore):
    """What goes into the SDK's SIP messages, and what is in those it reports."""

    def add_sip_message_header(
        self, session_id: int, method_name: str, msg_type: SipMessageType | int, header_name: str, header_value: str
    ) -> int:
        """PortSIP_addSipMessageHeader: add a header to outgoing messages; returns its id.

        ``session_id`` -1 means every call, ``method_name`` "ALL" every method ("INVITE",
        "REGISTER", ... otherwise); ``msg_type`` says whether requests, responses or both get it.
        """
        arguments = _header_args(session_id, method_name, msg_type, header_name, header_value)
        return self._call(self._c.PortSIP_addSipMessageHeader, **arguments)

    def remove_added_sip_message_header(self, sip_message_header_id: int) -> None:
        """PortSIP_removeAddedSipMessageHeader: stop adding the header with this id."""
        self._call(self._c.PortSIP_removeAddedSipMessageHeader, sip_message_header_id=sip_message_header_id)

    def clear_added_sip_message_headers(self) -> None:
        """PortSIP_clearAddedSipMessageHeaders: stop adding any header. Returns nothing in C."""
        self._call_void(self._c.PortSIP_clearAddedSipMessageHeaders)

    def modify_sip_message_header(
        self, session_id: int, method_name: str, msg_type: SipMessageType | int, header_name: str, header_value: str
    ) -> int:
        """PortSIP_modifySipMessageHeader: replace a header's value in outgoing messages (e.g. User-Agent);
        returns its id. The arguments are those of :meth:`add_sip_message_header`."""
        arguments = _header_args(session_id, method_name, msg_type, header_name, header_value)
        return self._call(self._c.PortSIP_modifySipMessageHeader, **arguments)

    def remove_modified_sip_message_header(self, sip_message_header_id: int) -> None:
        """PortSIP_removeModifiedSipMessageHeader: stop modifying the header with this id."""
        self._call(self._c.PortSIP_removeModifiedSipMessageHeader, sip_message_header_id=sip_message_header_id)

    def clear_modified_sip_message_headers(self) -> None:
        """PortSIP_clearModifiedSipMessageHeaders: stop modifying any header. Returns nothing in C."""
        self._call_void(self._c.PortSIP_clearModifiedSipMessageHeaders)

    def get_sip_message_header_value(self, sip_message: str, header_name: str) -> str:
        """PortSIP_getSipMessageHeaderValue: the value of a header of a SIP message, e.g. the
        ``signaling`` of a ReceivedSignaling event. NotFoundError when the message has no such header."""
        message = _args.text("sip_message", sip_message)
        name = _args.text("header_name", header_name)
        function = self._c.PortSIP_getSipMessageHeaderValue
        # A header's value is never longer than the message it is in (the manual asks for >= 512 bytes).
        (value,) = self._call_text_out(
            function,
            (max(512, len(message) + 1),),
            lambda buffer: self._call(
                function, sip_message=message, header_name=name, header_value=buffer, header_value_length=len(buffer)
            ),
        )
        return value

    def enable_callback_signaling(self, enable_sending: bool, enable_received: bool) -> None:
        """PortSIP_enableCallbackSignaling: report every SIP message sent as a SendingSignaling event, and
        every one received as ReceivedSignaling. Returns nothing in C."""
        self._call_void(self._c.PortSIP_enableCallbackSignaling, enable_sending=enable_sending, enable_received=enable_received)
