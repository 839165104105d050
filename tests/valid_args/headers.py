"""Valid positional arguments for each public method of portsip/_api/headers.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "add_sip_message_header": (-1, "ALL", 3, "X-Billing", "usd100.00"),
    "remove_added_sip_message_header": (1,),
    "clear_added_sip_message_headers": (),
    "modify_sip_message_header": (-1, "INVITE", 1, "User-Agent", "Test Phone 1.0"),
    "remove_modified_sip_message_header": (2,),
    "clear_modified_sip_message_headers": (),
    "get_sip_message_header_value": ("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n", "CSeq"),
    "enable_callback_signaling": (True, False),
}
