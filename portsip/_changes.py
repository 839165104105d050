"""Waiting for a state to change, blocking or in asyncio, and a timer thread: what Roster and Chat share.

State lives behind a :class:`Waiters` lock; whoever changes it (the binding's handler thread,
mostly) calls :meth:`Waiters.changed`, which wakes blocked threads and resolves asyncio futures
through ``loop.call_soon_threadsafe`` (never by blocking a loop). :class:`Timers` runs delayed
work (re-subscriptions, typing timeouts) on one thread per owner; it also notices when the
owner's PortSIPLib has closed, so that nothing waits for a dead instance past a second.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from . import _args

T = TypeVar("T")
log = logging.getLogger("portsip")

#: How often a timer thread looks whether its PortSIPLib has closed.
LIFETIME_CHECK = 0.5


def check_timeout(timeout: float) -> float:
    """A wait's timeout: a finite number of seconds (a wait for a peer that may never answer must end)."""
    if timeout is None:
        raise TypeError("timeout must be a number of seconds: these waits depend on a peer, which may never answer")
    return _args.seconds("timeout", timeout)


def call_each(callbacks: list[Callable[[T], object]], items: list[T]) -> None:
    """Call every callback with every item, in order, even when one raises; then raise the first
    exception (in a handler, the binding records it for ``check_errors``)."""
    first: Exception | None = None
    for item in items:
        for callback in callbacks:
            try:
                callback(item)
            except Exception as exc:
                first = first or exc
    if first is not None:
        raise first


class Waiters:
    """A lock for some state, and the threads and asyncio tasks waiting for it to change."""

    def __init__(self) -> None:
        self.lock = threading.Condition(threading.RLock())
        self._futures: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def changed(self) -> None:
        """Wake every waiter to look at the state again (call without holding the lock, or with it)."""
        with self.lock:
            self.lock.notify_all()
            futures, self._futures = self._futures, []
        for loop, future in futures:
            try:
                loop.call_soon_threadsafe(_finish, future)
            except RuntimeError:  # that loop is closed: nobody waits there any more
                pass

    def wait(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Block until ``check()`` (run under the lock) returns something other than None, and
        return it; ``check`` may raise instead. TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{what}: not within {timeout:g} s")
                self.lock.wait(remaining)

    async def wait_async(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """:meth:`wait` in asyncio: the loop never blocks (woken by call_soon_threadsafe)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            future: asyncio.Future[None] = loop.create_future()
            with self.lock:  # registered before looking: a change right after the look wakes it
                result = check()
                if result is not None:
                    return result
                self._futures.append((loop, future))
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(future, remaining)
            except (TimeoutError, asyncio.TimeoutError):
                raise TimeoutError(f"{what}: not within {timeout:g} s") from None
            finally:
                with self.lock:
                    if (loop, future) in self._futures:
                        self._futures.remove((loop, future))


def _finish(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Timers:
    """Calls at given times, on one daemon thread started with the first call and ended by :meth:`close`.

    ``lib_closed()`` is asked every :data:`LIFETIME_CHECK` seconds; once it says True,
    ``on_lib_closed()`` runs (on this thread) and the timers end.
    """

    def __init__(self, name: str, lib_closed: Callable[[], bool], on_lib_closed: Callable[[], None]) -> None:
        self._name = name
        self._lib_closed = lib_closed
        self._on_lib_closed = on_lib_closed
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._serial = itertools.count()
        self._cancelled: set[int] = set()
        self._closed = False
        self._thread: threading.Thread | None = None

    def call_later(self, delay: float, fn: Callable[[], None]) -> int:
        """Run ``fn()`` in ``delay`` seconds; returns a handle for :meth:`cancel`."""
        with self._cond:
            handle = next(self._serial)
            if self._closed:
                return handle
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), handle, fn))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()
            return handle

    def start(self) -> None:
        """Start the thread now (to watch the PortSIPLib's lifetime even with nothing scheduled)."""
        with self._cond:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def cancel(self, handle: int | None) -> None:
        if handle is None:
            return
        with self._cond:
            if any(entry[1] == handle for entry in self._heap):
                self._cancelled.add(handle)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cancelled.clear()
            self._cond.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        _, handle, fn = heapq.heappop(self._heap)
                        if handle in self._cancelled:
                            self._cancelled.discard(handle)
                            continue
                        break
                    wait = LIFETIME_CHECK if not self._heap else min(LIFETIME_CHECK, self._heap[0][0] - now)
                    self._cond.wait(wait)
                    if self._lib_closed():
                        fn = self._on_lib_closed
                        self._closed = True
                        self._heap.clear()
                        break
            try:
                fn()
            except Exception:  # one failing timer must not end the others
                log.exception("%s: a timer failed", self._name)
