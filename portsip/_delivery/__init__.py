"""How the SDK's events reach Python code: the event wing of one PortSIPLib, one job per room.

::

    SDK thread --C handler--> EventQueue (native.py, in C) --batch--> Router (router.py)
                                                                        |-> ReceiptBook (portsip._receipts)
                                                                        |-> Backlog (backlog.py): wait_for, wait_for_async
                                                                        |-> StreamSet (streams.py): async_events
                                                                        '-> HandlerRunner (handlers.py): on, attach

* ``native.py``: the only way SDK callbacks enter the binding. C handlers copy each event into the
  instance's bounded queue and return; the SDK's thread never takes the GIL.
* ``router.py``: the delivery threads. One takes a batch (waiting in C with the GIL released), turns
  its records into typed events and hands them to the consumers, in the order its ``_route`` reads.
* ``backlog.py``: what ``wait_for``/``wait_for_async`` can still return.
* ``streams.py``: the async streams and the budget they share.
* ``handlers.py``: the handler table and the queue of what handlers still have to get.
* ``budget.py``: the bounds, and the one admission rule of every bounded stage.
* ``failures.py``: exceptions of handlers and of building events, kept for ``check_errors()``.

RELIABILITY.md states the guarantees; PERFORMANCE.md measures the path.
"""

from __future__ import annotations

from .._receipts import ReceiptBook
from .backlog import Backlog
from .budget import Limits
from .failures import ErrorLog
from .handlers import HandlerRunner
from .native import EventQueue, events_library
from .router import Router
from .streams import EventStream, StreamSet

__all__ = ["Delivery", "EventStream", "Limits"]


class Delivery:
    """The event wing of one instance: its native queue and the stages a batch goes through."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.limits = limits
        self.queue = EventQueue(events_library(), limits.max_pending_events, limits.max_pending_bytes)
        self.errors = ErrorLog()
        self.handlers = HandlerRunner(limits, self.errors)
        self.receipts = ReceiptBook(name, self.handlers.refuse_on_handler_thread)
        self.backlog = Backlog(limits)
        self.streams = StreamSet(limits, self.backlog)
        self.router = Router(name, self.queue, limits, self.receipts, self.backlog, self.streams, self.handlers, self.errors)

    def close(self, timeout: float | None) -> None:
        """After the queue's close(): deliver what was received within ``timeout`` s, then stop."""
        try:
            self.router.close(timeout)
        finally:
            self.receipts.close()  # after the last outcome was delivered: the rest never comes

    def stats(self) -> dict[str, int]:
        queue = self.queue.counters()
        delivered, returned, evicted, held = self.backlog.counts()
        handlers = self.handlers
        return {
            "events_received": queue.received,
            "dropped_events": queue.dropped,
            "events_queued": queue.queued_events,
            "events_discarded": queue.discarded,
            "events_delivered": delivered,
            "backlog_returned": returned,
            "backlog_evicted": evicted,
            "backlog_events": held,
            "events_handled": handlers.handled,
            "handler_dropped": handlers.dropped,
            "events_pending": queue.queued_events + queue.frames_queued + handlers.waiting(),
            "stream_dropped": self.streams.dropped,
            "handler_errors": self.errors.count,
            "undelivered_at_close": queue.discarded + handlers.abandoned,
            "frames_received": queue.frames_received,
            "frames_dropped": queue.frames_dropped,
            "frames_delivered": self.router.frames_delivered,
        }
