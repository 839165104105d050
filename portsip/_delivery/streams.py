"""Async streams: ``async for event in lib.async_events(...)``, fed by the router, read on a loop.

All the streams of one instance share one budget (``max_pending_events``/``max_pending_bytes``):
what they hold together, read by nobody yet. When it is full, a new event is dropped for the
stream that could not take it (``stream.dropped``, ``stats["stream_dropped"]``), never waited for.

A stream is referred to weakly everywhere but by its reader: the set of open streams holds weak
references, and a wake-up scheduled on a loop carries a weak reference too. So a stream its user
dropped is collected at once, even when its loop never runs again, and its share of the budget is
returned then (by a finalizer that holds only the counts, not the stream).
"""

from __future__ import annotations

import asyncio
import collections
import sys
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Generic, Literal, TypeVar

from ..events import Event, MediaFrame
from .backlog import Backlog
from .budget import Budget, Limits

E_co = TypeVar("E_co", bound=Event, covariant=True)
Since = Literal["now", "backlog"]
_END = object()


class _Held:
    """What one stream holds of the shared budget (guarded by the StreamSet's lock)."""

    __slots__ = ("bytes", "events")

    def __init__(self) -> None:
        self.events = 0
        self.bytes = 0


def _wake_stream(stream_ref: weakref.ref[EventStream[Any]]) -> None:
    """On the stream's loop: wake its reader, if the stream still exists."""
    stream = stream_ref()
    if stream is not None:
        stream._wake()


class StreamSet:
    """The open async streams of one instance, and the budget they share."""

    def __init__(self, limits: Limits, backlog: Backlog) -> None:
        self._backlog = backlog
        # Guards the set, the budget and every stream's _Held. Reentrant: a stream whose loop has
        # closed is forgotten from within offer().
        self._lock = threading.RLock()
        self._budget = Budget(limits)
        self._open: dict[_Held, weakref.ref[EventStream[Any]]] = {}
        self._ended = False
        self.dropped = 0  # events streams dropped because the budget was full
        self.open_count = 0  # len(self._open), read by the router without the lock

    def open(self, event_types: tuple[type, ...], since: Since) -> EventStream[Any]:
        stream: EventStream[Any] = EventStream(self, event_types, asyncio.get_running_loop())
        with self._lock:
            # Registered first: the router looks at open_count without the lock, after adding a batch
            # to the backlog, so a batch it passes by (count 0) is already in the snapshot below.
            # Under the lock it cannot offer a batch meanwhile: what the backlog holds now is in the
            # snapshot, and later batches skip what the snapshot already had (by sequence).
            stream._skip_through = sys.maxsize if since == "backlog" else 0  # until the snapshot says
            self._open[stream._held] = stream._ref
            self.open_count = len(self._open)
            if since == "backlog":
                events, sizes, newest = self._backlog.snapshot(stream._types)
                stream._accept(events, sizes, self._budget)
                stream._skip_through = newest
            if self._ended:
                stream._buffer.append((_END, 0))
        stream._finalizer = weakref.finalize(stream, self._forget, stream._held)
        return stream

    def offer(self, items: list[object], sizes: list[int], first_sequence: int) -> None:
        """On the router: a batch, in arrival order; its first non-frame event has ``first_sequence``."""
        with self._lock:
            for stream_ref in list(self._open.values()):
                stream = stream_ref()
                if stream is not None:
                    stream._offer(items, sizes, first_sequence, self)

    def end(self) -> None:
        """No more events will come: every stream ends once its reader took what it holds."""
        with self._lock:
            self._ended = True
            streams = [ref() for ref in self._open.values()]
        for stream in streams:
            if stream is not None:
                stream._buffer.append((_END, 0))
                stream._schedule_wake()

    def _release(self, held: _Held, size: int) -> None:
        with self._lock:
            held.events -= 1
            held.bytes -= size
            self._budget.release(1, size)

    def _forget(self, held: _Held) -> None:
        """A stream was closed or collected: its share of the budget comes back."""
        with self._lock:
            self._open.pop(held, None)
            self.open_count = len(self._open)
            self._budget.release(held.events, held.bytes)
            held.events = held.bytes = 0


class EventStream(Generic[E_co]):
    """``async for event in lib.async_events(...)``: events as they arrive, on your event loop.

    Made by :meth:`portsip.PortSIPLib.async_events`, never by hand. It starts with the events that
    arrive after it was made (``since="now"``), or with those the ``wait_for`` backlog still holds
    (``since="backlog"``: nothing that came before is missed; the backlog keeps them for
    ``wait_for`` too). It ends (StopAsyncIteration) when the PortSIPLib closes. Also an async
    context manager that closes it on exit; a stream that is dropped unconsumed is closed by
    garbage collection, whether its loop runs or not. The streams of an instance hold at most
    ``max_pending_events``/``max_pending_bytes`` together; an event that arrives while that is full
    is dropped for this stream and counted in :attr:`dropped`.
    """

    def __init__(self, streams: StreamSet, event_types: tuple[type, ...], loop: asyncio.AbstractEventLoop) -> None:
        self._set = streams
        self._types: tuple[type, ...] = event_types or (Event,)
        self._frames = any(issubclass(t, MediaFrame) for t in self._types)  # asked for media frames
        self._loop = loop
        self._ref = weakref.ref(self)
        self._held = _Held()
        self._buffer: collections.deque[tuple[object, int]] = collections.deque()
        self._skip_through = 0  # since="backlog": events up to this sequence were in the snapshot
        self._wakeup_scheduled = False
        self._waiter: asyncio.Future[None] | None = None
        self._done = False
        self._finalizer: weakref.finalize[Any, Any] | None = None
        #: Events this stream dropped because the streams' shared budget was full.
        self.dropped = 0

    # ---- the router's side (under the StreamSet's lock) ---------------------------------------

    def _offer(self, items: list[object], sizes: list[int], first_sequence: int, streams: StreamSet) -> None:
        wanted, frames = self._types, self._frames
        skipping = self._skip_through >= first_sequence
        sequence = first_sequence
        accepted_events: list[object] = []
        accepted_sizes: list[int] = []
        for item, size in zip(items, sizes, strict=True):
            frame = isinstance(item, MediaFrame)
            if skipping and isinstance(item, Event) and not frame:
                sequence += 1
                if sequence - 1 <= self._skip_through:
                    continue  # already in this stream from the backlog's snapshot
            if isinstance(item, wanted) and (frames or not frame):
                accepted_events.append(item)
                accepted_sizes.append(size)
        if accepted_events:
            self._accept(accepted_events, accepted_sizes, streams._budget)

    def _accept(self, items: Iterable[object], sizes: Iterable[int], budget: Budget) -> None:
        held, added = self._held, False
        for item, size in zip(items, sizes, strict=True):
            if budget.admit(size, isinstance(item, MediaFrame)):
                self._buffer.append((item, size))
                held.events += 1
                held.bytes += size
                added = True
            else:
                self.dropped += 1
                self._set.dropped += 1
        if added:
            self._schedule_wake()

    def _schedule_wake(self) -> None:
        if self._wakeup_scheduled:
            return  # a wake-up is on its way and will see these items too
        self._wakeup_scheduled = True
        try:
            self._loop.call_soon_threadsafe(_wake_stream, self._ref)
        except RuntimeError:  # the loop is closed: nobody will read this stream any more
            self._close_now()

    # ---- the loop's side ----------------------------------------------------------------------

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
                    self._close_now()
                    raise StopAsyncIteration
                self._set._release(self._held, size)
                return item  # type: ignore[return-value]
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _close_now(self) -> None:
        self._done = True
        self._buffer.clear()
        if self._finalizer is not None:
            self._finalizer()  # once: leaves the set and returns the budget

    async def aclose(self) -> None:
        """Stop the stream: it gets no more events, and what it holds is dropped."""
        self._close_now()

    async def __aenter__(self) -> EventStream[E_co]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
