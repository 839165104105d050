"""The native event queue: where the SDK's callbacks enter the binding.

``libportsip_events`` (``native/portsip_events.c``, built from the same ABI header) provides one C
handler per SDK event and per media stream callback, and a bounded queue per instance. The SDK's
thread copies the event into the queue and returns; it never takes the GIL, so Python being busy
cannot stall the SDK, and a call that comes after close (or while the interpreter shuts down) only
finds no queue and returns. Nothing else in the binding receives SDK callbacks: there is no
``ffi.callback`` the SDK calls.

:meth:`EventQueue.take` waits in C with the GIL released (cffi releases it around every C call) and
hands over a batch of records, decoded here into typed events by :mod:`portsip._marshal`. The queue's
budget is released when a batch is taken; what happens next is bounded by the stages of
:mod:`portsip._delivery`.

Where the library comes from: ``$PORTSIP_EVENTS_LIBRARY`` if set (e.g. a sanitizer build), else the
copy inside the package (built at install time, or shipped prebuilt in the wheels).
"""

from __future__ import annotations

import itertools
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .. import _cbuild, _header
from .._loader import open_for_good
from .._marshal import RECORD_HEADER, Decoder, record_decoder
from ..errors import LibraryLoadError, PortSIPError
from ..events import EVENT_TYPES, FRAME_TYPES, Event

#: The native queue's record kinds: the SDK's events, then the media frames.
RECORD_TYPES = (*EVENT_TYPES, *FRAME_TYPES)

ENV_LIBRARY = "PORTSIP_EVENTS_LIBRARY"
EVENTS_HEADER = "portsip_events.h"
LIBRARY = "portsip_events"  # its entry in portsip/_cbuild.py
_TOKEN = struct.Struct("=q")  # a marker's token, a bad index record's callbackIndex
_LARGE_RECORD = 4096  # bytes per record on average above which a batch is not copied whole
_FRAME_FIRST = len(EVENT_TYPES)  # record kinds from here on are media frames


@dataclass(frozen=True)
class DecodeFailure:
    """Routed instead of an event when the SDK's arguments could not be turned into one."""

    event_type: type[Event]
    error: BaseException


class Batch(NamedTuple):
    """What one take() hands over: the items in arrival order (events, frames, drain markers,
    DecodeFailures), the size of each (0 for markers), whether they are all SDK events (the common
    case, which the router passes on without sorting), and the queue's drop counts at that moment."""

    items: list[object]
    sizes: list[int]
    only_events: bool
    dropped: int
    frames_dropped: int


@dataclass(frozen=True)
class QueueCounters:
    """What a queue has counted since it was opened (pev_counters)."""

    received: int  # the SDK's calls of this instance's event handlers
    dropped: int  # refused because the queue's budget was full
    queued_events: int  # in the queue, not yet taken
    discarded: int  # thrown away by discard() at a close past its timeout
    frames_received: int
    frames_dropped: int
    frames_queued: int


@dataclass(frozen=True)
class EventsLibrary:
    """libportsip_events, loaded once for the process (and never unloaded)."""

    ffi: Any
    lib: Any
    path: str
    decoders: tuple[Decoder, ...]  # one per record kind, for a batch copied into bytes
    view_decoders: tuple[Decoder, ...]  # the same, for a batch read in place (a memoryview)

    def handler_address(self, event: int) -> int:
        return int(self.ffi.cast("uintptr_t", self.lib.pev_handler(event)))

    def late_calls(self) -> int:
        """Native handler calls that found no open queue (after close, or a stray callbackObject)."""
        return int(self.lib.pev_late_calls())


_lock = threading.Lock()
_loaded: EventsLibrary | None = None


def packaged_library() -> Path | None:
    """The library the install step built into the package (or the wheel carries)."""
    return _cbuild.packaged_library(LIBRARY)


def _check(ffi: Any, lib: Any, path: str) -> None:
    # The header's constants (kept in the cdef) against the library's: both come with this portsip.
    if lib.pev_abi_version() != lib.PEV_ABI_VERSION:
        raise PortSIPError(f"{path} is event-queue ABI {lib.pev_abi_version()}, portsip needs {lib.PEV_ABI_VERSION}: reinstall portsip")
    if lib.PEV_HEADER_SIZE != RECORD_HEADER.size:
        raise PortSIPError(f"portsip_events.h says a record header has {lib.PEV_HEADER_SIZE} bytes, portsip reads {RECORD_HEADER.size}")
    if lib.pev_event_count() != len(RECORD_TYPES) or lib.pev_frame_first() != len(EVENT_TYPES):
        raise PortSIPError(f"{path} knows {lib.pev_event_count()} record kinds, this portsip {len(RECORD_TYPES)}: reinstall portsip")
    for index, record_type in enumerate(RECORD_TYPES):
        signature = ffi.string(lib.pev_event_signature(index)).decode()
        if signature != record_type.signature:
            raise PortSIPError(f"{path}: record kind {index} has signature {signature}, {record_type.__name__} {record_type.signature}")


def events_library() -> EventsLibrary:
    """The loaded library; LibraryLoadError when it is missing or does not match this portsip."""
    global _loaded
    with _lock:
        if _loaded is None:
            packaged = packaged_library()
            path = os.environ.get(ENV_LIBRARY) or (str(packaged) if packaged else "")
            if not path:
                raise LibraryLoadError(
                    f"portsip's native event queue ({_cbuild.library_filename(LIBRARY)}) is not in the installed package: "
                    "install portsip from a wheel, or from source with a C compiler"
                )
            if not os.path.exists(path):
                raise LibraryLoadError(f"{path} (${ENV_LIBRARY}) does not exist")
            ffi = _header.ffi_for(EVENTS_HEADER)
            try:
                lib = open_for_good(ffi, path)  # SDK threads may call its handlers until the process ends
                _check(ffi, lib, path)
            except (OSError, AttributeError, PortSIPError) as exc:
                raise LibraryLoadError(f"portsip's native event queue {path} cannot be used: {exc}") from exc
            _loaded = EventsLibrary(
                ffi, lib, path, tuple(record_decoder(t) for t in RECORD_TYPES), tuple(record_decoder(t, view=True) for t in RECORD_TYPES)
            )
        return _loaded


class EventQueue:
    """One instance's native queue: what its SDK callbacks are routed to, by its routing id."""

    def __init__(self, native: EventsLibrary, max_events: int, max_bytes: int) -> None:
        self._native = native
        self._ffi, self._lib = native.ffi, native.lib
        routing_id = self._ffi.new("long*")
        self._queue = self._lib.pev_open(max_events, max_bytes, routing_id)
        if self._queue == self._ffi.NULL:
            raise PortSIPError("pev_open failed: out of memory, or too many PortSIPLib instances open at once")
        #: The callbackObject the SDK passes back with every event of this instance.
        self.routing_id = int(routing_id[0])
        self._batch = self._ffi.new("pev_batch*")
        self._markers: dict[int, object] = {}
        self._tokens = itertools.count(1)
        self._marker = native.lib.PEV_MARKER  # the record kind of a drain() marker
        self._final: QueueCounters | None = None  # the counts when the queue was freed
        # free() runs on a delivery thread while any thread may read stats, drain() or close(): without
        # this lock one of them could reach the C queue after pev_free (a hang on Windows, seen in CI).
        # take() is not under it: only the thread that frees the queue takes from it.
        self._freeing = threading.Lock()

    def connect(self, loaded: Any, dispatcher: Any) -> None:
        """Install this queue's handler for every event on ``dispatcher`` (before PortSIP_initialize)."""
        sdk_ffi = loaded.ffi
        for index, event_type in enumerate(EVENT_TYPES):
            handler = sdk_ffi.cast(event_type.typedef_name, self._native.handler_address(index))
            getattr(loaded.lib, event_type.setter_name)(dispatcher, handler, index, self.routing_id)

    def frame_handler(self, frame_type: type[Event], sdk_ffi: Any) -> Any:
        """The C function pointer to pass to the SDK for this media stream callback type."""
        return sdk_ffi.cast(frame_type.typedef_name, self._native.handler_address(RECORD_TYPES.index(frame_type)))

    def callback_object(self, sdk_ffi: Any) -> Any:
        """The ``void* callbackObject`` to pass with a media stream callback: the routing id."""
        return sdk_ffi.cast("void*", self.routing_id)

    def take(self, timeout: float | None) -> Batch | None:
        """Wait up to ``timeout`` s (None: no limit) for records; None once closed and empty.
        Called by one thread at a time (the delivery thread that holds the routing role)."""
        milliseconds = -1 if timeout is None else min(int(timeout * 1000), 2**31 - 1)
        batch = self._batch
        count = self._lib.pev_next(self._queue, milliseconds, batch)  # the GIL is released here
        if count < 0:
            return None
        if count == 0:
            return Batch([], [], True, batch.dropped, batch.frames_dropped)
        memory = self._ffi.buffer(batch.data, batch.size)
        # Small records: one copy of the batch, then cheap bytes slices. Large bodies: slice the
        # native memory directly, so each body is copied once, into its event.
        if batch.size < count * _LARGE_RECORD:
            items, sizes, only_events = self._decode(memory[:], count, self._native.decoders)
        else:
            with memoryview(memory) as view:  # released before the native memory is reused
                items, sizes, only_events = self._decode(view, count, self._native.view_decoders)
        return Batch(items, sizes, only_events, batch.dropped, batch.frames_dropped)

    def _decode(self, chunk: bytes | memoryview, count: int, decoders: tuple[Decoder, ...]) -> tuple[list[object], list[int], bool]:
        items: list[object] = []
        sizes: list[int] = []
        only_events = True
        unpack_header = RECORD_HEADER.unpack_from
        offset = 0
        for _ in range(count):
            size, event, flags = unpack_header(chunk, offset)
            if event < _FRAME_FIRST and not flags:  # an SDK event: nearly every record
                try:
                    items.append(decoders[event](chunk, offset))
                except Exception as exc:  # reported on the Python side like any pipeline failure
                    items.append(DecodeFailure(RECORD_TYPES[event], exc))
                    only_events = False
                sizes.append(size)
            else:
                only_events = False
                if event == self._marker:
                    (token,) = _TOKEN.unpack_from(chunk, offset + RECORD_HEADER.size)
                    items.append(self._markers.pop(token, None))
                    sizes.append(0)
                else:
                    items.append(self._bad_index(chunk, offset, event) if flags else self._frame(decoders, chunk, offset, event))
                    sizes.append(size)
            offset += size
        return items, sizes, only_events

    @staticmethod
    def _frame(decoders: tuple[Decoder, ...], chunk: bytes | memoryview, offset: int, event: int) -> object:
        try:
            return decoders[event](chunk, offset)
        except Exception as exc:
            return DecodeFailure(RECORD_TYPES[event], exc)

    @staticmethod
    def _bad_index(chunk: bytes | memoryview, offset: int, event: int) -> DecodeFailure:
        event_type = RECORD_TYPES[event]
        (index,) = _TOKEN.unpack_from(chunk, offset + RECORD_HEADER.size)
        error = PortSIPError(
            f"the SDK called the {event_type.vendor_name} handler with callbackIndex {index}, expected {event}: event dropped"
        )
        return DecodeFailure(event_type, error)

    def mark(self, marker: object) -> bool:
        """Queue ``marker`` behind every event received so far; False if the queue is closed."""
        token = next(self._tokens)
        self._markers[token] = marker
        with self._freeing:
            if self._final is None and self._lib.pev_mark(self._queue, token) == 0:
                return True
        del self._markers[token]
        return False

    def discard(self) -> int:
        """Drop every event not yet taken (counted as discarded); returns how many."""
        with self._freeing:
            return 0 if self._final is not None else int(self._lib.pev_discard(self._queue))

    def counters(self) -> QueueCounters:
        with self._freeing:
            return self._final if self._final is not None else self._read_counters()

    def _read_counters(self) -> QueueCounters:
        raw = self._ffi.new("pev_counters*")
        self._lib.pev_counters_get(self._queue, raw)
        return QueueCounters(
            raw.received, raw.dropped, raw.queued_events, raw.discarded, raw.frames_received, raw.frames_dropped, raw.frames_queued
        )

    def close(self) -> None:
        """Stop routing the SDK's calls here (later calls are ignored in C); take() drains what is left.
        Returns once no SDK thread is inside the queue any more."""
        with self._freeing:
            if self._final is None:
                self._lib.pev_close(self._queue)

    def free(self) -> None:
        """Release the queue, once no thread calls take() any more."""
        with self._freeing:
            if self._final is None:
                self._final = self._read_counters()
                self._lib.pev_free(self._queue)
