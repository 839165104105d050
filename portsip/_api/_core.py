"""What every domain module of the API builds on: the checked path from a Python call to C.

:class:`SDKCore` holds no state of its own; :class:`portsip.PortSIPLib` sets the attributes
below in its constructor. Each domain module (registration, messaging, presence, ...) is a
mixin of SDKCore, and PortSIPLib inherits them all: one object, as in the vendor's API, with
the code grouped by what it does.

Every public method checks and converts its arguments (:mod:`portsip._args`) *before*
calling :meth:`_call`, so bad input never reaches C.
"""

from __future__ import annotations

import threading
from typing import Any

from ..errors import ClosedError, InvalidStateError, NotInitializedError, error_for_code


class SDKCore:
    """The C call path shared by every API mixin of :class:`portsip.PortSIPLib`."""

    _ffi: Any  # the cffi FFI of native/portsip_abi.h
    _c: Any  # the loaded library: one attribute per declared C function
    _lock: threading.RLock  # serialises C calls with close()
    _sdk: Any  # the SDK handle (void*), NULL until initialize()
    _dispatcher: Any  # the SDK's callback dispatcher (void*), created before initialize()
    _closed: bool
    _registered: bool  # register_server succeeded and unregister_server has not run since
    _forked: bool

    def _usable(self, function: str, *, need_sdk: bool = True) -> Any:
        """The SDK handle, or the exception that says why ``function`` cannot be called now."""
        if self._forked:
            raise InvalidStateError("this PortSIPLib belongs to the parent process (fork): create a new one")
        if self._closed:
            raise ClosedError(f"{function}: the PortSIPLib is closed")
        if need_sdk and self._sdk == self._ffi.NULL:
            raise NotInitializedError.for_function(function)
        return self._sdk

    def _call(self, function: str, *args: Any) -> int:
        """Call a PortSIP_* function that returns 0, a count or an id, or a negative code; raise on a code."""
        with self._lock:
            sdk = self._usable(function)
            result = int(getattr(self._c, function)(sdk, *args))
        if result < 0:
            raise error_for_code(result, function)
        return result

    def _call_void(self, function: str, *args: Any) -> None:
        """Call a PortSIP_* function that returns void: C has no way to report an error."""
        with self._lock:
            sdk = self._usable(function)
            getattr(self._c, function)(sdk, *args)
