"""Valid positional arguments for each public method of portsip/_api/messaging.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "add_supported_mime_type": ("MESSAGE", "application", "json"),
    "send_message": (1, "text", "plain", b"x"),
    "send_out_of_dialog_message": ("sip:bob@example.com", "text", "plain", b"x", False),
    "send_text": ("sip:bob@example.com", "hi"),
    "send_out_of_dialog_message_with_receipt": ("sip:bob@example.com", "text", "plain", b"x", False),
    "send_message_with_receipt": (1, "text", "plain", b"x"),
}
