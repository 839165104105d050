"""The handlers of one instance (``on``/``attach``): who wants which event, and running them in order.

Handlers run on the binding's delivery threads, never the SDK's: in arrival order, one at a time.
The router hands each batch to :meth:`HandlerRunner.offer`, which queues what some handler wants
and tells the router whether it should run the queue itself (nobody else is running it). A
delivery thread that runs handlers first gives up the routing role, so the other delivery thread
goes on taking events for ``wait_for`` and the streams meanwhile: a slow handler delays only later
handlers. When no handler is busy, an event goes from the SDK's thread to its handler with one
thread hop.

What waits for handlers is bounded (:class:`~portsip._delivery.budget.Budget`): when handlers fall
behind by ``max_pending_events``/``max_pending_bytes``, new events are dropped for the handlers only
(``stats["handler_dropped"]``); ``wait_for`` and the streams still get them.
"""

from __future__ import annotations

import collections
import collections.abc
import inspect
import threading
from collections.abc import Callable
from typing import Any

from ..errors import InvalidStateError
from ..events import EVENT_TYPES, FRAME_TYPES, MediaFrame
from .budget import Budget, Limits
from .failures import ErrorLog

Handler = Callable[[Any], object]
#: The handlers' budget is returned every this many events: a lock per batch of handled events,
#: not per event, while what is held stays within a few events of the bound.
_RELEASE_EVERY = 64


class Marker:
    """Queued by drain() behind every event received so far; set once they all went through."""

    __slots__ = ("__weakref__", "done")

    def __init__(self) -> None:
        self.done = threading.Event()


def refuse_coroutine_function(handler: object, what: str) -> None:
    """TypeError for an ``async def`` handler: nothing would ever await the coroutine it returns."""
    call = getattr(handler, "__call__", None)  # noqa: B004  # a callable object's async __call__ too
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call):
        raise TypeError(
            f"{what} is a coroutine function: handlers run on the binding's thread, where nothing would await it. "
            "In asyncio, use `async for event in lib.async_events(...)` or `await lib.wait_for_async(...)` instead"
        )


class HandlerRunner:
    """The handler table of one instance and the bounded queue of what its handlers still have to get."""

    def __init__(self, limits: Limits, errors: ErrorLog) -> None:
        self._errors = errors
        self._changes = threading.Lock()  # guards registration (not the hot path)
        self._registrations: dict[type, list[tuple[Handler, object]]] = {}
        #: concrete event class -> its handlers, base-class handlers included; replaced, never mutated
        self.table: dict[type, tuple[Handler, ...]] = {}
        self._lock = threading.Lock()  # guards the queue, the budget and the running flag
        self._queue: collections.deque[tuple[object, int]] = collections.deque()
        self._budget = Budget(limits)
        self._running = False  # a delivery thread is running handlers
        self._current: list[tuple[object, int]] = []  # the batch it is running ...
        self._position = 0  # ... and the index of the item it is at
        self._abandon = False  # close() ran out of time: run no more handlers
        self._runner = 0  # the ident of the thread inside run(), or 0
        # Counters; each written under _lock, or by the thread running handlers.
        self.handled = 0  # events and frames every handler of its type was called for
        self.dropped = 0  # refused because handlers were behind by the whole budget
        self.abandoned = 0  # not handled because close() gave up (waiting or skipped)

    # ---- registration -------------------------------------------------------------------------

    def add(self, event_type: type, handler: Handler, owner: object = None) -> None:
        with self._changes:
            self._registrations.setdefault(event_type, []).append((handler, owner))
            self._rebuild_table()

    def remove(self, event_type: type | None, handler: Handler | None, owner: object = None) -> int:
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
        # In registration order of the classes in each event's MRO: most specific first. Media
        # frames go only to handlers asked for frames: their MRO is cut below MediaFrame, so a
        # catch-all on Event does not get hundreds of frames a second.
        table: dict[type, tuple[Handler, ...]] = {}
        for event_type in (*EVENT_TYPES, *FRAME_TYPES):
            classes = event_type.__mro__
            if issubclass(event_type, MediaFrame):
                classes = classes[: classes.index(MediaFrame) + 1]
            handlers = tuple(h for klass in classes for h, _ in self._registrations.get(klass, ()))
            if handlers:
                table[event_type] = handlers
        self.table = table

    # ---- the router's side --------------------------------------------------------------------

    def offer(self, items: list[object], sizes: list[int], only_events: bool) -> bool:
        """Queue the batch's items some handler wants, and drain() markers. True: nobody is running
        the queue, and the caller (a delivery thread) now must, with :meth:`run`."""
        table = self.table
        if only_events and table.keys() >= set(map(type, items)):
            wanted: list[tuple[object, int]] | None = None  # every item: no filtering, no frames
        else:
            wanted = [(item, size) for item, size in zip(items, sizes, strict=True) if type(item) in table or type(item) is Marker]
            if not wanted:
                return False
        with self._lock:
            if wanted is None and self._budget.admit_events(len(items), sum(sizes)):
                self._queue.extend(zip(items, sizes, strict=True))  # all of it fits: one step
            else:
                self._admit_each(zip(items, sizes, strict=True) if wanted is None else wanted)
            if self._running or not self._queue:
                return False
            self._running = True
            return True

    def _admit_each(self, entries: collections.abc.Iterable[tuple[object, int]]) -> None:
        queue, budget = self._queue, self._budget
        for item, size in entries:
            if type(item) is Marker:
                if self._running or queue:
                    queue.append((item, 0))
                else:
                    item.done.set()  # every event before it has been handled
            elif budget.admit(size, isinstance(item, MediaFrame)):
                queue.append((item, size))
            else:
                self.dropped += 1

    # ---- running handlers ---------------------------------------------------------------------

    def run(self) -> None:
        """Call the handlers for everything queued, oldest first, until the queue is empty."""
        self._runner = threading.get_ident()
        try:
            while True:
                with self._lock:
                    if not self._queue or self._abandon:
                        if self._abandon:
                            self._drop_queue_locked()
                        self._running = False
                        return
                    batch = list(self._queue)
                    self._queue.clear()
                self._run_batch(batch)
        finally:
            self._runner = 0

    def _run_batch(self, batch: list[tuple[object, int]]) -> None:
        errors, budget = self._errors, self._budget
        self._current = batch
        done_events = done_bytes = 0  # handled and not yet returned to the budget
        for position, (item, size) in enumerate(batch):
            self._position = position
            if self._abandon:  # close() gave up: what this thread holds is not delivered either
                with self._lock:
                    self.abandoned += _events_in(batch[position:])
                break
            if type(item) is Marker:
                item.done.set()
                continue
            for handler in self.table.get(type(item), ()):
                try:
                    handler(item)
                except BaseException as exc:  # a handler must never stop later events
                    errors.record(exc, f"handler {handler!r} raised on {type(item).__name__}")
            self.handled += 1
            done_events += 1
            done_bytes += size
            if done_events == _RELEASE_EVERY:
                with self._lock:
                    budget.release(done_events, done_bytes)
                done_events = done_bytes = 0
        with self._lock:
            budget.release(done_events, done_bytes)
            if self._abandon:  # what was skipped leaves the budget too
                budget.clear()
            self._current = []

    def on_handler_thread(self) -> bool:
        """Whether the calling thread is running this instance's handlers right now."""
        return self._runner == threading.get_ident()

    def refuse_on_handler_thread(self, what: str) -> None:
        if self.on_handler_thread():
            raise InvalidStateError(
                f"{what} called from an event handler: the handler would wait for events that only come after it "
                "returns; use a handler for the awaited event instead"
            )

    # ---- shutdown -----------------------------------------------------------------------------

    def waiting(self) -> int:
        """Events and frames that handlers have not got yet: queued, or behind the one being handled."""
        with self._lock:
            return _events_in(self._queue) + _events_in(self._current[self._position + 1 :])

    def abandon(self) -> None:
        """Run no more handlers (close() ran out of time). What is queued is counted as abandoned
        by the thread running handlers when it sees this, or here if none is."""
        with self._lock:
            self._abandon = True
            if not self._running:
                self._drop_queue_locked()

    def _drop_queue_locked(self) -> None:
        """What is still queued will not be handled (empty unless close() gave up)."""
        self.abandoned += _events_in(self._queue)
        self._queue.clear()
        if self._abandon:
            self._budget.clear()


def _events_in(entries: collections.abc.Iterable[tuple[object, int]]) -> int:
    """How many of the (item, size) entries are events or frames (drain markers aside)."""
    return sum(1 for item, _ in entries if type(item) is not Marker)
