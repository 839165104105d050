"""Valid positional arguments for each public method of portsip/_api/registration.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "set_user": ("alice",),
    "register_server": (120, 0),
    "unregister_server": (),
}
