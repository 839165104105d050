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
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from .._delivery.native import EventQueue
from ..errors import ClosedError, InvalidStateError, NotInitializedError, PortSIPError, SDKError, error_for_code
from ..events import Event

if TYPE_CHECKING:
    from .._receipts import Outcomes, Receipt, ReceiptBook

#: The largest buffer offered to the SDK for one string it writes (names, header values, addresses).
TEXT_OUT_LIMIT = 1 << 20

E = TypeVar("E", bound=Event)


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
    _receipts: ReceiptBook  # the receipts of the *_with_receipt sends (portsip._receipts)
    _events: EventQueue  # the instance's native event queue: media stream callbacks are routed to it too

    def _usable(self, function: str, *, need_sdk: bool = True) -> Any:
        """The SDK handle, or the exception that says why ``function`` cannot be called now."""
        if self._forked:
            raise InvalidStateError("this PortSIPLib belongs to the parent process (fork): create a new one")
        if self._closed:
            raise ClosedError(f"{function}: the PortSIPLib is closed")
        if need_sdk and self._sdk == self._ffi.NULL:
            raise NotInitializedError.for_function(function)
        return self._sdk

    def _call(self, function: str, *args: Any, need_sdk: bool = True) -> int:
        """Call a PortSIP_* function that returns 0, a count or an id, or a negative code; raise on a code.

        ``need_sdk=False``: a function that takes no SDK handle (getNICNums, ...), callable before initialize.
        """
        with self._lock:
            sdk = self._usable(function, need_sdk=need_sdk)
            result = int(getattr(self._c, function)(*((sdk, *args) if need_sdk else args)))
        if result < 0:
            raise error_for_code(result, function)
        return result

    def _call_with_receipt(
        self, outcomes: Outcomes[E], function: str, args: tuple[Any, ...], timeout: float, key: Callable[[int], tuple[Hashable, str]]
    ) -> Receipt[E]:
        """:meth:`_call` for a send that returns an id, with a receipt for its outcome (portsip._receipts).

        ``args`` are checked already; ``key(id)`` is what the outcome events of this send carry.
        """
        return self._receipts.send(outcomes, lambda: self._call(function, *args), timeout, key)

    def _call_void(self, function: str, *args: Any) -> None:
        """Call a PortSIP_* function that returns void: C has no way to report an error."""
        with self._lock:
            sdk = self._usable(function)
            getattr(self._c, function)(sdk, *args)

    def _call_out_ints(self, function: str, count: int, *args: Any) -> list[int]:
        """Call a function whose last ``count`` parameters are int out-pointers; their values, in order."""
        values = self._ffi.new("int[]", count)
        self._call(function, *args, *(values + k for k in range(count)))
        return list(values)

    def _call_text_out(self, function: str, sizes: tuple[int, ...], call: Callable[..., object]) -> tuple[str, ...]:
        """Strings the SDK writes into char buffers, decoded (UTF-8, surrogateescape).

        ``call(*buffers)`` makes the C call (through :meth:`_call`) with fresh buffers of ``sizes``
        bytes; ``len(buffer)`` is a buffer's size. A call the SDK answers with ECoreBufferTooSmall, or
        whose string fills a buffer to its last byte (perhaps cut short), is made again with twice
        the room, so a long name is never returned truncated.
        """
        while True:
            buffers = [self._ffi.new("char[]", size) for size in sizes]
            try:
                call(*buffers)
            except SDKError as exc:
                if exc.name != "ECoreBufferTooSmall" or min(sizes) >= TEXT_OUT_LIMIT:
                    raise
                sizes = tuple(min(2 * size, TEXT_OUT_LIMIT) for size in sizes)
                continue
            raw = [self._ffi.string(buffer) for buffer in buffers]
            full = [len(text) >= size - 1 for text, size in zip(raw, sizes, strict=True)]
            if not any(full):
                return tuple(text.decode("utf-8", "surrogateescape") for text in raw)
            if max(sizes) >= TEXT_OUT_LIMIT:
                raise PortSIPError(f"{function}: the SDK wrote a string of {TEXT_OUT_LIMIT} bytes or more", function=function)
            sizes = tuple(min(2 * size, TEXT_OUT_LIMIT) if grow else size for grow, size in zip(full, sizes, strict=True))
