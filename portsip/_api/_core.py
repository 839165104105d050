"""What every domain module of the API builds on: the checked path from a Python call to C.

:class:`SDKCore` holds no state of its own; :class:`portsip.PortSIPLib` sets the attributes
below in its constructor. Each domain module (registration, messaging, presence, ...) is a
mixin of SDKCore, and PortSIPLib inherits them all: one object, as in the vendor's API, with
the code grouped by what it does.

Every public method calls its C function through :meth:`SDKCore._call` (or a sibling) as
``self._call(self._c.PortSIP_x, name=value, ...)``: strings, buffers, enums and bounds of its own
are checked by the method (:mod:`portsip._args`), integers and bools against their C types in the
cdef by ``_call``, all before the C call, so bad input never reaches C.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _args
from .._delivery.native import EventQueue
from ..errors import ClosedError, InvalidStateError, NotInitializedError, PortSIPError, SDKError, error_for_code
from ..events import Event

if TYPE_CHECKING:
    from .._receipts import Outcomes, Receipt, ReceiptBook

#: The largest buffer offered to the SDK for one string it writes (names, header values, addresses).
TEXT_OUT_LIMIT = 1 << 20

E = TypeVar("E", bound=Event)

#: A check of one C parameter: (name, value) -> the value C receives; raises TypeError/ValueError.
Check = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Signature:
    """What the cdef says about one C function: its name and a check per parameter (None: none)."""

    name: str
    parameters: tuple[Check | None, ...]


def _check_for(c_type: Any) -> Check | None:
    if c_type.kind != "primitive":
        return None  # pointers: strings, buffers and out-parameters are converted by the caller
    if c_type.cname == "_Bool":
        return _args.flag
    if c_type.cname in _args.C_INTEGER_TYPES:
        return functools.partial(_check_integer, c_type.cname)
    return None


def _check_integer(c_type: str, name: str, value: object) -> int:
    return _args.integer(name, value, c_type)


_signatures: dict[Any, Signature] = {}  # the C function (cdata) -> its Signature; the libraries are never unloaded
_signatures_lock = threading.Lock()


def _signature(ffi: Any, lib: Any, function: Any) -> Signature:
    """``function``'s Signature; the first call for a library reads every function of its cdef.

    A Python wrapper of a C function (a test's spy) is known by the function in its ``__wrapped__``
    (as functools.wraps sets it)."""
    function = getattr(function, "__wrapped__", function)
    try:
        return _signatures[function]
    except KeyError:
        pass
    with _signatures_lock:
        if function not in _signatures:
            for name in dir(lib):
                member = getattr(lib, name)
                if not isinstance(member, int):  # integer #defines and enum constants are ints
                    c_type = ffi.typeof(member)
                    _signatures[member] = Signature(name, tuple(_check_for(arg) for arg in c_type.args))
        if function not in _signatures:
            raise TypeError(f"{function!r} is not a function of the SDK library")
        return _signatures[function]


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
    #: Told of every call that returns an id or an error, as (function, arguments, result): a trace
    #: being recorded (PortSIPLib.record) and a replay watching the app (StubControl.replay).
    _call_watchers: tuple[Callable[[str, dict[str, Any], int], None], ...]

    def _usable(self, function: str, *, need_sdk: bool = True) -> Any:
        """The SDK handle, or the exception that says why ``function`` cannot be called now."""
        if self._forked:
            raise InvalidStateError("this PortSIPLib belongs to the parent process (fork): create a new one")
        if self._closed:
            raise ClosedError(f"{function}: the PortSIPLib is closed")
        if need_sdk and self._sdk == self._ffi.NULL:
            raise NotInitializedError.for_function(function)
        return self._sdk

    def _call(self, function: Any, /, **arguments: Any) -> int:
        """Call ``function`` (``self._c.PortSIP_x``), which returns 0, a count or an id, or a negative
        code, with the SDK handle and ``arguments``; raise an SDKError for a negative code.

        ``arguments`` are the C parameters after the handle, one keyword each, in the C order, named
        as the caller's caller knows them (error messages use the name). Integers and bools are
        checked against their C types in the cdef here (:meth:`_checked`): pass them as given.
        """
        name, values = self._checked(function, arguments, first=1)
        return self._result(name, self._watched(name, arguments, self._invoke(function, name, values)))

    def _call_without_sdk(self, function: Any, /, **arguments: Any) -> int:
        """:meth:`_call` for a function that takes no SDK handle (getNICNums, ...): callable before initialize."""
        name, values = self._checked(function, arguments, first=0)
        return self._result(name, self._watched(name, arguments, self._invoke(function, name, values, need_sdk=False)))

    def _watched(self, name: str, arguments: dict[str, Any], result: Any) -> int:
        """``result`` as an int, after telling the call watchers of a call that returned an id or an error."""
        code = int(result)
        if code:
            for watcher in self._call_watchers:
                watcher(name, arguments, code)
        return code

    def _call_with_receipt(
        self, outcomes: Outcomes[E], function: Any, arguments: dict[str, Any], timeout: float, key: Callable[[int], tuple[Hashable, str]]
    ) -> Receipt[E]:
        """:meth:`_call` for a send that returns an id, with a receipt for its outcome (portsip._receipts).

        ``key(id)`` is what the outcome events of this send carry.
        """
        return self._receipts.send(outcomes, lambda: self._call(function, **arguments), timeout, key)

    def _call_void(self, function: Any, /, **arguments: Any) -> None:
        """Call a PortSIP_* function that returns void: C has no way to report an error."""
        name, values = self._checked(function, arguments, first=1)
        self._invoke(function, name, values)

    def _call_out_ints(self, function: Any, count: int, /, **arguments: Any) -> list[int]:
        """Call a function whose last ``count`` parameters are int out-pointers; their values, in order."""
        values = self._ffi.new("int[]", count)
        self._call(function, **arguments, **{f"out_{k}": values + k for k in range(count)})
        return list(values)

    # ---- the path every call takes ----------------------------------------------------------------

    def _checked(self, function: Any, arguments: dict[str, Any], *, first: int) -> tuple[str, tuple[Any, ...]]:
        """``function``'s name and ``arguments`` as C receives them (C parameters from ``first`` on).

        The checks come from the cdef's types, never restated by the caller: an integer parameter
        takes an int (not a bool) in its C type's range (``long`` is 32 bits on Windows), a ``bool``
        one a bool; TypeError or ValueError before any C call. Other values pass as they are.
        """
        signature = _signature(self._ffi, self._c, function)
        parameters = signature.parameters[first:]
        if len(arguments) != len(parameters):  # a mistake in an _api method, not the user's
            raise TypeError(f"{signature.name} takes {len(parameters)} arguments here, not {len(arguments)}: {', '.join(arguments)}")
        values = tuple(
            value if check is None else check(name, value) for (name, value), check in zip(arguments.items(), parameters, strict=True)
        )
        return signature.name, values

    def _invoke(self, function: Any, name: str, values: tuple[Any, ...], *, need_sdk: bool = True) -> Any:
        """The C call itself, serialised with close(); the SDK handle goes first where ``need_sdk``."""
        with self._lock:
            sdk = self._usable(name, need_sdk=need_sdk)
            return function(sdk, *values) if need_sdk else function(*values)

    @staticmethod
    def _result(name: str, result: Any) -> int:
        """The result of an int- or long-returning function, or the SDKError its negative code means."""
        code = int(result)
        if code < 0:
            raise error_for_code(code, name)
        return code

    def _call_text_out(self, function: Any, sizes: tuple[int, ...], call: Callable[..., object]) -> tuple[str, ...]:
        """Strings the SDK writes into char buffers, decoded (UTF-8, surrogateescape).

        ``call(*buffers)`` makes the C call of ``function`` (through :meth:`_call`) with fresh buffers of ``sizes``
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
                name = _signature(self._ffi, self._c, function).name
                raise PortSIPError(f"{name}: the SDK wrote a string of {TEXT_OUT_LIMIT} bytes or more", function=name)
            sizes = tuple(min(2 * size, TEXT_OUT_LIMIT) if grow else size for grow, size in zip(full, sizes, strict=True))
