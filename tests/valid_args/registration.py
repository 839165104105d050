"""Valid positional arguments for each public method of portsip/_api/registration.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "set_user": ("alice",),
    "register_server": (120, 0),
    "unregister_server": (),
    "refresh_registration": (120,),
    "remove_user": (),
    "set_display_name": ("Alice",),
    "set_instance_id": ("urn:uuid:00000000-0000-1000-8000-000000000001",),
    "enable_auto_check_mwi": (True,),
}
