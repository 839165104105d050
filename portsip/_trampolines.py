"""The native-facing edge: one C function pointer per SDK event, built with cffi.

This is the only code that runs on the SDK's own threads. For each call it
  1. finds the destination by ``callbackObject`` (a small integer id, never a pointer),
  2. copies every argument into Python values before returning (the SDK owns its buffers
     only for the duration of the call): strings are decoded as UTF-8 with
     ``surrogateescape`` so no byte is lost, NULL becomes "", a buffer becomes ``bytes`` of
     exactly its length, NULL or length <= 0 becomes b"",
  3. hands the typed event to the destination's ``sink`` (a ``SimpleQueue.put``: no Python
     lock, no user code, no logging on the SDK's thread), and returns 0.
An exception here never reaches C: the trampoline returns 0 and sends a
:class:`PipelineFailure` down the same sink, so it is logged and kept on the Python side.

The layer sits behind :class:`EventBackend` (connect/disconnect). A compiled variant, with C
trampolines that fill a native queue without taking the GIL, can replace
:class:`CffiEventBackend` without touching the events, the dispatch or the API.

The trampolines are created once, on first use, and live as long as the process (cffi frees a
callback whose cdata is collected, and the SDK may still hold the pointer).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ._loader import LoadedLibrary
from .errors import PortSIPError
from .events import EVENT_TYPES, Event

Sink = Callable[[object], None]

#: instance id -> sink. Written under _lock by connect/disconnect; read lock-free (one dict.get)
#: by the trampolines.
_routes: dict[int, Sink] = {}
_lock = threading.Lock()
_callbacks: list[Any] | None = None

#: Events for an id with no route (a closed instance, a stray id): the SDK's thread only counts
#: them. Diagnostics, so an occasional lost increment under contention does not matter.
dropped_events = 0
#: Exceptions that escaped a trampoline's own handling (e.g. raised by a signal handler on entry).
escaped_errors: collections.deque[BaseException] = collections.deque(maxlen=100)


@dataclass(frozen=True)
class PipelineFailure:
    """Sent down a sink instead of an event when building that event failed."""

    event_type: type[Event]
    error: BaseException


class EventBackend(Protocol):
    """How a PortSIPLib receives SDK events; see the module docstring."""

    def connect(self, loaded: LoadedLibrary, dispatcher: Any, instance_id: int, sink: Sink) -> None:
        """Install a handler for every event on ``dispatcher``, routing to ``sink``."""

    def disconnect(self, instance_id: int) -> None:
        """Stop routing to the instance (after its dispatcher was released)."""


def setter_name(event_type: type[Event]) -> str:
    return event_type.setter_name


def _make_trampoline(index: int, event_type: type[Event], ffi: Any) -> Callable[..., int]:
    string, buffer, null = ffi.string, ffi.buffer, ffi.NULL
    signature = event_type.signature

    def trampoline(callback_index: int, callback_object: int, *args: Any) -> int:
        global dropped_events
        sink = _routes.get(callback_object)
        if sink is None:
            dropped_events += 1
            return 0
        try:
            if callback_index != index:
                raise PortSIPError(
                    f"the SDK called the {event_type.vendor_name} handler with callbackIndex "
                    f"{callback_index}, expected {index}: event dropped"
                )
            values: list[object] = []
            position = 0
            for kind in signature:
                value = args[position]
                if kind == "s":
                    values.append("" if value == null else string(value).decode("utf-8", "surrogateescape"))
                elif kind == "d":
                    length = args[position + 1]
                    values.append(b"" if value == null or length <= 0 else buffer(value, length)[:])
                    position += 1
                else:  # long, int, bool: cffi already made Python ints/bools
                    values.append(value)
                position += 1
            event = event_type(*values)
        except BaseException as exc:  # never let it reach C; report it on the Python side
            sink(PipelineFailure(event_type, exc))
            return 0
        sink(event)
        return 0

    trampoline.__name__ = f"trampoline_{event_type.vendor_name}"
    return trampoline


def _on_escape(exc_type: type[BaseException], exc: BaseException, tb: object) -> int:
    escaped_errors.append(exc)
    return 0


def _trampolines(ffi: Any) -> list[Any]:
    global _callbacks
    with _lock:
        if _callbacks is None:
            try:
                _callbacks = [
                    ffi.callback(t.typedef_name, _make_trampoline(i, t, ffi), error=0, onerror=_on_escape)
                    for i, t in enumerate(EVENT_TYPES)
                ]
            except MemoryError as exc:
                raise PortSIPError(
                    "cffi could not allocate executable memory for the SDK callbacks; this system "
                    "forbids writable+executable memory (SELinux deny_execmem, systemd "
                    "MemoryDenyWriteExecute, hardened runtime). Allow it for this process."
                ) from exc
        return _callbacks


class CffiEventBackend:
    """Trampolines made with ``ffi.callback`` (cffi ABI mode): no compiler needed."""

    def connect(self, loaded: LoadedLibrary, dispatcher: Any, instance_id: int, sink: Sink) -> None:
        callbacks = _trampolines(loaded.ffi)
        with _lock:
            _routes[instance_id] = sink  # before the setters: an event may follow at once
        for index, (event_type, callback) in enumerate(zip(EVENT_TYPES, callbacks, strict=True)):
            getattr(loaded.lib, setter_name(event_type))(dispatcher, callback, index, instance_id)

    def disconnect(self, instance_id: int) -> None:
        with _lock:
            _routes.pop(instance_id, None)
