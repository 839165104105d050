"""Helpers shared by the test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

from portsip import PortSIPLib, _backend_cffi, _backend_native
from portsip._backend import handler_type, setter_name
from portsip.events import EVENT_TYPES, Event


def install_backend_handler(lib: PortSIPLib, event_type: type[Event], callback_index: int) -> None:
    """Reinstall the handler ``lib``'s backend uses for ``event_type``, with another callbackIndex."""
    index = EVENT_TYPES.index(event_type)
    if lib.backend == "native":
        native = _backend_native.native_library()
        assert native is not None
        handler = lib._ffi.cast(handler_type(event_type), native.handler_address(index))
    else:
        assert _backend_cffi._callbacks is not None
        handler = _backend_cffi._callbacks[index]
    getattr(lib._c, setter_name(event_type))(lib._dispatcher, handler, callback_index, lib._feed.routing_id)
