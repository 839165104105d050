"""Valid positional arguments for each public method of portsip/_api/calls.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "call": ("sip:bob@example.com", True, False),
    "answer_call": (1, False),
    "reject_call": (1, 486),
    "hang_up": (1,),
    "hold": (1,),
    "un_hold": (1,),
    "update_call": (1, True, False),
    "mute_session": (1, False, True, False, True),
    "forward_call": (1, "sip:carol@example.com"),
    "pickup_blf_call": ("stub-call-1-1", False),
    "send_dtmf": (1, 0, 5, 160, True),
    "send_info": (1, "application", "json", "{}"),
    "send_options": ("sip:bob@example.com", ""),
    "enable_call_forward": (False, "sip:carol@example.com"),
    "disable_call_forward": (),
    "set_do_not_disturb": (True,),
    "enable_early_media": (True,),
    "enable_reliable_provisional": (True,),
    "enable_session_timer": (90, 0),
    "disable_session_timer": (),
}
