"""Load: 4 native threads x N events into each of 3 instances, all at once, arrive exactly once, in
each thread's order, at the instance they were sent to: for handlers, wait_for and async streams.

The stub's flood threads call the installed handler directly, as SDK threads do; every copy carries
its thread and sequence number (StubControl.flood_tag), and the instance it was aimed at in its
``from_uri``. The bounds are raised so that nothing is dropped: this test is about order and
exactly-once delivery; test_bounded.py is about what happens when the bounds are reached.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from reliability_support import MIB, size

from portsip import PortSIPLib
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import StubControl

THREADS = 4
INSTANCES = 3
PER_THREAD = size(5_000, 50_000)
PER_INSTANCE = THREADS * PER_THREAD
TIMEOUT = 300.0


def flood_event(instance: int) -> RecvOutOfDialogMessage:
    # a 16-byte body: the tag (thread, sequence) and the time of the call
    return RecvOutOfDialogMessage(f"Flood {instance}", f"sip:flood{instance}@example.com", "Bob", "sip:bob@example.com",
                                  "text", "plain", bytes(16))


class Tally:
    """What one instance received: the sequence numbers from each flood thread, in arrival order."""

    def __init__(self, instance: int) -> None:
        self.uri = f"sip:flood{instance}@example.com"
        self.sequences: list[list[int]] = [[] for _ in range(THREADS)]
        self.count = 0
        self.misrouted = 0
        self.done = threading.Event()

    def add(self, event: RecvOutOfDialogMessage) -> None:
        if event.from_uri != self.uri:
            self.misrouted += 1
        thread, sequence = StubControl.flood_tag(event)
        self.sequences[thread].append(sequence)
        self.count += 1
        if self.count >= PER_INSTANCE:
            self.done.set()

    def check(self) -> None:
        assert self.misrouted == 0
        for thread, sequences in enumerate(self.sequences):
            # exactly once and in order, in one comparison: nothing lost, nothing twice, nothing swapped
            assert sequences == list(range(PER_THREAD)), f"thread {thread}: {len(sequences)} events, not 0..{PER_THREAD - 1} in order"


def consume_with_handlers(libs: list[PortSIPLib], tallies: list[Tally], start: Callable[[], None]) -> None:
    for lib, tally in zip(libs, tallies, strict=True):
        lib.on(RecvOutOfDialogMessage, tally.add)
    start()
    for tally in tallies:
        assert tally.done.wait(TIMEOUT)


def consume_with_wait_for(libs: list[PortSIPLib], tallies: list[Tally], start: Callable[[], None]) -> None:
    failures: list[BaseException] = []

    def consume(lib: PortSIPLib, tally: Tally) -> None:
        try:
            for _ in range(PER_INSTANCE):
                tally.add(lib.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT))
        except BaseException as exc:
            failures.append(exc)

    consumers = [threading.Thread(target=consume, args=pair) for pair in zip(libs, tallies, strict=True)]
    for consumer in consumers:
        consumer.start()
    start()
    for consumer in consumers:
        consumer.join(TIMEOUT)
    assert not failures, failures


def consume_with_streams(libs: list[PortSIPLib], tallies: list[Tally], start: Callable[[], None]) -> None:
    async def main() -> None:
        streams = [lib.async_events(RecvOutOfDialogMessage) for lib in libs]  # they see events from now on

        async def consume(index: int) -> None:
            async for event in streams[index]:
                tallies[index].add(event)
                if tallies[index].done.is_set():
                    break
            assert streams[index].dropped == 0

        start()
        await asyncio.wait_for(asyncio.gather(*(consume(i) for i in range(len(libs)))), TIMEOUT)

    asyncio.run(main())


CONSUMERS = {"handlers": consume_with_handlers, "wait_for": consume_with_wait_for, "streams": consume_with_streams}


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_floods_into_three_instances_arrive_exactly_once_in_order(
    portsip_stub_library: str, consumer: str, figure: Callable[..., None]
) -> None:
    bounds = {"max_pending_events": PER_INSTANCE, "max_pending_bytes": 512 * MIB,
              "backlog_events": PER_INSTANCE, "backlog_bytes": 512 * MIB, "backlog_seconds": TIMEOUT}
    libs = [PortSIPLib(portsip_stub_library, **bounds) for _ in range(INSTANCES)]
    try:
        for lib in libs:
            lib.initialize()
        controls = [StubControl(lib) for lib in libs]
        tallies = [Tally(k) for k in range(INSTANCES)]
        began = [0.0]

        def start() -> None:
            began[0] = time.perf_counter()
            for k, control in enumerate(controls):
                control.flood(flood_event(k), PER_THREAD, threads=THREADS, wait=False)

        CONSUMERS[consumer](libs, tallies, start)
        elapsed = time.perf_counter() - began[0]
        for tally in tallies:
            tally.check()
        for lib in libs:
            lib.drain()
            stats = lib.stats
            assert (stats["events_received"], stats["dropped_events"], stats["events_delivered"]) == (PER_INSTANCE, 0, PER_INSTANCE)
        figure("events, exactly once and in order", INSTANCES * PER_INSTANCE)
        figure("events/s", INSTANCES * PER_INSTANCE / elapsed)
    finally:
        for lib in libs:
            lib.close()
