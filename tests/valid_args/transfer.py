"""Valid positional arguments for each public method of portsip/_api/transfer.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "refer": (1, "sip:carol@example.com"),
    "attended_refer": (1, 2, "sip:carol@example.com"),
    "attended_refer2": (1, 2, "INVITE", "sip:bob@example.com", "sip:carol@example.com"),
    "out_of_dialog_refer": (2, "INVITE", "sip:bob@example.com", "sip:carol@example.com"),
    "accept_refer": (1, "REFER sip:bob@example.com SIP/2.0\r\n\r\n"),
    "reject_refer": (1,),
}
