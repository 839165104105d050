"""The native event backend: C handlers that queue events without entering Python.

``libportsip_events`` (``native/portsip_events.c``, built from the same ABI header) provides one C
handler per SDK event and a bounded queue per instance. The SDK's thread copies the event into the
queue and returns; it never takes the GIL, so Python being busy cannot stall the SDK, and a call
that comes after close (or while the interpreter shuts down) only finds no queue and returns.

The router thread of :mod:`portsip._dispatch` calls :meth:`NativeFeed.take`, which waits in C
with the GIL released (cffi releases it around every C call) and hands over a batch of records,
decoded here into typed events by :mod:`portsip._marshal`.

Where the library comes from: ``$PORTSIP_EVENTS_LIBRARY`` if set (e.g. a sanitizer build), else the
copy built into the package when it was installed with a C compiler (or shipped in the Windows
wheel). Without it, :mod:`portsip._backend` falls back to the cffi backend.
"""

from __future__ import annotations

import itertools
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _cbuild, _header
from ._backend import Batch, FeedCounters, PipelineFailure
from ._loader import open_for_good
from ._marshal import RECORD_HEADER, record_decoder
from .errors import PortSIPError
from .events import EVENT_TYPES, FRAME_TYPES, Event

#: The native queue's record kinds: the SDK's events, then the media frames.
RECORD_TYPES = (*EVENT_TYPES, *FRAME_TYPES)

ENV_LIBRARY = "PORTSIP_EVENTS_LIBRARY"
EVENTS_HEADER = "portsip_events.h"
LIBRARY = "portsip_events"  # its entry in portsip/_cbuild.py
ABI_VERSION = 1
MARKER = 65535
FLAG_BAD_INDEX = 1
_TOKEN = struct.Struct("=q")  # a marker's token, a bad index record's callbackIndex
_LARGE_RECORD = 4096  # bytes per record on average above which a batch is not copied whole


def packaged_library() -> Path | None:
    """The library the install step built into the package (or the Windows wheel carries)."""
    return _cbuild.packaged_library(LIBRARY)


@dataclass(frozen=True)
class NativeLibrary:
    ffi: Any
    lib: Any
    path: str
    decoders: tuple[Any, ...]  # one per record kind

    def handler_address(self, event: int) -> int:
        return int(self.ffi.cast("uintptr_t", self.lib.pev_handler(event)))


_lock = threading.Lock()
_loaded: NativeLibrary | None = None
_failure: str | None = None


def _check(ffi: Any, lib: Any, path: str) -> None:
    if lib.pev_abi_version() != ABI_VERSION:
        raise PortSIPError(f"{path} is event-queue ABI {lib.pev_abi_version()}, this portsip needs {ABI_VERSION}")
    if lib.pev_event_count() != len(RECORD_TYPES) or lib.pev_frame_first() != len(EVENT_TYPES):
        raise PortSIPError(f"{path} knows {lib.pev_event_count()} record kinds, this portsip {len(RECORD_TYPES)}: rebuild it")
    for index, record_type in enumerate(RECORD_TYPES):
        signature = ffi.string(lib.pev_event_signature(index)).decode()
        if signature != record_type.signature:
            raise PortSIPError(f"{path}: record kind {index} has signature {signature}, {record_type.__name__} {record_type.signature}")


def native_library() -> NativeLibrary | None:
    """The loaded library, or None when it is not available (see :func:`why_unavailable`)."""
    global _loaded, _failure
    with _lock:
        if _loaded is None and _failure is None:
            packaged = packaged_library()
            path = os.environ.get(ENV_LIBRARY) or (str(packaged) if packaged else "")
            try:
                if not path:
                    raise FileNotFoundError(
                        f"{_cbuild.library_filename(LIBRARY)} is not in the package: it was installed without a C compiler"
                    )
                if not os.path.exists(path):
                    raise FileNotFoundError(f"{path} ({ENV_LIBRARY}) does not exist")
                ffi = _header.ffi_for(EVENTS_HEADER)
                lib = open_for_good(ffi, path)  # SDK threads may call its handlers until the process ends
                _check(ffi, lib, path)
                _loaded = NativeLibrary(ffi, lib, path, tuple(record_decoder(t) for t in RECORD_TYPES))
            except (OSError, PortSIPError, AttributeError) as exc:
                _failure = f"{type(exc).__name__}: {exc}"
        return _loaded


def why_unavailable() -> str:
    native_library()
    return _failure or "it is available"


class NativeFeed:
    """One instance's native queue (see :class:`portsip._backend.Feed`)."""

    backend = "native"

    def __init__(self, native: NativeLibrary, max_events: int, max_bytes: int) -> None:
        self._native = native
        self._ffi, self._lib = native.ffi, native.lib
        routing_id = self._ffi.new("long*")
        self._queue = self._lib.pev_open(max_events, max_bytes, routing_id)
        if self._queue == self._ffi.NULL:
            raise PortSIPError("pev_open failed: out of memory, or too many PortSIPLib instances open at once")
        self.routing_id = int(routing_id[0])
        self._shared = self._lib.pev_shared_counters(self._queue)  # written and read without calls (see the header)
        self._released = [0, 0]  # events: router, handler thread
        self._released_bytes = [0, 0]
        self._data = self._ffi.new("const unsigned char**")
        self._size = self._ffi.new("long long*")
        self._markers: dict[int, object] = {}
        self._final: FeedCounters | None = None  # the counts when the queue was freed
        self._tokens = itertools.count(1)

    def connect(self, loaded: Any, dispatcher: Any) -> None:
        sdk_ffi = loaded.ffi
        for index, event_type in enumerate(EVENT_TYPES):
            handler = sdk_ffi.cast(event_type.typedef_name, self._native.handler_address(index))
            getattr(loaded.lib, event_type.setter_name)(dispatcher, handler, index, self.routing_id)

    def take(self, timeout: float | None) -> Batch | None:
        milliseconds = -1 if timeout is None else min(int(timeout * 1000), 2**31 - 1)
        count = self._lib.pev_next(self._queue, milliseconds, self._data, self._size)  # the GIL is released here
        if count < 0:
            return None
        if count == 0:
            return [], []
        memory = self._ffi.buffer(self._data[0], self._size[0])
        # Small records: one copy of the batch, then cheap bytes slices. Large bodies: slice the
        # native memory directly, so each body is copied once, into its event.
        chunk = memory[:] if self._size[0] < count * _LARGE_RECORD else memoryview(memory)
        return self._decode(chunk, count)

    def _decode(self, chunk: bytes | memoryview, count: int) -> Batch:
        items: list[object] = []
        sizes: list[int] = []
        decoders = self._native.decoders
        unpack_header = RECORD_HEADER.unpack_from
        offset = 0
        try:
            for _ in range(count):
                size, event, flags = unpack_header(chunk, offset)
                if event == MARKER:
                    (token,) = _TOKEN.unpack_from(chunk, offset + RECORD_HEADER.size)
                    items.append(self._markers.pop(token, None))
                    sizes.append(0)
                else:
                    items.append(self._build(decoders, chunk, offset, event, flags))
                    sizes.append(size)
                offset += size
        finally:
            if isinstance(chunk, memoryview):
                chunk.release()  # the native memory is reused by the next take()
        return items, sizes

    @staticmethod
    def _build(decoders: tuple[Any, ...], chunk: bytes | memoryview, offset: int, event: int, flags: int) -> object:
        event_type = RECORD_TYPES[event]
        try:
            if flags & FLAG_BAD_INDEX:
                (index,) = _TOKEN.unpack_from(chunk, offset + RECORD_HEADER.size)
                raise PortSIPError(
                    f"the SDK called the {event_type.vendor_name} handler with callbackIndex {index}, "
                    f"expected {event}: event dropped"
                )
            return decoders[event](chunk, offset)
        except Exception as exc:  # reported on the Python side like any pipeline failure
            return PipelineFailure(event_type, exc)

    def release(self, events: int, size: int, by_handlers: bool) -> None:
        if events and self._final is None:
            slot = 1 if by_handlers else 0
            self._released[slot] += events
            self._released_bytes[slot] += size
            # Bytes before events: the handlers may see the budget a moment fuller, never emptier.
            self._shared.released_bytes[slot] = self._released_bytes[slot]
            self._shared.released_events[slot] = self._released[slot]

    def mark(self, marker: object) -> bool:
        token = next(self._tokens)
        self._markers[token] = marker
        if self._lib.pev_mark(self._queue, token) != 0:
            del self._markers[token]
            return False
        return True

    def discard(self) -> int:
        return int(self._lib.pev_discard(self._queue))

    def counters(self) -> FeedCounters:
        if self._final is not None:
            return self._final
        raw = self._ffi.new("pev_counters*")
        self._lib.pev_counters_get(self._queue, raw)
        return FeedCounters(
            raw.received, raw.dropped, raw.pending_events, raw.pending_bytes, raw.queued_events, raw.discarded,
            raw.frames_received, raw.frames_dropped,
        )

    def dropped(self) -> int:
        return self._final.dropped if self._final is not None else int(self._shared.dropped)

    def frames_dropped(self) -> int:
        return self._final.frames_dropped if self._final is not None else int(self._shared.dropped_frames)

    def frame_handler(self, frame_type: type[Event], sdk_ffi: Any) -> Any:
        return sdk_ffi.cast(frame_type.typedef_name, self._native.handler_address(RECORD_TYPES.index(frame_type)))

    def callback_object(self, sdk_ffi: Any) -> Any:
        return sdk_ffi.cast("void*", self.routing_id)

    def close(self) -> None:
        self._lib.pev_close(self._queue)  # waits until no SDK thread is inside the queue

    def free(self) -> None:
        if self._final is None:
            self._final = self.counters()
            self._lib.pev_free(self._queue)


def late_calls() -> int:
    """Native handler calls that found no open queue (after close, or a stray callbackObject)."""
    native = native_library()
    return int(native.lib.pev_late_calls()) if native else 0
