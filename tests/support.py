"""Helpers shared by the test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portsip import PortSIPLib, SDKError, _backend_cffi, _backend_native
from portsip.events import EVENT_TYPES, Event

from abi import snake_case

#: PortSIP_* functions whose method is not named <the function without PortSIP_> in snake_case.
RENAMED_METHODS = {
    "PortSIP_unRegisterServer": "unregister_server",  # "unregister" is one word
    "PortSIP_enable3GppTags": "enable_3gpp_tags",  # snake_case would split "3Gpp" as "3_gpp"
}


def method_name(function: str) -> str:
    """The PortSIPLib method that calls the PortSIP_* ``function``."""
    return RENAMED_METHODS.get(function, snake_case(function.removeprefix("PortSIP_")))


def vendor_error(call: Callable[[], object], name: str, family: type[SDKError] = SDKError) -> None:
    """``call()`` raises the SDK's code ``name`` (e.g. "ECoreSipHeaderNotExist") as a ``family`` exception."""
    with pytest.raises(family) as raised:
        call()
    assert raised.value.name == name


def install_backend_handler(lib: PortSIPLib, event_type: type[Event], callback_index: int) -> None:
    """Reinstall the handler ``lib``'s backend uses for ``event_type``, with another callbackIndex."""
    index = EVENT_TYPES.index(event_type)
    if lib.backend == "native":
        native = _backend_native.native_library()
        assert native is not None
        handler = lib._ffi.cast(event_type.typedef_name, native.handler_address(index))
    else:
        assert _backend_cffi._callbacks is not None
        handler = _backend_cffi._callbacks[index]
    getattr(lib._c, event_type.setter_name)(lib._dispatcher, handler, callback_index, lib._feed.routing_id)
