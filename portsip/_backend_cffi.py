"""The cffi event backend: one ``ffi.callback`` per SDK event, no compiler needed.

These handlers run Python on the SDK's own thread, so each call takes the GIL (the native backend
exists to avoid exactly that). They do as little as possible there:
  1. find the destination by ``callbackObject`` (a small integer id, never a pointer: one dict.get),
  2. copy every argument into a typed event before returning (the SDK owns its buffers only for the
     duration of the call; :func:`portsip._marshal.cffi_converter`),
  3. admit it into the instance's budget or drop it, and put it on a ``queue.SimpleQueue`` (C code,
     never blocks, no Python-level lock, no user code, no logging on the SDK's thread), return 0.
An exception there never reaches C: the handler returns 0 and queues a :class:`PipelineFailure`,
reported on the Python side.

Counting without locks: each thread that touches a feed (SDK threads admitting events, the router
and handler threads releasing them) writes only its own counters object; totals are sums.

The handlers are created once, on first use, and live as long as the process (cffi frees a
callback whose cdata is collected, and the SDK may still hold the pointer). Closing a feed removes
its route and uninstalls its handlers from the dispatcher, so the SDK stops calling into Python.
A limit remains, which only the native backend removes: an SDK thread that calls one of these
handlers while the interpreter is finalizing can crash the process inside CPython.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

from ._backend import Batch, FeedCounters, PipelineFailure
from ._marshal import EVENT_OVERHEAD, cffi_converter, sizer
from .errors import PortSIPError
from .events import EVENT_TYPES, FRAME_TYPES, Event

#: routing id -> feed. Written under _lock by connect/close; read lock-free (one dict.get) by the handlers.
_routes: dict[int, CffiFeed] = {}
_lock = threading.Lock()
_callbacks: list[Any] | None = None
_frame_callbacks: dict[type[Event], Any] | None = None
# Routing ids travel as the SDK's `long` callbackObject, 32-bit on Windows; never reused, so a late
# event for a closed instance cannot reach a new one.
_MAX_ID = 2**31 - 1
_ids = itertools.count(1)
_late = [0]  # calls for an id with no route; diagnostics, a lost increment under contention is harmless
_CLOSED = object()  # the last item of a closed feed's queue
_BATCH = 4096  # at most this many items per take()


class _Counters:
    """One thread's share of a feed's counts (only that thread writes it)."""

    __slots__ = (
        "admitted", "admitted_bytes", "dropped", "frames_dropped", "frames_received", "received", "released", "released_bytes",
    )

    def __init__(self) -> None:
        self.received = self.dropped = self.frames_received = self.frames_dropped = 0
        self.admitted = self.admitted_bytes = self.released = self.released_bytes = 0


def late_calls() -> int:
    """Handler calls that found no route (after close, or a stray callbackObject)."""
    return _late[0]


def _make_handler(index: int, event_type: type[Event], ffi: Any) -> Callable[..., int]:
    convert = cffi_converter(event_type, ffi)
    size_of = sizer(event_type)
    route = _routes.get

    def handler(callback_index: int, callback_object: int, *args: Any) -> int:
        feed = route(callback_object)
        if feed is None:
            _late[0] += 1
            return 0
        try:
            if callback_index != index:
                raise PortSIPError(
                    f"the SDK called the {event_type.vendor_name} handler with callbackIndex "
                    f"{callback_index}, expected {index}: event dropped"
                )
            event = convert(*args)
        except BaseException as exc:  # never let it reach C; report it on the Python side
            feed.admit(PipelineFailure(event_type, exc), EVENT_OVERHEAD)
            return 0
        feed.admit(event, size_of(event))
        return 0

    handler.__name__ = f"handler_{event_type.vendor_name}"
    return handler


def _make_frame_handler(frame_type: type[Event], ffi: Any) -> Callable[..., int]:
    """A media stream callback: the routing id travels in its first argument, ``void* callbackObject``."""
    convert = cffi_converter(frame_type, ffi)
    size_of = sizer(frame_type)
    route, as_int = _routes.get, ffi.cast

    def handler(callback_object: Any, *args: Any) -> int:
        feed = route(int(as_int("intptr_t", callback_object)))
        if feed is None:
            _late[0] += 1
            return 0
        try:
            frame = convert(*args)
        except BaseException as exc:  # never let it reach C; report it on the Python side
            feed.admit(PipelineFailure(frame_type, exc), EVENT_OVERHEAD)
            return 0
        feed.admit(frame, size_of(frame), frame=True)
        return 0

    handler.__name__ = f"handler_{frame_type.vendor_name}"
    return handler


def _frame_handlers(ffi: Any) -> dict[type[Event], Any]:
    global _frame_callbacks
    with _lock:
        if _frame_callbacks is None:
            _frame_callbacks = {
                t: ffi.callback(t.typedef_name, _make_frame_handler(t, ffi), error=0, onerror=_on_escape) for t in FRAME_TYPES
            }
        return _frame_callbacks


def _on_escape(exc_type: type[BaseException], exc: BaseException, tb: object) -> int:
    # Only reached when something raises before the handler's own try (e.g. a signal handler).
    return 0


def _handlers(ffi: Any) -> list[Any]:
    global _callbacks
    with _lock:
        if _callbacks is None:
            try:
                _callbacks = [
                    ffi.callback(t.typedef_name, _make_handler(i, t, ffi), error=0, onerror=_on_escape)
                    for i, t in enumerate(EVENT_TYPES)
                ]
            except MemoryError as exc:
                raise PortSIPError(
                    "cffi could not allocate executable memory for the SDK callbacks; this system "
                    "forbids writable+executable memory (SELinux deny_execmem, systemd "
                    "MemoryDenyWriteExecute, hardened runtime). Allow it for this process, or install "
                    "portsip with a C compiler so that it uses its native event backend."
                ) from exc
        return _callbacks


class CffiFeed:
    """One instance's queue for the cffi handlers (see :class:`portsip._backend.Feed`)."""

    backend = "cffi"

    def __init__(self, max_events: int, max_bytes: int) -> None:
        self.routing_id = next(_ids)
        if self.routing_id > _MAX_ID:
            raise PortSIPError("this process has created more PortSIPLib instances than the SDK's routing ids can number")
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._inbox: queue.SimpleQueue[tuple[object, int]] = queue.SimpleQueue()
        self._mine = threading.local()
        self._all: list[_Counters] = []
        self._discarded = 0
        self._closed = False
        self._ended = False  # take() has returned the last items
        self._installed: tuple[Any, Any] | None = None  # (loaded library, dispatcher) while handlers are installed

    def _counters(self) -> _Counters:
        try:
            return self._mine.counters  # type: ignore[no-any-return]
        except AttributeError:
            counters = self._mine.counters = _Counters()
            self._all.append(counters)  # list.append is atomic
            return counters

    def _pending(self) -> tuple[int, int]:
        events = size = 0
        for c in tuple(self._all):
            events += c.admitted - c.released
            size += c.admitted_bytes - c.released_bytes
        return events, size

    def admit(self, item: object, size: int, frame: bool = False) -> None:
        """On the SDK's thread: queue the item, or drop it if the budget is full (for a media
        frame: half full, so that frames never crowd out events)."""
        counters = self._counters()
        events, held = self._pending()
        if frame:
            counters.frames_received += 1
            if events >= self._max_events // 2 or held + size > self._max_bytes // 2:
                counters.frames_dropped += 1
                return
        else:
            counters.received += 1
            if events >= self._max_events or held + size > self._max_bytes:
                counters.dropped += 1
                return
        counters.admitted += 1
        counters.admitted_bytes += size
        self._inbox.put((item, size))

    def connect(self, loaded: Any, dispatcher: Any) -> None:
        handlers = _handlers(loaded.ffi)
        with _lock:
            _routes[self.routing_id] = self  # before the setters: an event may follow at once
        self._installed = (loaded, dispatcher)
        for index, (event_type, handler) in enumerate(zip(EVENT_TYPES, handlers, strict=True)):
            getattr(loaded.lib, event_type.setter_name)(dispatcher, handler, index, self.routing_id)

    def take(self, timeout: float | None) -> Batch | None:
        if self._ended:
            return None
        try:
            first = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return [], []
        items: list[object] = []
        sizes: list[int] = []
        entry = first
        while True:
            item, size = entry
            if item is _CLOSED:
                self._ended = True
                break
            items.append(item)
            sizes.append(size)
            if len(items) >= _BATCH:
                break
            try:
                entry = self._inbox.get_nowait()
            except queue.Empty:
                break
        if self._ended and not items:
            return None
        return items, sizes

    def release(self, events: int, size: int, by_handlers: bool = False) -> None:
        if events:
            counters = self._counters()
            counters.released += events
            counters.released_bytes += size

    def mark(self, marker: object) -> bool:
        if self._closed:
            return False
        self._inbox.put((marker, 0))
        return True

    def discard(self) -> int:
        events = size = 0
        closed = False
        while True:
            try:
                item, item_size = self._inbox.get_nowait()
            except queue.Empty:
                break
            if item is _CLOSED:
                closed = True
            elif item_size:
                events += 1
                size += item_size
        self.release(events, size)
        self._discarded += events
        if closed:
            self._inbox.put((_CLOSED, 0))
        return events

    def counters(self) -> FeedCounters:
        c = tuple(self._all)
        pending, held = self._pending()
        return FeedCounters(
            received=sum(x.received for x in c),
            dropped=sum(x.dropped for x in c),
            pending_events=pending,
            pending_bytes=held,
            queued_events=self._inbox.qsize(),
            discarded=self._discarded,
            frames_received=sum(x.frames_received for x in c),
            frames_dropped=sum(x.frames_dropped for x in c),
        )

    def dropped(self) -> int:
        return sum(c.dropped for c in tuple(self._all))

    def frames_dropped(self) -> int:
        return sum(c.frames_dropped for c in tuple(self._all))

    def frame_handler(self, frame_type: type[Event], sdk_ffi: Any) -> Any:
        return _frame_handlers(sdk_ffi)[frame_type]

    def callback_object(self, sdk_ffi: Any) -> Any:
        return sdk_ffi.cast("void*", self.routing_id)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with _lock:
            _routes.pop(self.routing_id, None)
        if self._installed is not None:
            # Uninstall the handlers (call before the dispatcher is released): an SDK thread that
            # outlives unInitialize then finds no handler instead of entering Python.
            loaded, dispatcher = self._installed
            self._installed = None
            for event_type in EVENT_TYPES:
                getattr(loaded.lib, event_type.setter_name)(dispatcher, loaded.ffi.NULL, 0, 0)
        self._inbox.put((_CLOSED, 0))

    def free(self) -> None:
        pass
