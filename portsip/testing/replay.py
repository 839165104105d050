"""Replaying a trace (docs/traces.md) into an app under test: :meth:`StubControl.replay`.

The replay plays the network: while it runs, the stub fires none of the events it would simulate
for the instance (``stub_replaying``), and the trace's events are fired instead, from the stub's
native thread, with their recorded spacing. The app's calls are watched as they return (the same
watch a recording uses): where the trace recorded a call that returned an id, the app must make that
call, and the id the stub gave it replaces the recorded one in every later event and call. A call
the app makes that the trace does not have there, or one it does not make, ends the replay with
:class:`ReplayMismatch`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any, Protocol

from .._lib import PortSIPLib
from ..events import Event
from ..trace import Redactor, TracedCall, TracedEvent, TraceHeader, TraceItem, read_trace


class _Control(Protocol):
    """What a replay needs of StubControl."""

    def emit(self, event: Event) -> None: ...
    def wait_idle(self, timeout: float = 5.0) -> None: ...
    def _replaying(self, on: bool) -> None: ...

__all__ = ["ReplayMismatch", "ReplayReport", "replay"]

#: Functions whose result is an id that later events and calls carry, and the field that names it.
ID_RESULTS = {
    "PortSIP_sendOutOfDialogMessage": "message_id",
    "PortSIP_sendMessage": "message_id",
    "PortSIP_call": "session_id",
    "PortSIP_pickupBLFCall": "session_id",
    "PortSIP_acceptRefer": "session_id",
    "PortSIP_presenceSubscribe": "subscribe_id",
    "PortSIP_sendSubscription": "subscribe_id",
}
_ID_FIELDS = frozenset(ID_RESULTS.values())
#: How far the replay looks ahead for the call whose id an event already carries (items, seconds).
_LOOKAHEAD_ITEMS, _LOOKAHEAD_SECONDS = 100, 2.0
#: The replay waits until no more than this many fired events are waiting in the stub or the
#: instance's native queue before firing the next: a long trace replays in constant memory.
_IN_FLIGHT = 1_000


class ReplayMismatch(AssertionError):
    """The app under test made other calls than the trace recorded (see ``expected`` and ``made``)."""

    def __init__(self, message: str, expected: list[str], made: list[str]) -> None:
        lines = [message, "  expected (from the trace):", *(f"    {c}" for c in expected or ["(none)"])]
        lines += ["  made by the app:", *(f"    {c}" for c in made or ["(none)"])]
        super().__init__("\n".join(lines))
        self.expected = expected
        self.made = made


@dataclass
class ReplayReport:
    """What a replay did: events fired, calls matched, the ids it mapped, and drops the trace records."""

    events: int = 0
    calls: int = 0
    ids: dict[str, dict[int, int]] = field(default_factory=dict)  # field -> recorded id -> the app's
    recorded_drops: int = 0


@dataclass(frozen=True)
class _Call:
    function: str
    arguments: dict[str, Any]
    result: int

    def text(self) -> str:
        return f"{self.function}({', '.join(f'{k}={v!r}' for k, v in self.arguments.items())}) -> {self.result}"


def replay(
    control: _Control,
    lib: PortSIPLib,
    trace: str | os.PathLike[str] | IO[str],
    *,
    speed: float = 1.0,
    timeout: float = 30.0,
    match_arguments: bool = True,
    during: Callable[[], object] | None = None,
) -> ReplayReport:
    """See :meth:`portsip.testing.StubControl.replay`."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not speed >= 0:
        raise ValueError(f"speed must be a number >= 0 (0: as fast as possible), not {speed!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, not {timeout!r}")
    made: queue.SimpleQueue[_Call] = queue.SimpleQueue()
    redactor = Redactor()

    def watch(function: str, arguments: dict[str, Any], result: int) -> None:
        made.put(_Call(function, redactor.arguments(arguments), result))

    run = _Replay(control, lib, made, speed, timeout, match_arguments)
    with lib._lock:
        lib._call_watchers = (*lib._call_watchers, watch)
    control._replaying(True)
    app = _During(during) if during is not None else None
    try:
        run.play(read_trace(trace))
        if app is not None:
            app.join(timeout)
    finally:
        try:
            control._replaying(False)
        finally:
            with lib._lock:
                lib._call_watchers = tuple(w for w in lib._call_watchers if w != watch)
    return run.report


class _During(threading.Thread):
    """The app's own activity during a replay (``during``), on a thread of its own; what it raises
    is raised by the replay."""

    def __init__(self, run: Callable[[], object]) -> None:
        super().__init__(name="portsip-replay-during", daemon=True)
        self._run_app = run
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._run_app()
        except BaseException as exc:  # handed to the replay's caller
            self.error = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.is_alive():
            raise TimeoutError(f"the replay's `during` was still running after {timeout} s")
        if self.error is not None:
            raise self.error


class _Lookahead:
    """The trace's items, with a look a little ahead for a call (the rest stays in order)."""

    def __init__(self, items: Iterator[TraceHeader | TraceItem]) -> None:
        self._items = items
        self._buffer: deque[TraceHeader | TraceItem] = deque()
        self._last_time: float | None = None

    def next(self) -> TraceHeader | TraceItem | None:
        item = self._buffer.popleft() if self._buffer else next(self._items, None)
        if isinstance(item, (TracedEvent, TracedCall)) and item.t is not None:
            self._last_time = item.t
        return item

    def take_call(self, name: str, result: int) -> TracedCall | None:
        """Take out of the items just ahead the call that returned ``result`` as an id named ``name``."""
        horizon = None if self._last_time is None else self._last_time + _LOOKAHEAD_SECONDS
        position = 0
        while position < _LOOKAHEAD_ITEMS:
            if position == len(self._buffer):
                item = next(self._items, None)
                if item is None:
                    return None
                self._buffer.append(item)
            item = self._buffer[position]
            if isinstance(item, (TracedEvent, TracedCall)) and horizon is not None and item.t is not None and item.t > horizon:
                return None
            if isinstance(item, TracedCall) and ID_RESULTS.get(item.function) == name and item.result == result:
                del self._buffer[position]
                return item
            position += 1
        return None


class _Replay:
    def __init__(
        self, control: _Control, lib: PortSIPLib, made: queue.SimpleQueue[_Call], speed: float, timeout: float, match_arguments: bool
    ) -> None:
        self.control, self.lib, self.made = control, lib, made
        self.speed, self.timeout, self.match_arguments = speed, timeout, match_arguments
        self.report = ReplayReport()
        self.expected_log: list[str] = []  # the calls matched so far, then the one that did not match
        self.made_log: list[str] = []
        self.redacted = False

    def play(self, items: Iterator[TraceHeader | TraceItem]) -> None:
        start = time.monotonic()
        self.ahead = _Lookahead(items)
        while (item := self.ahead.next()) is not None:
            if isinstance(item, TraceHeader):
                self.redacted = item.redacted  # pseudonyms: the app's arguments cannot be compared
            elif isinstance(item, TracedEvent):
                self._wait_until(start, item.t)
                self._expect_calls_whose_ids(item.event)
                self._fire(item.event)
            elif isinstance(item, TracedCall):
                self._expect(item)
            else:
                self.report.recorded_drops += item.count
        self.control.wait_idle(self.timeout)
        self.lib.drain(self.timeout)
        extra = self._drain_made()
        if extra:
            raise ReplayMismatch(
                f"the app made {len(extra)} call(s) after the last one the trace has", self.expected_log, self.made_log
            )

    def _expect_calls_whose_ids(self, event: Event) -> None:
        """An event that carries the id of a call recorded just after it (the SDK answered before the
        call had returned its id, as it may): that call is expected first, so that the event gets the
        app's id."""
        for name in _ID_FIELDS:
            value = getattr(event, name, None)
            if isinstance(value, int) and value > 0 and value not in self.report.ids.get(name, {}):
                call = self.ahead.take_call(name, value)
                if call is not None:
                    self._expect(call)

    def _wait_until(self, start: float, t: float | None) -> None:
        if t is not None and self.speed > 0:
            delay = start + t / self.speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _fire(self, event: Event) -> None:
        mapped = {name: ids[value] for name, ids in self.report.ids.items() if (value := getattr(event, name, None)) in ids}
        self.control.emit(replace(event, **mapped) if mapped else event)
        self.report.events += 1
        if self.report.events % _IN_FLIGHT == 0:  # never more than a batch in flight: constant memory
            self.control.wait_idle(self.timeout)

    def _expect(self, recorded: TracedCall) -> None:
        expected = _Call(recorded.function, recorded.args, recorded.result)
        self.expected_log.append(expected.text())
        try:
            actual = self.made.get(timeout=self.timeout)
        except queue.Empty:
            raise ReplayMismatch(
                f"the app did not call {recorded.function} within {self.timeout} s", self.expected_log, self.made_log
            ) from None
        self.made_log.append(actual.text())
        compare_arguments = self.match_arguments and not self.redacted
        if actual.function != expected.function or (compare_arguments and not self._same_arguments(expected, actual)):
            raise ReplayMismatch(f"the app's call #{self.report.calls + 1} differs from the trace's", self.expected_log, self.made_log)
        self.report.calls += 1
        name = ID_RESULTS.get(recorded.function)
        if name is not None and recorded.result > 0 and actual.result > 0:
            self.report.ids.setdefault(name, {})[recorded.result] = actual.result

    def _same_arguments(self, expected: _Call, actual: _Call) -> bool:
        """Equal, once the recorded ids are read as the app's."""
        ids = self.report.ids
        mapped = {
            name: ids.get(name, {}).get(value, value) if isinstance(value, int) else value for name, value in expected.arguments.items()
        }
        return mapped == actual.arguments

    def _drain_made(self) -> list[_Call]:
        extra: list[_Call] = []
        while True:
            try:
                call = self.made.get_nowait()
            except queue.Empty:
                return extra
            extra.append(call)
            self.made_log.append(call.text())

