"""Delivery: from an instance's feed to handlers, waiters and asyncio, on threads of our own.

The backend (:mod:`portsip._backend`) queues what the SDK passes; nothing here runs on the SDK's
threads. Per instance:

* the *router* thread takes batches from the feed (the native backend waits in C with the GIL
  released), keeps each event for ``wait_for`` (the backlog), hands it to the async streams that
  want it, and passes the batch to the handler thread if a handler wants any of it;
* the *handler* thread, started when the first handler is added, calls the handlers registered
  with ``on``/``attach`` in arrival order. A handler that raises is logged (logger ``"portsip"``)
  and kept for ``check_errors()``; the next event is delivered as usual. A slow handler delays only
  later handlers, never ``wait_for`` or the streams.

Memory is bounded everywhere (the rules are in RELIABILITY.md): the feed's budget covers events
from the SDK's call until the handlers are done with them, and drops at the SDK's edge when full;
each async stream holds at most the same budget and drops for itself when its reader falls behind;
the backlog keeps an event for ``wait_for`` until it is returned, for at most ``backlog_seconds``,
within ``backlog_events``/``backlog_bytes`` (oldest evicted first).

Per event the router does a dict lookup (the handler table is rebuilt when handlers change, with
the base classes resolved then, not per event) and appends to the backlog; locks, wake-ups, stream
hand-offs and budget releases happen once per batch. Once receipts are in use, each batch is first
scanned for the outcomes of sends (a set lookup per event).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import os
import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._backend import Feed, PipelineFailure
from .errors import ClosedError, InvalidStateError
from .events import EVENT_TYPES, FRAME_TYPES, Event, MediaFrame

log = logging.getLogger("portsip")

E_co = TypeVar("E_co", bound=Event, covariant=True)
Handler = Callable[[Any], object]

DEFAULT_MAX_PENDING_EVENTS = 10_000
DEFAULT_MAX_PENDING_BYTES = 32 * 1024 * 1024
DEFAULT_BACKLOG_SECONDS = 60.0
DROP_REPORT_INTERVAL = 1.0  # at most one "dropped" warning per second and instance: once per burst
# The router wakes this often even when no event comes: to expire backlog events, and to report
# drops that happened while it waited (a slow handler holds the budget; no event wakes the router).
_SWEEP_INTERVAL = 1.0
_EXPIRE_EVERY = 0.25  # ... and looks for expired ones at most this often
_RELEASE_EVERY = 64  # the handler thread returns budget at least every this many events
# What each drop count of _report_drops means (the SDK's, the async streams', the frames'); each
# text takes the instance's max_pending_events and max_pending_bytes.
_DROP_REPORTS = (
    "SDK event(s) dropped since the last report: more than %d events or %d bytes were waiting for delivery "
    "(raise max_pending_events/max_pending_bytes, or make handlers faster)",
    "event(s) dropped by async streams since the last report: a stream held %d events or %d bytes its "
    "reader had not taken yet",
    "media frame(s) dropped since the last report: frames held half of the %d events or %d bytes an "
    "instance may hold (make frame handlers faster, or raise max_pending_events/max_pending_bytes)",
)
_STOP = object()
_END = object()


def _ignore_outcomes(items: list[object]) -> None:
    """The outcome sink until watch_outcomes() sets one."""


def _never_preempt_on_wakeup() -> None:
    """Make the calling thread (one of ours) SCHED_BATCH where Linux has it.

    Waking a thread can make the kernel preempt the waker in its favour, and the waker here is the
    SDK's thread (the native queue wakes the router). A SCHED_BATCH thread never preempts on wakeup:
    it runs when a CPU is free, and the SDK's thread finishes its call first. Its share of the CPU is
    unchanged; only its wake-up is not urgent.
    """
    if sys.platform == "linux":
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))  # 0: the calling thread
        except OSError:  # not permitted (containers, seccomp): the default policy will do
            pass


class _Marker:
    """Queued behind every event received so far by drain(); set once they all went through."""

    __slots__ = ("__weakref__", "done")

    def __init__(self) -> None:
        self.done = threading.Event()


@dataclass(frozen=True)
class Limits:
    """The bounds of one instance (see :class:`portsip.PortSIPLib`)."""

    max_pending_events: int = DEFAULT_MAX_PENDING_EVENTS
    max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES
    backlog_events: int = DEFAULT_MAX_PENDING_EVENTS
    backlog_bytes: int = DEFAULT_MAX_PENDING_BYTES
    backlog_seconds: float = DEFAULT_BACKLOG_SECONDS


class EventHub:
    """The router, the handler thread, the backlog and the streams of one instance."""

    def __init__(self, name: str, feed: Feed, limits: Limits) -> None:
        self._name = name
        self._feed = feed
        self._limits = limits
        self._cond = threading.Condition()  # guards the backlog, _closed and the waiter count
        # wait_for backlog: sequence number -> (event, size, arrival time), oldest first
        self._backlog: collections.OrderedDict[int, tuple[Event, int, float]] = collections.OrderedDict()
        self._backlog_bytes = 0
        self._sequence = itertools.count(1)
        self._last_sequence = 0
        self._waiters = 0
        self._closed = False
        self._abandon = False  # close() ran out of time: stop delivering
        self._changes = threading.Lock()  # guards handler and stream registration (not the hot path)
        self._registrations: dict[type, list[tuple[Handler, object]]] = {}
        #: concrete event class -> its handlers, base-class handlers included; replaced, never mutated
        self._table: dict[type, tuple[Handler, ...]] = {}
        self._streams: tuple[weakref.ref[EventStream[Any]], ...] = ()
        self._markers: weakref.WeakSet[_Marker] = weakref.WeakSet()
        self._to_handlers: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._runner: threading.Thread | None = None
        # Receipts (portsip._receipts): events of these types also go to the sink; empty until used.
        self._outcome_types: frozenset[type] = frozenset()
        self._outcome_sink: Callable[[list[object]], None] = _ignore_outcomes
        self._errors_lock = threading.Lock()
        self._errors: collections.deque[BaseException] = collections.deque(maxlen=100)
        # Counters; each written by one thread only (router, handler thread, or under _errors_lock).
        self.delivered = 0
        self.frames_delivered = 0
        self.backlog_evicted = 0
        self.returned = 0  # events wait_for returned (under _cond)
        self.stream_dropped = 0
        self.error_count = 0
        self._discarded_at_close = 0  # written by close()
        self._abandoned = 0  # written by the handler thread: events it skipped after close() gave up
        self._runner_done = False  # under _lifetime
        self._reported_at_close: int | None = None  # under _lifetime: what close() logged while a handler ran
        self._expired_at = 0.0
        self._drops_reported = (0, 0, 0)  # the counts of _DROP_REPORTS last logged
        self._dropped_report_time = 0.0
        # The feed is freed once neither delivery thread can touch it: by close(), or by the last
        # thread to finish when close() could not wait for it (e.g. close() called from a handler).
        self._lifetime = threading.Lock()
        self._threads_running = 1
        self._close_requested = False
        self._feed_freed = False
        self._router = threading.Thread(target=self._route, name=f"{name}-router", daemon=True)
        self._router.start()

    # ---- the router -------------------------------------------------------------------------------

    def _route(self) -> None:
        feed = self._feed
        _never_preempt_on_wakeup()
        try:
            while not self._abandon:
                batch = feed.take(_SWEEP_INTERVAL)
                if batch is None:
                    break
                try:
                    self._route_batch(*batch)
                except BaseException as exc:  # the router must survive anything, or delivery stops
                    self._record_error(exc, "delivering a batch of events failed")
        finally:
            try:
                self._report_drops(final=True)
            finally:
                self._finish()
                self._thread_done()

    def _route_batch(self, items: list[object], sizes: list[int]) -> None:
        if items:
            self._deliver(items, sizes)
        if self._backlog:
            now = time.monotonic()
            if now - self._expired_at >= _EXPIRE_EVERY:
                self._expired_at = now
                self._expire(now)
        self._report_drops()

    def _thread_done(self) -> None:
        with self._lifetime:
            self._threads_running -= 1
            free = self._threads_running == 0 and self._close_requested and not self._feed_freed
            self._feed_freed |= free
        if free:
            self._feed.free()

    def _deliver(self, items: list[object], sizes: list[int]) -> None:
        table = self._table
        watched = self._outcome_types  # read after take(): sees a watch set before the send was made
        if watched:  # receipts (portsip._receipts) resolve first: before drain() markers and handlers
            try:
                self._outcome_sink([item for item in items if type(item) in watched])
            except BaseException as exc:  # the batch must still reach everyone else
                self._record_error(exc, "resolving receipts failed")
        to_handlers: list[tuple[object, int]] = []
        failures: list[PipelineFailure] = []
        free_events = free_bytes = 0
        now = time.monotonic()
        with self._cond:
            backlog = self._backlog
            for item, size in zip(items, sizes, strict=True):
                if type(item) is _Marker:
                    if self._runner is None:
                        item.done.set()  # no handler thread: everything before it has been routed
                    else:
                        to_handlers.append((item, 0))
                    continue
                if not isinstance(item, Event):
                    if isinstance(item, PipelineFailure):
                        failures.append(item)
                    if size:
                        free_events += 1
                        free_bytes += size
                    continue
                if type(item) in table:
                    to_handlers.append((item, size))
                else:
                    free_events += 1
                    free_bytes += size
                if isinstance(item, MediaFrame):  # for handlers and streams only, never kept
                    self.frames_delivered += 1
                    continue
                self.delivered += 1
                sequence = next(self._sequence)
                backlog[sequence] = (item, size, now)
                self._backlog_bytes += size
                self._last_sequence = sequence
            self._trim_backlog()
            if self._waiters:
                self._cond.notify_all()
        for failure in failures:
            self._record_error(failure.error, f"building a {failure.event_type.__name__} event from the SDK's arguments failed")
        for stream_ref in self._streams:
            stream = stream_ref()
            if stream is not None:
                stream._offer(items, sizes)
        if to_handlers:
            self._to_handlers.put(to_handlers)
        self._feed.release(free_events, free_bytes, False)

    def watch_outcomes(self, event_types: Iterable[type], sink: Callable[[list[object]], None]) -> None:
        """Also pass the events of ``event_types`` to ``sink``, on the router once per batch, in
        arrival order and before anything else sees the batch (how receipts learn the outcomes of
        sends; see portsip._receipts)."""
        self._outcome_sink = sink
        self._outcome_types = frozenset(event_types)  # last: the router looks at the types first

    def _trim_backlog(self) -> None:
        limits, backlog = self._limits, self._backlog
        while backlog and (len(backlog) > limits.backlog_events or self._backlog_bytes > limits.backlog_bytes):
            _, (_, size, _) = backlog.popitem(last=False)
            self._backlog_bytes -= size
            self.backlog_evicted += 1

    def _expire(self, now: float) -> None:
        oldest_allowed = now - self._limits.backlog_seconds
        with self._cond:
            backlog = self._backlog
            while backlog:
                sequence, (_, size, arrived) = next(iter(backlog.items()))
                if arrived >= oldest_allowed:
                    break
                del backlog[sequence]
                self._backlog_bytes -= size
                self.backlog_evicted += 1

    def _report_drops(self, final: bool = False) -> None:
        """Log drops not reported yet: at most once per DROP_REPORT_INTERVAL, and whatever is left at the end."""
        counts = (self._feed.dropped(), self.stream_dropped, self._feed.frames_dropped())
        if counts == self._drops_reported:
            return
        now = time.monotonic()
        if not final and now - self._dropped_report_time < DROP_REPORT_INTERVAL:
            return
        for what, count, reported in zip(_DROP_REPORTS, counts, self._drops_reported, strict=True):
            if count > reported:
                log.warning(
                    "%s: %d " + what,
                    self._name, count - reported, self._limits.max_pending_events, self._limits.max_pending_bytes,
                )
        self._drops_reported = counts
        self._dropped_report_time = now

    def _finish(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._runner is not None:
            self._to_handlers.put(_STOP)
        for stream_ref in self._streams:
            stream = stream_ref()
            if stream is not None:
                stream._end()

    # ---- the handler thread -----------------------------------------------------------------------

    @property
    def undelivered_at_close(self) -> int:
        return self._discarded_at_close + self._abandoned

    def _run_handlers(self) -> None:
        _never_preempt_on_wakeup()
        try:
            self._handle_batches()
        finally:
            with self._lifetime:
                self._runner_done = True
                reported = self._reported_at_close
            if reported is not None and self.undelivered_at_close > reported:
                log.warning(
                    "%s: the handler that was running when close() gave up has returned; %d more event(s) "
                    "queued behind it were not delivered", self._name, self.undelivered_at_close - reported,
                )
            self._thread_done()

    def _handle_batches(self) -> None:
        feed = self._feed
        while True:
            batch = self._to_handlers.get()
            if batch is _STOP:
                return
            assert isinstance(batch, list)
            done_events = done_bytes = 0
            for position, (item, size) in enumerate(batch):
                if self._abandon:
                    left = [s for i, s in batch[position:] if s]
                    self._abandoned += len(left)
                    feed.release(len(left), sum(left), True)
                    break
                if type(item) is _Marker:
                    item.done.set()
                    continue
                for handler in self._table.get(type(item), ()):
                    try:
                        handler(item)
                    except BaseException as exc:  # a handler must never stop later events
                        self._record_error(exc, f"handler {handler!r} raised on {type(item).__name__}")
                done_events += 1
                done_bytes += size
                if done_events >= _RELEASE_EVERY:
                    feed.release(done_events, done_bytes, True)
                    done_events = done_bytes = 0
            feed.release(done_events, done_bytes, True)

    def _record_error(self, exc: BaseException, what: str) -> None:
        with self._errors_lock:
            self.error_count += 1
            self._errors.append(exc)
        log.error("%s", what, exc_info=(type(exc), exc, exc.__traceback__))

    # ---- handlers ---------------------------------------------------------------------------------

    def add_handler(self, event_type: type, handler: Handler, owner: object = None) -> None:
        with self._changes:
            self._registrations.setdefault(event_type, []).append((handler, owner))
            self._rebuild_table()
            if self._runner is None:
                with self._lifetime:
                    self._threads_running += 1
                self._runner = threading.Thread(target=self._run_handlers, name=f"{self._name}-handlers", daemon=True)
                self._runner.start()

    def remove_handlers(self, event_type: type | None, handler: Handler | None, owner: object = None) -> int:
        """Remove the registrations matching all the given criteria; returns how many were removed."""
        removed = 0
        with self._changes:
            for registered_type, entries in self._registrations.items():
                if event_type is not None and registered_type is not event_type:
                    continue
                keep = [(h, o) for h, o in entries if not ((handler is None or h == handler) and (owner is None or o is owner))]
                removed += len(entries) - len(keep)
                entries[:] = keep
            self._rebuild_table()
        return removed

    def _rebuild_table(self) -> None:
        # In registration order of the classes in each event's MRO, as before: most specific first.
        # Media frames go only to handlers asked for frames: their MRO is cut below MediaFrame, so a
        # catch-all on Event does not get hundreds of frames a second.
        table: dict[type, tuple[Handler, ...]] = {}
        for event_type in (*EVENT_TYPES, *FRAME_TYPES):
            classes = event_type.__mro__
            if issubclass(event_type, MediaFrame):
                classes = classes[: classes.index(MediaFrame) + 1]
            handlers = tuple(h for klass in classes for h, _ in self._registrations.get(klass, ()))
            if handlers:
                table[event_type] = handlers
        self._table = table

    # ---- drain and wait_for -------------------------------------------------------------------------

    def drain(self, timeout: float | None) -> None:
        self._refuse_on_handler_thread("drain()")
        marker = _Marker()
        self._markers.add(marker)
        if self._closed or not self._feed.mark(marker):
            return  # closed: close() already delivered what it could
        if not marker.done.wait(timeout):
            raise TimeoutError(f"handlers were still busy after {timeout} s")

    def _refuse_on_handler_thread(self, what: str) -> None:
        if self._runner is not None and threading.current_thread() is self._runner:
            raise InvalidStateError(
                f"{what} called from an event handler: the handler thread would wait for itself; "
                "use a handler for the awaited event instead"
            )

    def wait_for(self, event_types: tuple[type, ...], timeout: float | None, predicate: Callable[[Any], bool] | None) -> Any:
        """The oldest matching event in the backlog, waiting for one. ``predicate`` runs without any
        lock held, so a slow predicate delays neither the router nor other waiters."""
        self._refuse_on_handler_thread("wait_for()")
        names = " or ".join(t.__name__ for t in event_types)
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = 0  # backlog entries up to this sequence number have been looked at
        with self._cond:
            self._waiters += 1
        try:
            while True:
                with self._cond:
                    if predicate is None and not seen:
                        # No user code to run: take the oldest match at once, scanning from the
                        # oldest (a consumer that keeps up finds it at the front: O(1), not O(backlog)).
                        for sequence, (event, size, _) in self._backlog.items():
                            if isinstance(event, event_types):
                                del self._backlog[sequence]
                                self._backlog_bytes -= size
                                self.returned += 1
                                return event
                        candidates = []
                    else:
                        candidates = self._candidates(event_types, seen)
                    newest, closed = self._last_sequence, self._closed
                for sequence, event in candidates:
                    if predicate is None or predicate(event):
                        with self._cond:
                            entry = self._backlog.pop(sequence, None)
                            if entry is not None:
                                self._backlog_bytes -= entry[1]
                                self.returned += 1
                                return event
                        # another waiter took it, or it was evicted meanwhile: keep looking
                seen = max(seen, newest)
                if closed:
                    raise ClosedError(f"the PortSIPLib was closed while waiting for {names}")
                with self._cond:
                    while self._last_sequence == seen and not self._closed:
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            raise TimeoutError(f"no {names} event matched within {timeout} s")
                        self._cond.wait(remaining)
        finally:
            with self._cond:
                self._waiters -= 1

    def backlog_counts(self) -> tuple[int, int, int, int]:
        """(delivered, returned, evicted, held): one consistent reading, so that delivered ==
        returned + evicted + held holds at any moment."""
        with self._cond:
            return self.delivered, self.returned, self.backlog_evicted, len(self._backlog)

    def _candidates(self, event_types: tuple[type, ...], after: int) -> list[tuple[int, Event]]:
        """Backlog entries newer than sequence ``after`` of the given types, oldest first (under _cond)."""
        newer: list[tuple[int, Event]] = []
        for sequence, (event, _, _) in reversed(self._backlog.items()):
            if sequence <= after:
                break
            if isinstance(event, event_types):
                newer.append((sequence, event))
        newer.reverse()
        return newer

    # ---- asyncio ----------------------------------------------------------------------------------

    def open_stream(self, event_types: tuple[type, ...]) -> EventStream[Any]:
        stream: EventStream[Any] = EventStream(self, event_types, asyncio.get_running_loop(), self._limits)
        with self._changes:
            ended = self._closed
            self._streams = (*(r for r in self._streams if r() is not None), weakref.ref(stream))
        if ended:
            stream._end()
        return stream

    def _discard_stream(self, stream: EventStream[Any]) -> None:
        with self._changes:
            self._streams = tuple(r for r in self._streams if r() not in (None, stream))

    # ---- errors and shutdown -------------------------------------------------------------------------

    def errors(self) -> list[BaseException]:
        """Take the recorded exceptions (at most the last 100), oldest first."""
        with self._errors_lock:
            taken = list(self._errors)
            self._errors.clear()
        return taken

    def close(self, timeout: float | None) -> None:
        """Deliver what is queued within ``timeout`` seconds (None: no limit), then stop (call after the feed's close()).

        Past the timeout, delivery stops: what was not delivered is counted in
        ``undelivered_at_close`` and logged. A handler still running then is left to finish on its
        own (a thread cannot be stopped from outside); that is logged too.
        """
        deadline = None if timeout is None else time.monotonic() + timeout

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        current = threading.current_thread()
        if self._router is not current:
            self._router.join(left())
        runner = self._runner
        if runner is not None and runner is not current:
            runner.join(left())
        late = self._router.is_alive() or (runner is not None and runner is not current and runner.is_alive())
        if late:
            self._abandon = True
            self._discarded_at_close += self._feed.discard()
            if self._router is not current:
                self._router.join(1.0)
            if runner is not None and runner is not current:
                runner.join(0.1)
            with self._lifetime:  # either the handler thread is done, or it reports what it skips later
                busy = runner is not None and not self._runner_done
                undelivered = self.undelivered_at_close
                if busy:
                    self._reported_at_close = undelivered
            log.warning(
                "%s: close() stopped delivery after %.1f s: %d event(s) were not delivered to handlers%s",
                self._name, timeout, undelivered,
                "; a handler is still running and will finish on its own (the events queued behind it will "
                "not be delivered either: they are reported when it returns)" if busy else "",
            )
        for marker in list(self._markers):
            marker.done.set()  # nothing more will go through: release drain() callers
        with self._lifetime:
            self._close_requested = True
            free = self._threads_running == 0 and not self._feed_freed
            self._feed_freed |= free
        if free:
            self._feed.free()


class EventStream(Generic[E_co]):
    """``async for event in lib.async_events(...)``: events from the moment it was created.

    Ends (StopAsyncIteration) when the PortSIPLib closes. Also an async context manager that stops
    the stream on exit; a stream that is dropped unconsumed stops by garbage collection. It holds at
    most the instance's ``max_pending_events``/``max_pending_bytes``; events that arrive while it is
    full are dropped for this stream only and counted in :attr:`dropped`.
    """

    def __init__(self, hub: EventHub, event_types: tuple[type, ...], loop: asyncio.AbstractEventLoop, limits: Limits) -> None:
        self._hub = hub
        self._event_types = event_types or (Event,)
        self._frames = any(issubclass(t, MediaFrame) for t in self._event_types)  # asked for media frames
        self._loop = loop
        self._limits = limits
        self._buffer: collections.deque[tuple[object, int]] = collections.deque()
        # Written by the router only / by the loop only; their differences are what is held.
        self._in_events = self._in_bytes = 0
        self._out_events = self._out_bytes = 0
        self._wakeup_scheduled = False
        self._waiter: asyncio.Future[None] | None = None
        self._done = False
        #: Events this stream dropped because its reader fell behind.
        self.dropped = 0

    # On the router thread.
    def _offer(self, items: Iterable[object], sizes: Iterable[int]) -> None:
        wanted = self._event_types
        limits = self._limits
        added = False
        for item, size in zip(items, sizes, strict=True):
            if not isinstance(item, wanted) or (not self._frames and isinstance(item, MediaFrame)):
                continue
            if (self._in_events - self._out_events >= limits.max_pending_events
                    or self._in_bytes - self._out_bytes + size > limits.max_pending_bytes):
                self.dropped += 1
                self._hub.stream_dropped += 1
                continue
            self._buffer.append((item, size))
            self._in_events += 1
            self._in_bytes += size
            added = True
        if added:
            self._wake_reader()

    def _end(self) -> None:
        self._buffer.append((_END, 0))
        self._wake_reader()

    def _wake_reader(self) -> None:
        if self._wakeup_scheduled:
            return  # a wake-up is on its way and will see these items too
        self._wakeup_scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: nobody will read this stream any more
            self._hub._discard_stream(self)

    # On the event loop.
    def _wake(self) -> None:
        self._wakeup_scheduled = False
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def __aiter__(self) -> EventStream[E_co]:
        return self

    async def __anext__(self) -> E_co:
        while True:
            if self._done:
                raise StopAsyncIteration
            if self._buffer:
                item, size = self._buffer.popleft()
                if item is _END:
                    self._done = True
                    raise StopAsyncIteration
                self._out_events += 1
                self._out_bytes += size
                return item  # type: ignore[return-value]
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def aclose(self) -> None:
        self._done = True
        self._hub._discard_stream(self)

    async def __aenter__(self) -> EventStream[E_co]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
