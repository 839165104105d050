"""Test without the proprietary SDK: the stub library and its control API.

The stub (the C files in ``stubs/``, built on demand by :func:`stub_library_path`) exports
the same ABI as the SDK and behaves like it where tests need it: per-instance state, the
vendor's error codes, increasing ids, and callbacks fired from its own worker thread after
the API call returned. Instances in one process reach each other by their users' SIP URIs::

    from portsip import PortSIPLib
    from portsip.events import RecvOutOfDialogMessage
    from portsip.testing import stub_library_path

    with PortSIPLib(stub_library_path()) as alice, PortSIPLib(stub_library_path()) as bob:
        for lib, user in ((alice, "alice"), (bob, "bob")):
            lib.initialize()
            lib.set_user(user, sip_domain="example.com")
        alice.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"hi")
        assert bob.wait_for(RecvOutOfDialogMessage).data == b"hi"

:class:`StubControl` injects events, scripts outcomes, opens in-dialog sessions and reads
back every call the stub received. The pytest fixtures in :mod:`portsip.testing.fixtures` come
with the package: pytest finds them once portsip is installed.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from cffi import FFI

from .. import _args, _header
from .._lib import PortSIPLib
from ..errors import PortSIPError, error_for_code
from ..events import EVENT_TYPES, Event
from ._build import StubBuildError, stub_library_path

__all__ = ["stub_library_path", "StubBuildError", "StubControl", "StubCall", "LibFactory"]

#: The SIP domain of the users the pytest fixtures make.
DOMAIN = "example.com"

#: Event.signature letter -> its member of enum stub_value_kind (whose values cffi reads from the header).
_KINDS = {"l": "STUB_LONG", "i": "STUB_INT", "b": "STUB_BOOL", "s": "STUB_STRING", "d": "STUB_DATA"}
_STUB_ABI_VERSION = 1

_lock = threading.Lock()
_control_libs: dict[str, Any] = {}


def _control_lib(path: str) -> tuple[FFI, Any]:
    ffi = _header.ffi_for(_header.STUB_HEADER)
    with _lock:
        if path not in _control_libs:
            lib: Any = ffi.dlopen(path)
            try:
                version = lib.stub_abi_version()
            except AttributeError:
                raise PortSIPError(f"{path} is not the portsip stub library (no stub_abi_version)") from None
            if version != _STUB_ABI_VERSION:
                raise PortSIPError(f"{path} is stub ABI {version}; this portsip needs {_STUB_ABI_VERSION}: rebuild it")
            if lib.stub_event_count() != len(EVENT_TYPES):
                raise PortSIPError(f"{path} knows {lib.stub_event_count()} events, portsip {len(EVENT_TYPES)}: rebuild it")
            _control_libs[path] = lib
        return ffi, _control_libs[path]


def _c_text(ffi: FFI, pointer: Any) -> str:
    """A NUL-terminated char* as str (cffi gives bytes for char*)."""
    return cast(bytes, ffi.string(pointer)).decode()


class LibFactory(Protocol):
    """The type of the ``portsip_lib_factory`` fixture: makes initialized users on the stub."""

    def __call__(self, user_name: str = "alice", *, display_name: str | None = None, sip_domain: str = DOMAIN) -> PortSIPLib: ...


@dataclass(frozen=True)
class StubCall:
    """One PortSIP_* call the stub received.

    ``args`` maps the vendor's C parameter names (as in native/portsip_abi.h) to values:
    strings as str (UTF-8, surrogateescape: exact bytes recoverable) or None for NULL,
    buffers as bytes, ints and bools as such.
    """

    function: str
    args: Mapping[str, object]


class StubControl:
    """Drive the stub behind a :class:`~portsip.PortSIPLib` (initialized, loaded from the stub)."""

    def __init__(self, lib: PortSIPLib) -> None:
        if not isinstance(lib, PortSIPLib):
            raise TypeError(f"StubControl needs a PortSIPLib, not {type(lib).__name__}")
        self._lib = lib
        self._ffi, self._c = _control_lib(lib.library_path)

    def _sdk(self) -> Any:
        handle = self._lib.sdk_handle
        if self._lib.closed:
            raise PortSIPError("the PortSIPLib is closed")
        if handle == self._lib._ffi.NULL:
            raise PortSIPError("initialize() the PortSIPLib before using StubControl")
        return self._ffi.cast("void*", self._lib._ffi.cast("uintptr_t", handle))

    @staticmethod
    def _check(result: int, function: str) -> int:
        if result < 0:
            raise error_for_code(result, function)
        return result

    @staticmethod
    def _milliseconds(delay: float) -> int:
        return round(_args.seconds("delay", delay, maximum=3600) * 1000)

    # ---- injecting events ---------------------------------------------------------------------

    def emit(self, event: Event, *, delay: float = 0.0, data_length: int | None = None) -> None:
        """Fire ``event`` at this instance from the stub's thread, as if it came from the network.

        A string field set to None is passed as a NULL pointer (it arrives as ""), ``data=None``
        as a NULL buffer. ``data_length`` overrides the length argument passed with ``data``
        (e.g. -1), to test the receiving side. The stub also updates its state as the event
        would (an injected PresenceRecvSubscribe makes its subscribe id acceptable, ...).
        """
        if not isinstance(event, Event) or type(event) not in EVENT_TYPES:
            raise TypeError(f"emit() takes an event object from portsip.events, not {type(event).__name__}")
        fields = dataclasses.fields(event)
        values = self._ffi.new("stub_value[]", max(len(fields), 1))
        keep_alive = []
        # values has one slot even for an event without fields (a C array cannot be empty)
        for slot, (kind, field) in zip(values, zip(type(event).signature, fields, strict=True), strict=False):
            value = getattr(event, field.name)
            slot.kind = getattr(self._c, _KINDS[kind])
            name = f"{type(event).__name__}.{field.name}"
            if kind == "l":
                slot.integer = _args.integer(name, value, "long")
            elif kind == "i":
                slot.integer = _args.integer(name, value)
            elif kind == "b":
                slot.integer = int(_args.flag(name, value))
            else:
                raw = None
                if value is not None:
                    raw = _args.text(name, value) if kind == "s" else _args.data(name, value)
                if raw is not None:
                    buffer = self._ffi.from_buffer("unsigned char[]", raw)
                    keep_alive.append(buffer)
                    slot.bytes, slot.size = buffer, len(raw)
                if kind == "d":
                    length = len(raw or b"") if data_length is None else _args.integer("data_length", data_length)
                    slot.integer = length
        result = self._c.stub_emit(self._sdk(), EVENT_TYPES.index(type(event)), values, len(fields), self._milliseconds(delay))
        self._check(result, "stub_emit")

    # ---- scripting outcomes -------------------------------------------------------------------

    def script_next_send(self, code: int = 200, reason: str = "OK", delay: float = 0.0) -> None:
        """The outcome of the next MESSAGE this instance sends (in or out of dialog)."""
        code = _args.integer("code", code, minimum=100, maximum=699)
        self._check(
            self._c.stub_script_next_send(self._sdk(), code, _args.text("reason", reason), self._milliseconds(delay)),
            "stub_script_next_send",
        )

    def fail_next_send(self, code: int, reason: str, delay: float = 0.0) -> None:
        """Make the next MESSAGE send fail with this SIP code and reason, ``delay`` s after the send."""
        code = _args.integer("code", code, minimum=300, maximum=699)
        self.script_next_send(code, reason, delay)

    def fail_next_register(self, code: int, reason: str) -> None:
        """Make the next register_server answer RegisterFailure with this SIP code and reason."""
        code = _args.integer("code", code, minimum=300, maximum=699)
        self._check(
            self._c.stub_script_next_register(self._sdk(), code, _args.text("reason", reason)), "stub_script_next_register"
        )

    # ---- sessions -----------------------------------------------------------------------------

    def open_session(self) -> int:
        """Open an established call session (no peer) and return its session id."""
        return self._check(self._c.stub_open_session(self._sdk(), self._ffi.NULL, self._ffi.NULL), "stub_open_session")

    def open_session_with(self, peer: PortSIPLib) -> tuple[int, int]:
        """Connect a call between this instance and ``peer``: (our session id, peer's session id).

        A send_message on either session arrives as RecvMessage at the other end.
        """
        peer_session = self._ffi.new("long*")
        mine = self._c.stub_open_session(self._sdk(), StubControl(peer)._sdk(), peer_session)
        return self._check(mine, "stub_open_session"), int(peer_session[0])

    # ---- reading back -------------------------------------------------------------------------

    @property
    def calls(self) -> list[StubCall]:
        """Every PortSIP_* call this instance received, oldest first."""
        sdk = self._sdk()
        function = self._ffi.new("char**")
        args = self._ffi.new("stub_value**")
        nargs = self._ffi.new("int*")
        calls = []
        for index in range(self._c.stub_journal_count(sdk)):
            if self._c.stub_journal_entry(sdk, index, function, args, nargs) < 0:
                break
            values: dict[str, object] = {}
            for k in range(nargs[0]):
                value = args[0][k]
                values[_c_text(self._ffi, value.name)] = self._value(value)
            calls.append(StubCall(_c_text(self._ffi, function[0]), values))
        return calls

    def calls_to(self, function: str) -> list[StubCall]:
        """The calls of one function, e.g. ``calls_to("PortSIP_sendOutOfDialogMessage")``."""
        return [call for call in self.calls if call.function == function]

    def _value(self, value: Any) -> object:
        if value.kind in (self._c.STUB_LONG, self._c.STUB_INT):
            return int(value.integer)
        if value.kind == self._c.STUB_BOOL:
            return bool(value.integer)
        if value.bytes == self._ffi.NULL:
            return None
        raw = self._ffi.buffer(value.bytes, value.size)[:]
        return raw.decode("utf-8", "surrogateescape") if value.kind == self._c.STUB_STRING else raw

    def clear_calls(self) -> None:
        self._c.stub_journal_clear(self._sdk())

    @property
    def callbacks_fired(self) -> int:
        return int(self._c.stub_callbacks_fired(self._sdk()))

    @property
    def callbacks_nonzero(self) -> int:
        """Callbacks that returned non-zero to the stub (the binding's trampolines always return 0)."""
        return int(self._c.stub_callbacks_nonzero(self._sdk()))

    @property
    def pending_events(self) -> int:
        return int(self._c.stub_pending_events(self._sdk()))

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until the stub has fired every queued event (the handlers may still be running)."""
        deadline = time.monotonic() + timeout
        while self.pending_events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the stub still has {self.pending_events} events queued after {timeout} s")
            time.sleep(0.002)
