"""Valid positional arguments for each public method of portsip/_api/presence.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "set_presence_mode": (0,),
    "set_default_subscription_time": (60,),
    "set_default_publication_time": (60,),
    "presence_subscribe": ("sip:bob@example.com", "subject"),
    "presence_subscribe_with_receipt": ("sip:bob@example.com", "subject"),
    "presence_terminate_subscribe": (1,),
    "presence_accept_subscribe": (1,),
    "presence_reject_subscribe": (1,),
    "set_presence_status": (1, "Available"),
    "send_subscription": ("sip:bob@example.com", "message-summary"),
    "terminate_subscription": (1,),
}
