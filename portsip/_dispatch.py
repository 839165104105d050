"""Delivery: from the SDK's threads to handlers, waiters and asyncio, on threads of our own.

The trampolines only ``put`` each event into :attr:`EventHub.inbox` (a ``queue.SimpleQueue``:
implemented in C, never blocks, takes no Python-level lock). Two daemon threads per hub do
the rest, so nothing a user writes can hold the SDK's thread:

* the *router* appends each event to the ``wait_for`` backlog, feeds the asyncio streams and
  queues it for the handlers, in arrival order;
* the *handler runner* calls the handlers registered with ``on``/``attach``. A handler that
  raises is logged (logger ``"portsip"``), kept for ``check_errors()``, and the next event is
  delivered as usual. A slow handler delays only later handlers, never ``wait_for`` or the
  async streams.

The backlog keeps the events no ``wait_for`` has returned yet, bounded in count and in bytes
(the oldest are evicted first, and counted in ``backlog_evicted``), so that "act, then wait
for the outcome" never races: the outcome may arrive before the wait starts.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from ._trampolines import PipelineFailure
from .errors import ClosedError, InvalidStateError
from .events import Event

log = logging.getLogger("portsip")

E_co = TypeVar("E_co", bound=Event, covariant=True)

Handler = Callable[[Any], object]

DEFAULT_BACKLOG_EVENTS = 10_000
DEFAULT_BACKLOG_BYTES = 64 * 1024 * 1024
_STOP = object()
_END = object()


class _Marker:
    """Passed through both queues by drain(): set once everything queued before it was handled."""

    def __init__(self) -> None:
        self.done = threading.Event()


class EventHub:
    def __init__(self, name: str, backlog_events: int = DEFAULT_BACKLOG_EVENTS, backlog_bytes: int = DEFAULT_BACKLOG_BYTES) -> None:
        self.inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._to_handlers: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._max_events = backlog_events
        self._max_bytes = backlog_bytes
        self._cond = threading.Condition()
        self._backlog: collections.deque[tuple[Event, int]] = collections.deque()
        self._backlog_bytes = 0
        self._closed = False
        self._handlers_lock = threading.Lock()
        self._handlers: dict[type, list[tuple[Handler, object]]] = {}
        self._streams: weakref.WeakSet[EventStream[Any]] = weakref.WeakSet()
        self._errors: collections.deque[BaseException] = collections.deque(maxlen=100)
        #: Events delivered by the SDK to this hub.
        self.events_received = 0
        #: Events dropped from the wait_for backlog because it was full.
        self.backlog_evicted = 0
        #: Exceptions raised by handlers or while building events (all, not only those kept).
        self.error_count = 0
        self._router = threading.Thread(target=self._route, name=f"{name}-router", daemon=True)
        self._runner = threading.Thread(target=self._run_handlers, name=f"{name}-handlers", daemon=True)
        self._router.start()
        self._runner.start()

    # ---- the two threads ----------------------------------------------------------------------

    def _route(self) -> None:
        while True:
            item = self.inbox.get()
            if item is _STOP:
                break
            if isinstance(item, _Marker):
                self._to_handlers.put(item)
                continue
            if isinstance(item, PipelineFailure):
                self._record_error(item.error, f"building a {item.event_type.__name__} event from the SDK's arguments failed")
                continue
            try:
                self._deliver(item)
            except BaseException as exc:  # the router must survive anything, or delivery stops
                self._record_error(exc, f"delivering {item!r} failed")
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        # A drain() that raced with close() put its marker after _STOP: let the runner set it.
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Marker):
                self._to_handlers.put(item)
        self._to_handlers.put(_STOP)
        for stream in self._stream_snapshot():
            stream._push(_END)

    def _deliver(self, item: object) -> None:
        assert isinstance(item, Event)
        self.events_received += 1
        size = item.approximate_size()
        with self._cond:
            self._backlog.append((item, size))
            self._backlog_bytes += size
            while len(self._backlog) > 1 and (
                len(self._backlog) > self._max_events or self._backlog_bytes > self._max_bytes
            ):
                _, evicted_size = self._backlog.popleft()
                self._backlog_bytes -= evicted_size
                self.backlog_evicted += 1
            self._cond.notify_all()
        for stream in self._stream_snapshot():
            stream._push(item)
        self._to_handlers.put(item)

    def _run_handlers(self) -> None:
        while True:
            event = self._to_handlers.get()
            if event is _STOP:
                return
            if isinstance(event, _Marker):
                event.done.set()
                continue
            for handler in self._handlers_for(type(event)):
                try:
                    handler(event)
                except BaseException as exc:  # a handler must never stop later events
                    self._record_error(exc, f"handler {handler!r} raised on {type(event).__name__}")

    def _record_error(self, exc: BaseException, what: str) -> None:
        self.error_count += 1
        self._errors.append(exc)
        log.error("%s", what, exc_info=(type(exc), exc, exc.__traceback__))

    # ---- handlers -------------------------------------------------------------------------------

    def add_handler(self, event_type: type, handler: Handler, owner: object = None) -> None:
        with self._handlers_lock:
            self._handlers.setdefault(event_type, []).append((handler, owner))

    def remove_handlers(self, event_type: type | None = None, handler: Handler | None = None, owner: object = None) -> int:
        """Remove matching registrations; returns how many were removed."""
        removed = 0
        with self._handlers_lock:
            for registered_type, entries in self._handlers.items():
                if event_type is not None and registered_type is not event_type:
                    continue
                keep = [
                    (h, o)
                    for h, o in entries
                    if not ((handler is None or h == handler) and (owner is None or o is owner))
                ]
                removed += len(entries) - len(keep)
                entries[:] = keep
        return removed

    def _handlers_for(self, event_type: type) -> list[Handler]:
        with self._handlers_lock:
            return [h for klass in event_type.__mro__ for h, _ in self._handlers.get(klass, ())]

    def drain(self, timeout: float | None) -> None:
        self._refuse_on_handler_thread("drain()")
        marker = _Marker()
        self.inbox.put(marker)
        with self._cond:
            if self._closed:
                return  # close() already delivered everything
        if not marker.done.wait(timeout):
            raise TimeoutError(f"handlers were still busy after {timeout} s")

    def _refuse_on_handler_thread(self, what: str) -> None:
        if threading.current_thread() is self._runner:
            raise InvalidStateError(
                f"{what} called from an event handler: the handler thread would wait for itself; "
                "use a handler for the awaited event instead"
            )

    # ---- wait_for -------------------------------------------------------------------------------

    def wait_for(self, event_types: tuple[type, ...], timeout: float | None, predicate: Callable[[Any], bool] | None) -> Any:
        self._refuse_on_handler_thread("wait_for()")
        names = " or ".join(t.__name__ for t in event_types)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                for position, (event, size) in enumerate(self._backlog):
                    if isinstance(event, event_types) and (predicate is None or predicate(event)):
                        del self._backlog[position]
                        self._backlog_bytes -= size
                        return event
                if self._closed:
                    raise ClosedError(f"the PortSIPLib was closed while waiting for {names}")
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"no {names} event matched within {timeout} s")
                self._cond.wait(remaining)

    # ---- asyncio --------------------------------------------------------------------------------

    def open_stream(self, event_types: tuple[type, ...]) -> EventStream[Any]:
        stream: EventStream[Any] = EventStream(self, event_types, asyncio.get_running_loop())
        with self._handlers_lock:
            ended = self._closed
            self._streams.add(stream)
        if ended:
            stream._push(_END)
        return stream

    def _stream_snapshot(self) -> list[EventStream[Any]]:
        with self._handlers_lock:
            return list(self._streams)

    def _discard_stream(self, stream: EventStream[Any]) -> None:
        with self._handlers_lock:
            self._streams.discard(stream)

    # ---- shutdown -------------------------------------------------------------------------------

    def errors(self) -> list[BaseException]:
        """Take the recorded exceptions (at most the last 100), oldest first."""
        taken = []
        while self._errors:
            taken.append(self._errors.popleft())
        return taken

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued, then stop both threads (call after the SDK stopped calling)."""
        self.inbox.put(_STOP)
        current = threading.current_thread()
        for thread in (self._router, self._runner):
            if thread is not current and thread.is_alive():
                thread.join(timeout)


class EventStream(Generic[E_co]):
    """``async for event in lib.async_events(...)``: events from the moment it was created.

    Ends (StopAsyncIteration) when the PortSIPLib closes. Also an async context manager that
    stops the stream on exit; a stream that is dropped unconsumed stops by garbage collection.
    """

    def __init__(self, hub: EventHub, event_types: tuple[type, ...], loop: asyncio.AbstractEventLoop) -> None:
        self._hub = hub
        self._event_types = event_types or (Event,)
        self._loop = loop
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._done = False

    def _push(self, item: object) -> None:  # on the router thread
        if item is not _END and not isinstance(item, self._event_types):
            return
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody will read this stream any more
            self._hub._discard_stream(self)

    def __aiter__(self) -> EventStream[E_co]:
        return self

    async def __anext__(self) -> E_co:
        if self._done:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self._done = True
            raise StopAsyncIteration
        assert isinstance(item, Event)
        return cast(E_co, item)  # _push lets only the stream's event types through

    async def aclose(self) -> None:
        self._done = True
        self._hub._discard_stream(self)

    async def __aenter__(self) -> EventStream[E_co]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

