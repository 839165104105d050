"""The router: takes each batch from the native queue and hands it to every consumer, in one order.

Per instance, one or two *delivery threads* of the binding share two roles: *routing* (waiting in C
for the next batch, with the GIL released, and handing it on) and *running handlers*. One thread
routes at a time. A thread that finds handlers to run and nobody running them gives up the routing
role first, so that the other thread goes on routing while it runs them: ``wait_for``, the streams
and receipts never wait for a handler, and when no handler is busy an event reaches its handler with
one thread hop (the SDK's thread wakes the delivery thread, which routes the event and calls the
handler). The second thread starts with the first handler; an instance without handlers has one.

The order in which a batch reaches its consumers is :meth:`Router._route`: receipts, the backlog,
the streams, the handlers, and a trace being recorded. Each owns its bound (see
:mod:`portsip._delivery.budget`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref

from .._receipts import ReceiptBook
from ..events import EVENT_TYPES, FRAME_TYPES, Event
from ..trace import Recorder
from .backlog import Backlog
from .budget import Limits
from .failures import ErrorLog
from .handlers import HandlerRunner, Marker
from .native import Batch, DecodeFailure, EventQueue
from .streams import StreamSet

log = logging.getLogger("portsip")

DROP_REPORT_INTERVAL = 1.0  # at most one warning per second and instance: once per burst
# A delivery thread wakes this often even when no event comes: to expire backlog events, and to
# report drops that happened while it waited.
_SWEEP_INTERVAL = 1.0
_EXPIRE_EVERY = 0.25  # ... and looks for expired ones at most this often
_EVENT_TYPES = frozenset(EVENT_TYPES)
_FRAME_TYPES = frozenset(FRAME_TYPES)
# What each drop count means; each text takes the instance's max_pending_events and max_pending_bytes.
_DROP_REPORTS = (
    "SDK event(s) dropped since the last report: more than %d events or %d bytes were waiting in the native "
    "queue (raise max_pending_events/max_pending_bytes)",
    "event(s) dropped for handlers since the last report: handlers were behind by %d events or %d bytes "
    "(make handlers faster, or raise max_pending_events/max_pending_bytes)",
    "event(s) dropped by async streams since the last report: the streams held %d events or %d bytes their "
    "readers had not taken yet",
    "media frame(s) dropped since the last report: frames held half of the %d events or %d bytes the native "
    "queue may hold (make frame handlers faster, or raise max_pending_events/max_pending_bytes)",
)


def _never_preempt_on_wakeup() -> None:
    """Make the calling thread (one of ours) SCHED_BATCH where Linux has it.

    Waking a thread can make the kernel preempt the waker in its favour, and the waker here is the
    SDK's thread (the native queue wakes a delivery thread). A SCHED_BATCH thread never preempts on
    wakeup: it runs when a CPU is free, and the SDK's thread finishes its call first. Its share of
    the CPU is unchanged; only its wake-up is not urgent.
    """
    if sys.platform == "linux":
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))  # 0: the calling thread
        except OSError:  # not permitted (containers, seccomp): the default policy will do
            pass


class Router:
    """The delivery threads of one instance (see the module docstring)."""

    def __init__(
        self,
        name: str,
        queue: EventQueue,
        limits: Limits,
        receipts: ReceiptBook,
        backlog: Backlog,
        streams: StreamSet,
        handlers: HandlerRunner,
        errors: ErrorLog,
    ) -> None:
        self._name = name
        self._queue = queue
        self._limits = limits
        self._receipts = receipts
        self._backlog = backlog
        self._streams = streams
        self._handlers = handlers
        self._errors = errors
        self._routing = threading.Lock()  # held by the thread that routes
        self._finished = False  # the queue is closed and empty: every batch has been routed (under _routing)
        self._abandon = False  # close() ran out of time: stop delivering
        self._workers: list[threading.Thread] = []
        # The queue is freed once no delivery thread can touch it: by close(), or by the last thread
        # to finish when close() could not wait for it (e.g. close() called from a handler).
        self._lifetime = threading.Lock()
        self._running = 0
        self._close_requested = False
        self._queue_freed = False
        self._pending_markers: weakref.WeakSet[Marker] = weakref.WeakSet()  # of drain() calls, released at close
        #: The trace being recorded (PortSIPLib.record), if any: it gets every batch's events last.
        self.recorder: Recorder | None = None
        self.frames_delivered = 0
        self.discarded_at_close = 0
        self._queue_drops = (0, 0)  # the native queue's drop counts, as of the last batch
        self._expired_at = 0.0
        self._reported = (0, 0, 0, 0)  # the counts of _DROP_REPORTS last logged
        self._reported_at = 0.0
        self._start_worker()

    def _start_worker(self) -> None:
        with self._lifetime:
            self._running += 1
        thread = threading.Thread(target=self._work, name=f"{self._name}-delivery-{len(self._workers) + 1}", daemon=True)
        self._workers.append(thread)
        thread.start()

    def handlers_added(self) -> None:
        """The first handler was added: a second thread, to route while the other runs handlers."""
        with self._lifetime:
            start = len(self._workers) == 1 and not self._close_requested
        if start:
            self._start_worker()

    # ---- the delivery threads ---------------------------------------------------------------------

    def _work(self) -> None:
        _never_preempt_on_wakeup()
        handlers = self._handlers
        try:
            while not self._abandon:
                with self._routing:
                    if self._finished:
                        break
                    batch = self._queue.take(_SWEEP_INTERVAL)
                    if batch is None:
                        self._finish()
                        break
                    try:
                        run_handlers = self._route(batch)
                    except BaseException as exc:  # routing must survive anything, or delivery stops
                        self._errors.record(exc, "delivering a batch of events failed")
                        for item in batch.items:  # drain() callers must not wait for what will not come
                            if type(item) is Marker:
                                item.done.set()
                        run_handlers = False
                if run_handlers:  # the routing role is free for the other thread meanwhile
                    handlers.run()
        finally:
            self._thread_done()

    def _route(self, batch: Batch) -> bool:
        """One batch to every consumer, in this order; True if this thread must now run handlers."""
        items, sizes = batch.items, batch.sizes
        self._queue_drops = (batch.dropped, batch.frames_dropped)
        now = time.monotonic()
        run_handlers = False
        if items:
            if batch.only_events:  # nearly always: the batch itself goes to the backlog, unsorted
                events: list[Event] = items  # type: ignore[assignment]  # only events, as take() found
                event_sizes = sizes
            else:
                events, event_sizes = self._sort(items, sizes)
            receipts = self._receipts
            if receipts.watching:  # 1. receipts: the outcome of a send resolves before anyone else sees it
                try:
                    receipts.offer(events)
                except BaseException as exc:  # the batch must still reach everyone else
                    self._errors.record(exc, "resolving receipts failed")
            first_sequence = self._backlog.add(events, event_sizes, now)  # 2. wait_for
            if self._streams.open_count:  # 3. async streams
                self._streams.offer(items, sizes, first_sequence)
            run_handlers = self._handlers.offer(items, sizes, batch.only_events)  # 4. handlers (and drain markers)
            recorder = self.recorder
            if recorder is not None and events:  # 5. a trace being recorded (lib.record): queued, never written here
                recorder.events(events, now)
        self._sweep(now)
        return run_handlers

    def _sort(self, items: list[object], sizes: list[int]) -> tuple[list[Event], list[int]]:
        """The batch's events for the backlog (no frames), with their sizes; frames counted, failures
        reported."""
        event_types = _EVENT_TYPES
        events: list[Event] = []
        event_sizes: list[int] = []
        for item, size in zip(items, sizes, strict=True):
            kind = type(item)
            if kind in event_types:
                events.append(item)  # type: ignore[arg-type]  # its type is an event class
                event_sizes.append(size)
            elif kind in _FRAME_TYPES:
                self.frames_delivered += 1
            elif kind is DecodeFailure:
                assert isinstance(item, DecodeFailure)
                self._errors.record(item.error, f"building a {item.event_type.__name__} event from the SDK's arguments failed")
            elif kind is not Marker and item is not None:  # None: a marker of a drain() that gave up
                raise TypeError(f"unexpected item from the native queue: {item!r}")
        return events, event_sizes

    def _sweep(self, now: float) -> None:
        """Now and then: expire old backlog events, report drops."""
        if now - self._expired_at >= _EXPIRE_EVERY:
            self._expired_at = now
            self._backlog.expire(now)
        if now - self._reported_at >= DROP_REPORT_INTERVAL:
            self._report_drops(now)

    def _report_drops(self, now: float) -> None:
        """Log drops not reported yet: at most once per DROP_REPORT_INTERVAL (see _sweep), and whatever
        is left at the end."""
        queue_dropped, frames_dropped = self._queue_drops
        counts = (queue_dropped, self._handlers.dropped, self._streams.dropped, frames_dropped)
        if counts == self._reported:
            return
        for what, count, reported in zip(_DROP_REPORTS, counts, self._reported, strict=True):
            if count > reported:
                log.warning(
                    "%s: %d " + what, self._name, count - reported, self._limits.max_pending_events, self._limits.max_pending_bytes
                )
        self._reported = counts
        self._reported_at = now

    def _finish(self) -> None:
        """Every batch has been routed (under _routing): waits and streams end."""
        self._finished = True
        counters = self._queue.counters()
        self._queue_drops = (counters.dropped, counters.frames_dropped)
        self._report_drops(time.monotonic())
        self._backlog.close()
        self._streams.end()

    def _thread_done(self) -> None:
        with self._lifetime:
            self._running -= 1
            free = self._running == 0 and self._close_requested and not self._queue_freed
            self._queue_freed |= free
        if free:
            self._queue.free()

    # ---- drain and close ------------------------------------------------------------------------

    def drain(self, timeout: float | None) -> None:
        """Wait until the handlers have run for every event received so far."""
        self._handlers.refuse_on_handler_thread("drain()")
        marker = Marker()
        with self._lifetime:  # the queue cannot be freed while the marker goes in
            marked = not self._queue_freed and not self._finished and self._queue.mark(marker)
        if not marked:
            return  # closed: close() already delivered what it could
        self._pending_markers.add(marker)
        if not marker.done.wait(timeout):
            raise TimeoutError(f"handlers were still busy after {timeout} s")

    def close(self, timeout: float | None) -> int:
        """Deliver what is queued within ``timeout`` s (None: no limit), then stop; call after the
        queue's close(). Returns how many events it gave up on (0 if everything went through).

        Past the timeout, delivery stops: what was not delivered is counted and logged. A handler
        still running then is left to finish on its own (a thread cannot be stopped from outside).
        """
        deadline = None if timeout is None else time.monotonic() + timeout

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        current = threading.current_thread()
        others = [worker for worker in self._workers if worker is not current]
        for worker in others:
            worker.join(left())
        late = [worker for worker in others if worker.is_alive()]
        given_up = 0
        if late:
            self._abandon = True
            self._handlers.abandon()
            self.discarded_at_close = self._queue.discard()
            given_up = self.discarded_at_close + self._handlers.waiting()
            for worker in late:
                worker.join(0.5)
            busy = any(worker.is_alive() for worker in late)
            log.warning(
                "%s: close() stopped delivery after %.1f s: %d event(s) were not delivered to handlers%s",
                self._name, timeout, given_up,
                "; a handler is still running and will finish on its own (no other handler runs after it)" if busy else "",
            )
        for marker in list(self._pending_markers):
            marker.done.set()  # nothing more will go through: release drain() callers
        with self._lifetime:
            self._close_requested = True
            free = self._running == 0 and not self._queue_freed
            self._queue_freed |= free
        if free:
            self._queue.free()
        return given_up
