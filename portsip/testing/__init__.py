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

``stub_library_path(wire=True)`` is the stub's wire build, whose instances speak real SIP over UDP
and TCP (:func:`peer_uri` is the address of one without a server); :mod:`portsip.testing.servers`
starts Kamailio and SIPp for it (docs/testing-real-server.md).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from cffi import FFI

from .. import _args, _header
from .._lib import PortSIPLib
from ..errors import PortSIPError, error_for_code
from ..events import EVENT_TYPES, Event
from ._build import StubBuildError, stub_library_path
from .echo import EchoUser
from .replay import ReplayMismatch, ReplayReport, replay

__all__ = [
    "stub_library_path",
    "StubBuildError",
    "StubControl",
    "StubCall",
    "StubConference",
    "LibFactory",
    "EchoUser",
    "ReplayMismatch",
    "ReplayReport",
    "peer_uri",
]

#: The SIP domain of the users the pytest fixtures make.
DOMAIN = "example.com"

_FRAME_KINDS = {  # kind -> enum stub_stream_kind member
    "audio": "STUB_STREAM_AUDIO",
    "video": "STUB_STREAM_VIDEO",
    "rtp_received": "STUB_STREAM_RTP_RECEIVED",
    "rtp_sending": "STUB_STREAM_RTP_SENDING",
}

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
            if version != lib.STUB_ABI_VERSION:  # the binary's version against the header's
                raise PortSIPError(f"{path} is stub ABI {version}; this portsip needs {lib.STUB_ABI_VERSION}: rebuild it")
            if lib.stub_event_count() != len(EVENT_TYPES):
                raise PortSIPError(f"{path} knows {lib.stub_event_count()} events, portsip {len(EVENT_TYPES)}: rebuild it")
            _control_libs[path] = lib
        return ffi, _control_libs[path]


def _c_text(ffi: FFI, pointer: Any) -> str:
    """A NUL-terminated char* as str (cffi gives bytes for char*)."""
    return cast(bytes, ffi.string(pointer)).decode()


def peer_uri(lib: PortSIPLib, user: str, transport: str = "udp") -> str:
    """The SIP address of ``user`` on a wire-stub instance without a server (P2P): its bound port on
    127.0.0.1, with ``;transport=tcp`` when it was initialized on TCP (``transport="tcp"``)."""
    if transport not in ("udp", "tcp"):
        raise ValueError(f"transport must be 'udp' or 'tcp', not {transport!r}")
    return f"sip:{user}@127.0.0.1:{StubControl(lib).local_sip_port}{';transport=tcp' if transport == 'tcp' else ''}"


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


@dataclass(frozen=True)
class StubConference:
    """The conference of a stub instance: video or audio, and the ids of the sessions joined to it."""

    video: bool
    session_ids: tuple[int, ...]


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
    def _milliseconds(delay: float, name: str = "delay") -> int:
        return round(_args.seconds(name, delay, maximum=3600) * 1000)

    # ---- injecting events ---------------------------------------------------------------------

    def _values(self, event: Event, data_length: int | None = None) -> tuple[Any, int, list[Any]]:
        """The event's fields as the stub's ``stub_value[]``, its count, and the buffers to keep alive."""
        if not isinstance(event, Event) or type(event) not in EVENT_TYPES:
            raise TypeError(f"expected an event object from portsip.events, not {type(event).__name__}")
        fields = dataclasses.fields(event)
        values = self._ffi.new("stub_value[]", max(len(fields), 1))
        kinds = {"l": self._c.STUB_LONG, "i": self._c.STUB_INT, "b": self._c.STUB_BOOL, "s": self._c.STUB_STRING, "d": self._c.STUB_DATA}
        keep_alive = []
        # values has one slot even for an event without fields (a C array cannot be empty)
        for slot, (kind, field) in zip(values, zip(type(event).signature, fields, strict=True), strict=False):
            value = getattr(event, field.name)
            slot.kind = kinds[kind]
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
                    size = len(raw or b"")
                    if data_length is None:
                        slot.integer = size
                    else:  # a length beyond the bytes given would make the receiver read past them
                        maximum = size if raw is not None else None
                        slot.integer = _args.integer("data_length", data_length, maximum=maximum)
        return values, len(fields), keep_alive

    def emit(self, event: Event, *, delay: float = 0.0, data_length: int | None = None) -> None:
        """Fire ``event`` at this instance from the stub's thread, as if it came from the network.

        A string field set to None is passed as a NULL pointer (it arrives as ""), ``data=None``
        as a NULL buffer. ``data_length`` overrides the length argument passed with ``data``, to
        test the receiving side: anything from negative up to ``len(data)`` (any value with a
        NULL buffer). The stub also updates its state as the event would (an injected
        PresenceRecvSubscribe makes its subscribe id acceptable, ...).
        """
        values, count, _keep_alive = self._values(event, data_length)
        result = self._c.stub_emit(self._sdk(), EVENT_TYPES.index(type(event)), values, count, self._milliseconds(delay))
        self._check(result, "stub_emit")

    # ---- load ---------------------------------------------------------------------------------

    def flood(self, event: Event, count: int, threads: int = 1, rate: float | None = None, *, wait: bool = True) -> None:
        """Fire ``event`` ``count`` times from each of ``threads`` new native threads, as SDK threads would.

        Each thread takes the installed handler once and calls it directly (so it keeps calling it
        even if the instance closes meanwhile, like an SDK thread that outlives unInitialize),
        back to back or paced at ``rate`` calls per second per thread, and times every call (see
        :meth:`callback_durations`). Returns when all calls have returned; with ``wait=False``
        at once, the threads running on. Each copy carries its thread and sequence number, which
        :meth:`flood_tag` reads back: in the first 8 bytes of the body for events with one, else in
        the first long field (thread * 2**20 + sequence), else as a "<thread>:<sequence>:" prefix of
        the first string field.
        """
        values, nargs, _keep_alive = self._values(event)
        count = _args.integer("count", count, "long long", minimum=0)
        threads = _args.integer("threads", threads, minimum=1, maximum=256)
        per_second = 0.0 if rate is None else _args.seconds("rate", rate)
        if rate is not None and per_second <= 0:
            raise ValueError("rate must be positive, or None for as fast as possible")
        sdk = self._sdk()
        index, waits = EVENT_TYPES.index(type(event)), int(_args.flag("wait", wait))
        result = self._c.stub_flood(sdk, index, values, nargs, count, threads, per_second, waits)
        self._check(result, "stub_flood")

    @staticmethod
    def flood_tag(event: Event) -> tuple[int, int]:
        """(thread, sequence) of a copy of a flooded event (see :meth:`flood`)."""
        if not isinstance(event, Event):
            raise TypeError(f"expected an event object from portsip.events, not {type(event).__name__}")
        signature = type(event).signature
        values = [getattr(event, f.name) for f in dataclasses.fields(event)]
        if "d" in signature:
            data = values[signature.index("d")]
            return int.from_bytes(data[:4], "little"), int.from_bytes(data[4:8], "little")
        if "l" in signature:
            tag = values[signature.index("l")]
            return tag >> 20, tag & (2**20 - 1)
        thread, sequence, _ = values[signature.index("s")].split(":", 2)
        return int(thread), int(sequence)

    def callback_durations(self) -> list[int]:
        """How long each call of the last waited :meth:`flood` took, in nanoseconds, measured in C
        around the call of the installed handler (thread 0's calls in order, then thread 1's, ...),
        or of the last frame source :meth:`wait_frame_source` saw finish (its calls of the media
        stream callback, in order)."""
        sdk = self._sdk()
        count = self._c.stub_flood_durations(sdk, self._ffi.NULL, 0)
        out = self._ffi.new("long long[]", max(count, 1))
        self._c.stub_flood_durations(sdk, out, count)
        return list(self._ffi.unpack(out, count))

    # ---- the library ---------------------------------------------------------------------------

    @property
    def wire(self) -> bool:
        """Whether the instance runs on the wire build of the stub (real SIP: ``stub_library_path(wire=True)``)."""
        return bool(self._c.stub_wire())

    @property
    def local_sip_port(self) -> int:
        """The instance's SIP port: on the wire the port its socket is bound to (the one the system chose for
        ``initialize(local_sip_port=0)``), in process the port initialize was given."""
        return self._check(self._c.stub_local_sip_port(self._sdk()), "stub_local_sip_port")

    # ---- scripting outcomes -------------------------------------------------------------------

    def _scriptable(self) -> None:
        if self.wire:
            raise PortSIPError("scripted outcomes are for the in-process stub: on the wire, the peer decides")

    def script_next_send(self, code: int = 200, reason: str = "OK", delay: float = 0.0) -> None:
        """The outcome of the next MESSAGE this instance sends (in or out of dialog). In process only."""
        self._scriptable()
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
        """Make the next register_server answer RegisterFailure with this SIP code and reason. In process only."""
        self._scriptable()
        code = _args.integer("code", code, minimum=300, maximum=699)
        self._check(self._c.stub_script_next_register(self._sdk(), code, _args.text("reason", reason)), "stub_script_next_register")

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

    @property
    def conference(self) -> StubConference | None:
        """The instance's conference as the stub keeps it, or None when there is none."""
        sdk = self._sdk()
        kind = self._ffi.new("int*")
        capacity = 8
        while True:
            ids = self._ffi.new("long[]", capacity)
            members = self._check(self._c.stub_conference(sdk, kind, ids, capacity), "stub_conference")
            if members <= capacity:
                break
            capacity = members
        if kind[0] == 0:
            return None
        return StubConference(video=kind[0] == 2, session_ids=tuple(ids[0:members]))

    # ---- media frames -------------------------------------------------------------------------

    def start_frame_source(
        self,
        kind: str,
        session_id: int,
        frame: bytes,
        *,
        count: int,
        interval: float = 0.0,
        sampling_freq_hz: int = 16000,
        width: int = 0,
        height: int = 0,
        is_audio: bool = True,
    ) -> int:
        """Feed a media stream callback from a new native thread, as the SDK's media threads would.

        ``kind`` picks the callback: "audio" or "video" (enabled for the call ``session_id`` with
        PortSIP_enableAudioStreamCallback / PortSIP_enableVideoStreamCallback), "rtp_received" or
        "rtp_sending" (PortSIP_setRtpCallback). It is called ``count`` times with a copy of ``frame``,
        ``interval`` seconds apart; the other arguments are the callback's (samplingFreqHz; width and
        height; isAudio). Returns the source's id for :meth:`wait_frame_source`. See
        stub_frame_source_start in stubs/portsip_stub.h for the exact rules.
        """
        if kind not in _FRAME_KINDS:
            raise ValueError(f"kind must be one of {', '.join(_FRAME_KINDS)}, not {kind!r}")
        data = _args.data("frame", frame)
        spec: Any = self._ffi.new("stub_frame*")
        buffer = self._ffi.from_buffer("unsigned char[]", data)  # the start call copies it
        spec.kind = getattr(self._c, _FRAME_KINDS[kind])
        spec.session_id = _args.integer("session_id", session_id, "long")
        spec.data, spec.size = buffer, len(data)
        spec.sampling_freq_hz = _args.integer("sampling_freq_hz", sampling_freq_hz)
        spec.width, spec.height = _args.integer("width", width), _args.integer("height", height)
        spec.is_audio = int(_args.flag("is_audio", is_audio))
        count = _args.integer("count", count, minimum=0)
        interval_ms = self._milliseconds(interval, "interval")
        return self._check(self._c.stub_frame_source_start(self._sdk(), spec, count, interval_ms), "stub_frame_source_start")

    def wait_frame_source(self, source: int, timeout: float = 5.0) -> int:
        """Wait for a frame source to finish; the number of frames its callback received.

        TimeoutError if it still runs after ``timeout`` seconds (wait again, or close the PortSIPLib:
        uninitializing stops its sources).
        """
        delivered = self._ffi.new("int*")
        source = _args.integer("source", source, "long")
        result = self._c.stub_frame_source_wait(self._sdk(), source, self._milliseconds(timeout, "timeout"), delivered)
        if self._check(result, "stub_frame_source_wait") == 0:
            raise TimeoutError(f"frame source {source} is still running after {timeout} s")
        return int(delivered[0])

    # ---- reading back -------------------------------------------------------------------------

    @property
    def calls(self) -> list[StubCall]:
        """Every PortSIP_* call this instance received, oldest first."""
        return self._journal(self._sdk())

    @property
    def process_calls(self) -> list[StubCall]:
        """The calls of the functions without an SDK handle (PortSIP_getNICNums, PortSIP_getLocalIpAddress,
        PortSIP_delCallbackParameters), from every instance of the process, oldest first."""
        return self._journal(self._ffi.NULL)

    def clear_process_calls(self) -> None:
        self._c.stub_journal_clear(self._ffi.NULL)

    def _journal(self, sdk: Any) -> list[StubCall]:
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
        if not isinstance(function, str):
            raise TypeError(f"function must be str, not {type(function).__name__}")
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

    # ---- replaying a trace ---------------------------------------------------------------------

    def replay(
        self,
        trace: str | os.PathLike[str] | IO[str],
        *,
        speed: float = 1.0,
        timeout: float = 30.0,
        match_arguments: bool = True,
        during: Callable[[], object] | None = None,
    ) -> ReplayReport:
        """Play a trace (``lib.record``, ``portsip record``, or ``portsip watch --json`` output) into
        this instance, while the app under test runs on it (docs/traces.md).

        The trace's events are fired from the stub's native thread with their recorded spacing
        (``speed=2``: twice as fast; ``speed=0``: as fast as the app takes them), and the stub fires
        none of the events it would simulate for this instance meanwhile. Where the trace recorded a
        call that returned an id, the app must make that call (within ``timeout`` seconds); its id
        then replaces the recorded one in the events and calls that follow. Returns once the trace
        has been played and every call it expects was made (a :class:`ReplayReport`); raises
        :class:`ReplayMismatch` listing the calls expected and made when the app makes a call the
        trace does not have there, or not one it has. ``match_arguments=False`` compares function
        names only (a redacted trace is always compared by name).

        ``during``: what the app does of its own accord (start up, register, subscribe), run on a
        thread of its own once the replay has begun, so that its calls meet the trace's; what it
        raises, the replay raises. Reactions to events need nothing: they run on the handlers.
        """
        return replay(self, self._lib, trace, speed=speed, timeout=timeout, match_arguments=match_arguments, during=during)

    def _replaying(self, on: bool) -> None:
        self._check(self._c.stub_replaying(self._sdk(), 1 if on else 0), "stub_replaying")

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until the stub has fired every queued event (the handlers may still be running)."""
        deadline = time.monotonic() + _args.seconds("timeout", timeout)
        while self.pending_events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the stub still has {self.pending_events} events queued after {timeout} s")
            time.sleep(0.002)
