"""Valid positional arguments for each public method of portsip/_api/lifecycle.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "set_license_key": ("key",),
    "get_version": (),
}
