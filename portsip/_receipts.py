"""Receipts: the outcome of a send as one object, correlated without racing the send's return.

A send returns the vendor's id; its outcome arrives later as an event carrying that id
(``SendOutOfDialogMessageSuccess``/``Failure``, ...). The SDK may fire that event while our thread
is still on its way back from C, so the event can reach the binding *before* the caller knows
the id. :class:`ReceiptBook` correlates on a delivery thread without that race:

1. the send takes a *ticket*: a receipt-send is in flight;
2. it makes the C call and gets the id;
3. under the book's lock it looks among the *early* outcomes (those that arrived while it was in
   flight) for its key, and otherwise registers the receipt as pending.

The router hands every batch to :meth:`ReceiptBook.offer` first: it resolves the pending
receipts with the event's key, and while any ticket is out it also keeps the event as early,
tagged with the newest ticket issued (only sends holding a ticket up to that one were in flight
when it arrived). An early outcome is forgotten once every ticket up to its tag is back: the early
outcomes are only those that arrived while a send still in flight was being made, and with no send
in flight there are none (outcomes of sends made without a receipt are not kept).

Bounds: a receipt leaves the book when its outcome arrives, when its ``timeout`` passes (it then
fails with TimeoutError; a timer thread, running while receipts are pending, enforces this even
when nobody waits) or when the instance closes (ClosedError). The book keeps strong references:
a receipt the caller dropped still resolves and leaves, as surely as one that is awaited. The
deadline heap is compacted to at most twice the pending receipts (plus a few).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import heapq
import itertools
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from . import _args
from .errors import ClosedError, InvalidStateError, SendFailedError
from .events import (
    Event,
    PresenceOffline,
    PresenceOnline,
    SendMessageFailure,
    SendMessageSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)

__all__ = ["Receipt", "ReceiptBook", "DEFAULT_RECEIPT_TIMEOUT", "contact"]

T = TypeVar("T", bound=Event)
T_co = TypeVar("T_co", bound=Event, covariant=True)

#: How long a receipt waits for its outcome by default: longer than SIP's 32 s transaction timeout
#: (Timer F), after which the SDK reports a 408 failure itself.
DEFAULT_RECEIPT_TIMEOUT = 60.0
#: The longest receipt timeout accepted (a day): every receipt ends.
MAX_RECEIPT_TIMEOUT = 86_400.0
_TIMER_LINGER = 5.0  # seconds the timer thread waits for new receipts before it ends
_COMPACT_SLACK = 64  # stale deadline entries tolerated beyond twice the pending receipts


def contact(uri: str) -> tuple[str, str]:
    """The (user, host) a SIP address names: display name, scheme, password, port, parameters and
    headers dropped, the host in lower case. ``"Bob" <sip:bob@Example.com:5060;transport=udp>`` and
    ``bob@example.com`` both give ``("bob", "example.com")``; ``bob`` gives ``("bob", "")``."""
    opening = uri.find("<")
    if opening >= 0:
        closing = uri.find(">", opening)
        uri = uri[opening + 1 : closing if closing >= 0 else len(uri)]
    uri = uri.strip()
    uri = re.sub(r"^sips?:", "", uri, flags=re.IGNORECASE)
    uri = re.split(r"[;?]", uri, maxsplit=1)[0]
    user, at, host = uri.rpartition("@")
    if not at:
        user, host = host, ""
    user = user.split(":", 1)[0]
    host = host[: host.find("]") + 1] if host.startswith("[") and "]" in host else host.split(":", 1)[0]
    return user, host.lower()


def _same_place(a: str, b: str) -> bool:
    """Details of a key match when equal or when either is empty (a contact named without a domain)."""
    return a == b or not a or not b


@dataclass(frozen=True, eq=False)
class Outcomes(Generic[T]):
    """A kind of send and the events that tell its outcome."""

    what: str  # how messages name a send of this kind
    function: str  # the vendor's function, for SendFailedError.function
    successes: tuple[type[T], ...]
    failure: type[Event] | None
    #: An outcome event's (key, detail): it resolves the pending receipts with that key whose
    #: detail matches (see _same_place).
    key_of: Callable[[Any], tuple[Hashable, str]]


OUT_OF_DIALOG_MESSAGE = Outcomes[SendOutOfDialogMessageSuccess](
    "message", "PortSIP_sendOutOfDialogMessage", (SendOutOfDialogMessageSuccess,), SendOutOfDialogMessageFailure,
    lambda event: (event.message_id, ""),
)
IN_DIALOG_MESSAGE = Outcomes[SendMessageSuccess](
    "in-dialog message", "PortSIP_sendMessage", (SendMessageSuccess,), SendMessageFailure,
    lambda event: ((event.session_id, event.message_id), ""),
)
#: v17.1 has no success or failure event for a SUBSCRIBE: the contact's first reported state is
#: the outcome (the stub reports an unreachable contact as offline).
PRESENCE = Outcomes[PresenceOnline | PresenceOffline](
    "presence subscription", "PortSIP_presenceSubscribe", (PresenceOnline, PresenceOffline), None,
    lambda event: contact(event.from_uri),
)

#: event class -> (its kind, whether it tells a failure)
_KINDS: dict[type[Event], tuple[Outcomes[Any], bool]] = {}
for _kind in (OUT_OF_DIALOG_MESSAGE, IN_DIALOG_MESSAGE, PRESENCE):
    _KINDS.update({success: (_kind, False) for success in _kind.successes})
    if _kind.failure is not None:
        _KINDS[_kind.failure] = (_kind, True)

_Key = tuple[Outcomes[Any], Hashable]
_LoopWaiter = tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]
#: What resolving a receipt leaves to do outside the lock: its blocked thread and asyncio waiters.
_Wakeup = tuple[threading.Event | None, list[_LoopWaiter] | None]


class Receipt(Generic[T_co]):
    """The outcome of one send: the success event, or an exception. Made by the ``*_with_receipt``
    sends and :meth:`~portsip.PortSIPLib.send_text`; never made by hand.

    :attr:`id` is the id the plain send returns (message id, subscribe id). The receipt resolves
    from the send's outcome event even when that event arrived before the send returned, and it
    ends in every case: with the success event, with :class:`~portsip.SendFailedError` (the SIP
    code and reason of the failure event), with TimeoutError once the send's ``timeout`` has
    passed without an outcome, or with :class:`~portsip.ClosedError` when the instance closes.

    * ``receipt.result(timeout=None)`` blocks until then (at most ``timeout`` seconds if given:
      TimeoutError, and the receipt stays pending) and returns the event or raises;
    * ``await receipt`` does the same in asyncio, from any event loop and thread, without
      blocking the loop (``asyncio.wait_for(receipt, 5)`` and ``asyncio.gather`` work);
    * ``done()`` says whether it has ended.
    """

    __slots__ = ("_book", "_detail", "_done", "_error", "_event", "_key", "_kind", "_loops", "_timeout", "_waker", "id")

    def __init__(self, book: ReceiptBook, kind: Outcomes[Any], sent_id: int, key: Hashable, detail: str, timeout: float) -> None:
        #: The vendor's id of the send (what the plain send returns).
        self.id = sent_id
        self._book = book
        self._kind = kind
        self._key: _Key = (kind, key)
        self._detail = detail
        self._timeout = timeout
        self._done = False  # set once, under the book's lock, with _event or _error
        self._event: Event | None = None  # the success event
        # Makes the exception to raise: a new one each time, so that no traceback (holding the
        # caller's frames, which may hold this receipt) stays attached to the receipt.
        self._error: Callable[[], BaseException] | None = None
        self._waker: threading.Event | None = None  # made when a thread blocks in result()
        self._loops: list[_LoopWaiter] | None = None  # asyncio futures awaiting it

    def done(self) -> bool:
        """True once the outcome (or a timeout, or the instance's close) has ended the receipt."""
        return self._done

    def result(self, timeout: float | None = None) -> T_co:
        """The success event, waiting for it; raises what ended the receipt otherwise.

        Raises :class:`~portsip.SendFailedError` when the SDK reported a failure, TimeoutError when
        the send's ``timeout`` passed without an outcome, :class:`~portsip.ClosedError` when the
        instance closed first. ``timeout`` bounds this wait only (None: until the receipt ends,
        which its send's timeout bounds); past it, TimeoutError and the receipt stays pending.
        A blocking wait is refused in an event handler, like ``wait_for``.
        """
        limit = _args.timeout("timeout", timeout)
        if not self._done:
            self._book._check_can_wait("Receipt.result()", blocking=True)
            waker = self._book._waker_for(self)
            if waker is not None and not waker.wait(limit):
                raise TimeoutError(f"no outcome of {self._kind.what} {self.id} within {timeout} s; the receipt is still pending")
        return self._take()

    def __await__(self) -> Generator[Any, None, T_co]:
        if not self._done:
            self._book._check_can_wait("await receipt", blocking=False)
            loop = asyncio.get_running_loop()
            waiter: _LoopWaiter = (loop, loop.create_future())
            if self._book._await_in(self, waiter):
                try:
                    yield from waiter[1].__await__()
                finally:  # also when cancelled: the receipt stays pending for other waiters
                    self._book._stop_awaiting(self, waiter)
        return self._take()

    def _take(self) -> T_co:
        if self._error is not None:
            raise self._error()
        return self._event  # type: ignore[return-value]

    def __repr__(self) -> str:
        if not self._done:
            state = "pending"
        elif self._error is not None:
            error = self._error()
            state = f"failed: {type(error).__name__}: {error}"
        else:
            state = f"succeeded: {type(self._event).__name__}"
        return f"<Receipt of {self._kind.what} {self.id} {state}>"


#: What ends a receipt: its success event, or what makes the exception it raises.
_Outcome = Event | Callable[[], BaseException]


def _outcome_of(receipt: Receipt[Any], event: Event, failed: bool) -> _Outcome:
    if not failed:
        return event
    failure = cast(SendOutOfDialogMessageFailure | SendMessageFailure, event)
    return functools.partial(
        SendFailedError,
        f"{receipt._kind.what} {receipt.id} failed: {failure.code} {failure.reason}",
        code=failure.code, reason=failure.reason, event=event, function=receipt._kind.function,
    )


def _resolve_locked(receipt: Receipt[Any], outcome: _Outcome) -> _Wakeup:
    """End ``receipt`` (under the book's lock); returns what _wake must wake outside the lock."""
    if isinstance(outcome, Event):
        receipt._event = outcome
    else:
        receipt._error = outcome
    receipt._done = True
    loops, receipt._loops = receipt._loops, None
    return receipt._waker, loops


def _wake(wakeups: Iterable[_Wakeup]) -> None:
    for waker, loops in wakeups:
        if waker is not None:
            waker.set()
        for loop, future in loops or ():
            try:
                loop.call_soon_threadsafe(_finish_future, future)
            except RuntimeError:  # that loop is closed: nobody awaits there any more
                pass


def _finish_future(future: asyncio.Future[None]) -> None:
    if not future.done():  # not cancelled meanwhile
        future.set_result(None)


class ReceiptBook:
    """The receipts of one instance: pending ones by key, early outcomes, sends in flight, deadlines."""

    def __init__(self, name: str, refuse_on_handler_thread: Callable[[str], None]) -> None:
        self._name = name
        self._refuse_on_handler_thread = refuse_on_handler_thread
        self._pid = os.getpid()
        self._lock = threading.Condition()  # guards everything below and every receipt's state
        #: Whether the router must offer() outcome events: set by the first send with a receipt,
        #: before its C call, so the router (which reads it after taking a batch) sees it in time.
        self.watching = False
        self._closed = False
        self._pending: dict[_Key, list[Receipt[Any]]] = {}
        self._pending_count = 0
        self._tickets = itertools.count(1)
        self._newest_ticket = 0
        self._in_flight: collections.OrderedDict[int, None] = collections.OrderedDict()  # tickets, oldest first
        # Early outcomes in arrival order, as (tag, key, detail, event), and the same by key.
        self._early: collections.deque[tuple[int, _Key, str, Event]] = collections.deque()
        self._early_by_key: dict[_Key, collections.deque[tuple[int, str, Event]]] = {}
        self._deadlines: list[tuple[float, int, Receipt[Any]]] = []  # heap; entries of ended receipts are stale
        self._serial = itertools.count()
        self._timer: threading.Thread | None = None
        #: Receipts resolved by an outcome that arrived before their send had returned its id.
        self.early_claims = 0

    # ---- sending ----------------------------------------------------------------------------------

    def send(
        self, kind: Outcomes[T], send: Callable[[], int], timeout: float, key: Callable[[int], tuple[Hashable, str]]
    ) -> Receipt[T]:
        """Make a send with ``send()`` (the plain API method: it checks the arguments and returns the
        id) and return its receipt; ``key(id)`` is the (key, detail) its outcome events carry."""
        timeout = _args.seconds("timeout", timeout, MAX_RECEIPT_TIMEOUT)
        with self._lock:
            self.watching = True  # from now on the router offers outcome events
            ticket = next(self._tickets)
            self._newest_ticket = ticket
            self._in_flight[ticket] = None
        try:
            sent_id = send()
            receipt: Receipt[T] = Receipt(self, kind, sent_id, *key(sent_id), timeout)
        except BaseException:
            with self._lock:
                self._land_locked(ticket)
            raise
        with self._lock:
            early = self._early_outcome_locked(receipt, ticket)
            self._land_locked(ticket)
            if self._closed:
                _resolve_locked(receipt, functools.partial(ClosedError, f"the PortSIPLib was closed while sending {kind.what} {sent_id}"))
            elif early is not None:
                self.early_claims += 1
                _resolve_locked(receipt, _outcome_of(receipt, early, _KINDS[type(early)][1]))
            else:
                self._add_pending_locked(receipt)
        return receipt  # nobody can be waiting on it yet: nothing to wake

    def _early_outcome_locked(self, receipt: Receipt[Any], ticket: int) -> Event | None:
        for tag, detail, event in self._early_by_key.get(receipt._key, ()):
            if tag >= ticket and _same_place(receipt._detail, detail):  # arrived while this send was in flight
                return event
        return None

    def _land_locked(self, ticket: int) -> None:
        """The send holding ``ticket`` is registered (or failed): forget what only it could claim."""
        del self._in_flight[ticket]
        if not self._in_flight:
            self._early.clear()
            self._early_by_key.clear()
            return
        oldest = next(iter(self._in_flight))
        early = self._early
        while early and early[0][0] < oldest:
            key = early.popleft()[1]
            same_key = self._early_by_key[key]
            same_key.popleft()  # both are in arrival order: it is the same entry
            if not same_key:
                del self._early_by_key[key]

    def _add_pending_locked(self, receipt: Receipt[Any]) -> None:
        self._pending.setdefault(receipt._key, []).append(receipt)
        self._pending_count += 1
        deadlines = self._deadlines
        heapq.heappush(deadlines, (time.monotonic() + receipt._timeout, next(self._serial), receipt))
        if len(deadlines) > 2 * self._pending_count + _COMPACT_SLACK:
            deadlines[:] = [entry for entry in deadlines if not entry[2]._done]
            heapq.heapify(deadlines)
        if self._timer is None:
            self._timer = threading.Thread(target=self._expire, name=f"{self._name}-receipts", daemon=True)
            self._timer.start()
        elif deadlines[0][2] is receipt:
            self._lock.notify()  # the timer sleeps until a later deadline

    def _forget_pending_locked(self, receipts: list[Receipt[Any]]) -> None:
        for receipt in receipts:
            waiting = self._pending[receipt._key]
            waiting.remove(receipt)
            if not waiting:
                del self._pending[receipt._key]
        self._pending_count -= len(receipts)
        if not self._pending_count:
            self._deadlines.clear()  # all stale

    # ---- the router: outcome events ---------------------------------------------------------------

    def offer(self, events: list[Event]) -> None:
        """On the router: a batch's events, in arrival order (only outcome events matter here)."""
        outcomes = [event for event in events if type(event) in _KINDS]
        if not outcomes:
            return
        wakeups: list[_Wakeup] = []
        with self._lock:
            for event in outcomes:
                kind, failed = _KINDS[type(event)]
                key, detail = kind.key_of(event)
                full_key = (kind, key)
                waiting = self._pending.get(full_key)
                if waiting:
                    matched = [receipt for receipt in waiting if _same_place(receipt._detail, detail)]
                    self._forget_pending_locked(matched)
                    wakeups.extend(_resolve_locked(receipt, _outcome_of(receipt, event, failed)) for receipt in matched)
                if self._in_flight:  # a send in flight may not know yet that this is its outcome
                    self._early.append((self._newest_ticket, full_key, detail, event))
                    self._early_by_key.setdefault(full_key, collections.deque()).append((self._newest_ticket, detail, event))
        _wake(wakeups)

    # ---- the timer: receipts whose timeout passed -------------------------------------------------

    def _expire(self) -> None:
        wakeups: list[_Wakeup] = []
        while True:
            _wake(wakeups)
            wakeups = []
            with self._lock:
                while not wakeups:
                    if not self._pending_count and not self._closed:
                        self._lock.wait(_TIMER_LINGER)  # a thread per burst of sends, not per send
                    if self._closed or not self._pending_count:
                        self._timer = None  # the next pending receipt starts another
                        return
                    now = time.monotonic()
                    if self._deadlines[0][0] > now:
                        self._lock.wait(self._deadlines[0][0] - now)
                    else:
                        wakeups = self._expire_locked(now)

    def _expire_locked(self, now: float) -> list[_Wakeup]:
        # A method of its own so that the timer thread keeps no reference to an expired receipt.
        expired = []
        while self._deadlines and self._deadlines[0][0] <= now:
            receipt = heapq.heappop(self._deadlines)[2]
            if not receipt._done:
                expired.append(receipt)
        self._forget_pending_locked(expired)
        return [
            _resolve_locked(r, functools.partial(TimeoutError, f"no outcome of {r._kind.what} {r.id} within its timeout of {r._timeout} s"))
            for r in expired
        ]

    # ---- waiting ----------------------------------------------------------------------------------

    def _check_can_wait(self, what: str, *, blocking: bool) -> None:
        if os.getpid() != self._pid:  # no router nor timer in a forked child: it would never end
            raise InvalidStateError(f"{what}: this receipt belongs to the parent process (fork)")
        if blocking:  # like wait_for, a blocking wait is refused on the handler thread
            self._refuse_on_handler_thread(what)

    def _waker_for(self, receipt: Receipt[Any]) -> threading.Event | None:
        """The event a thread waits on for ``receipt``; None if it has ended meanwhile."""
        with self._lock:
            if receipt._done:
                return None
            if receipt._waker is None:
                receipt._waker = threading.Event()
            return receipt._waker

    def _await_in(self, receipt: Receipt[Any], waiter: _LoopWaiter) -> bool:
        """Wake ``waiter`` when ``receipt`` ends; False if it has ended meanwhile."""
        with self._lock:
            if receipt._done:
                return False
            if receipt._loops is None:
                receipt._loops = []
            receipt._loops.append(waiter)
            return True

    def _stop_awaiting(self, receipt: Receipt[Any], waiter: _LoopWaiter) -> None:
        with self._lock:
            if receipt._loops is not None and waiter in receipt._loops:
                receipt._loops.remove(waiter)

    # ---- inspection and shutdown ------------------------------------------------------------------

    def sizes(self) -> dict[str, int]:
        """What the book holds now (all 0 when no send is in flight and no receipt is pending)."""
        with self._lock:
            return {
                "pending": self._pending_count,
                "keys": len(self._pending),
                "early": len(self._early),
                "in_flight": len(self._in_flight),
                "deadlines": len(self._deadlines),
                "timer": int(self._timer is not None),
            }

    def close(self) -> None:
        """End every pending receipt with ClosedError (after the router delivered what it could)."""
        with self._lock:
            self._closed = True
            receipts = [receipt for waiting in self._pending.values() for receipt in waiting]
            self._forget_pending_locked(receipts)
            self._early.clear()
            self._early_by_key.clear()
            closed = "the PortSIPLib was closed before the outcome of {} {} arrived"
            wakeups = [_resolve_locked(r, functools.partial(ClosedError, closed.format(r._kind.what, r.id))) for r in receipts]
            self._lock.notify_all()
        _wake(wakeups)
