"""The backlog: what ``wait_for`` and ``wait_for_async`` can still return.

The rule: a wait returns the oldest matching event *not returned before*, including events that
arrived before the call, so "act, then wait for the outcome" never races. Every routed event (media
frames aside) is kept until a wait returns it, but at most ``backlog_seconds``, within
``backlog_events`` and ``backlog_bytes`` (the oldest are evicted first). A handler or a stream seeing
an event does not take it from the backlog.

Events are numbered in arrival order (their *sequence*). The backlog is a deque with the oldest
kept event first; an event returned from the middle leaves a hole (None) that is dropped once it
reaches the front, so the sequence of the entry at index i is always ``first + i``. A wait
remembers the newest sequence it has looked at, so it only looks at newer events afterwards, and
a predicate (user code) runs without any lock held.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ClosedError
from ..events import Event
from .budget import Limits

#: One kept event: the event, its size, and when it was routed (time.monotonic()).
Entry = tuple[Event, int, float]
Predicate = Callable[[Any], bool] | None


class _AsyncWaiter:
    """One wait_for_async: woken (on its loop) whenever events are added or the backlog closes."""

    __slots__ = ("future", "loop", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self.scheduled = False  # a wake-up is on its way to the loop

    def arm(self) -> None:
        if self.future.done():
            self.future = self.loop.create_future()

    def wake(self) -> None:
        """From any thread."""
        if self.scheduled:
            return  # the wake-up on its way will see what was added too
        self.scheduled = True
        try:
            self.loop.call_soon_threadsafe(self._fire)
        except RuntimeError:  # the loop is closed: its waiter is gone with it
            pass

    def _fire(self) -> None:
        self.scheduled = False
        if not self.future.done():
            self.future.set_result(None)


class Backlog:
    """The ``wait_for`` backlog of one instance (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._lock = threading.Lock()  # guards everything below
        self._cond = threading.Condition(self._lock)  # what sync waits wait on
        self._entries: collections.deque[Entry | None] = collections.deque()
        self._first = 1  # the sequence of _entries[0]
        self._newest = 0  # the sequence of the newest event ever added
        self._bytes = 0
        self._held = 0  # entries that are not holes
        self._sync_waiters = 0
        self._async_waiters: set[_AsyncWaiter] = set()
        self._closed = False
        self.delivered = 0  # events added
        self.returned = 0  # returned by a wait
        self.evicted = 0  # left unreturned: too old, or beyond the bounds

    # ---- the router's side --------------------------------------------------------------------

    def add(self, events: list[Event], sizes: list[int], now: float) -> int:
        """Keep a batch's events; returns the sequence of the first one."""
        first = self._newest + 1
        if not events:
            return first
        with self._lock:
            self._entries.extend(zip(events, sizes, itertools.repeat(now)))
            self._bytes += sum(sizes)
            count = len(events)
            self._held += count
            self._newest += count
            self.delivered += count
            if self._held > self._limits.backlog_events or self._bytes > self._limits.backlog_bytes:
                self._trim()
            if self._sync_waiters:
                self._cond.notify_all()
            async_waiters = tuple(self._async_waiters) if self._async_waiters else ()
        for waiter in async_waiters:
            waiter.wake()
        return first

    def _trim(self) -> None:
        # The oldest go first; the newest event stays even when it alone is over the bounds (the
        # budget's rule: an event bigger than the whole budget passes when nothing else is held).
        limits = self._limits
        while self._held > 1 and (self._held > limits.backlog_events or self._bytes > limits.backlog_bytes):
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        entry = self._entries.popleft()
        self._first += 1
        assert entry is not None  # holes never stay at the front
        self._bytes -= entry[1]
        self._held -= 1
        self.evicted += 1
        self._drop_leading_holes()

    def _drop_leading_holes(self) -> None:
        entries = self._entries
        while entries and entries[0] is None:
            entries.popleft()
            self._first += 1

    def expire(self, now: float) -> None:
        """Evict what is older than ``backlog_seconds``."""
        if not self._held:
            return
        oldest_allowed = now - self._limits.backlog_seconds
        with self._lock:
            entries = self._entries
            while entries and entries[0][2] < oldest_allowed:  # type: ignore[index]  # the front is never a hole
                self._evict_oldest()

    def close(self) -> None:
        """No more events will come: waits that find nothing end with ClosedError."""
        with self._lock:
            self._closed = True
            self._cond.notify_all()
            async_waiters = tuple(self._async_waiters)
        for waiter in async_waiters:
            waiter.wake()

    # ---- the waits ----------------------------------------------------------------------------

    def _find(self, types: tuple[type, ...], predicate: Predicate, seen: int) -> tuple[Event | None, int, bool]:
        """(the oldest matching event newer than sequence ``seen``, taken; or None), the newest
        sequence looked at, and whether the backlog is closed."""
        with self._lock:
            newest, closed = self._newest, self._closed
            start = max(seen + 1 - self._first, 0)
            entries = self._entries
            if predicate is None:  # no user code to run: take the first match under the lock
                for index, entry in enumerate(itertools.islice(entries, start, None), start):
                    if entry is not None and isinstance(entry[0], types):
                        self._take(index, entry)
                        return entry[0], newest, closed
                return None, newest, closed
            candidates = [
                (self._first + index, entry)
                for index, entry in enumerate(itertools.islice(entries, start, None), start)
                if entry is not None and isinstance(entry[0], types)
            ]
        for sequence, entry in candidates:
            if predicate(entry[0]):
                with self._lock:
                    index = sequence - self._first
                    if index >= 0 and self._entries[index] is entry:
                        self._take(index, entry)
                        return entry[0], newest, closed
                # another wait took it, or it was evicted meanwhile: keep looking
        return None, newest, closed

    def _take(self, index: int, entry: Entry) -> None:
        self._entries[index] = None
        self._bytes -= entry[1]
        self._held -= 1
        self.returned += 1
        self._drop_leading_holes()

    def wait(self, types: tuple[type, ...], timeout: float | None, predicate: Predicate) -> Any:
        """The oldest matching event not returned before, waiting up to ``timeout`` s (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = 0
        with self._lock:
            self._sync_waiters += 1
        try:
            while True:
                event, seen, closed = self._find(types, predicate, seen)
                if event is not None:
                    return event
                if closed:
                    raise _closed(types)
                with self._lock:
                    while self._newest == seen and not self._closed:
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            raise _timed_out(types, timeout)
                        self._cond.wait(remaining)
        finally:
            with self._lock:
                self._sync_waiters -= 1

    async def wait_async(self, types: tuple[type, ...], timeout: float | None, predicate: Predicate) -> Any:
        """:meth:`wait` for asyncio: the same rule, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        waiter = _AsyncWaiter(loop)
        seen = 0
        with self._lock:
            self._async_waiters.add(waiter)
        try:
            while True:
                waiter.arm()  # before looking: an add from now on wakes this future
                event, seen, closed = self._find(types, predicate, seen)
                if event is not None:
                    return event
                if closed:
                    raise _closed(types)
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    raise _timed_out(types, timeout)
                await asyncio.wait((waiter.future,), timeout=remaining)
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    # ---- for streams and stats ----------------------------------------------------------------

    def snapshot(self, types: tuple[type, ...]) -> tuple[list[Event], list[int], int]:
        """The kept events of ``types`` (oldest first), their sizes, and the newest sequence so far."""
        with self._lock:
            kept = [entry for entry in self._entries if entry is not None and isinstance(entry[0], types)]
            return [entry[0] for entry in kept], [entry[1] for entry in kept], self._newest

    def counts(self) -> tuple[int, int, int, int]:
        """(delivered, returned, evicted, held): one consistent reading, so that delivered ==
        returned + evicted + held holds at any moment."""
        with self._lock:
            return self.delivered, self.returned, self.evicted, self._held


def _names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def _closed(types: tuple[type, ...]) -> ClosedError:
    return ClosedError(f"the PortSIPLib was closed while waiting for {_names(types)}")


def _timed_out(types: tuple[type, ...], timeout: float | None) -> TimeoutError:
    return TimeoutError(f"no {_names(types)} event matched within {timeout} s")
