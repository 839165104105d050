"""Delivery: handlers, SIPCallbackEvents, wait_for and its backlog, asyncio, isolation, failures."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import pytest
from support import install_queue_handler

from portsip import ClosedError, HandlerError, InvalidStateError, PortSIPLib, SIPCallbackEvents
from portsip.events import EVENT_TYPES, Event, PresenceOnline, RecvInfo, RecvOutOfDialogMessage, RegisterSuccess
from portsip.testing import StubControl


def info(i: int) -> RecvInfo:
    return RecvInfo(f"info {i}")


def test_handler_that_raises_does_not_stop_later_events(
    portsip_lib: PortSIPLib, stub_control: StubControl, caplog: pytest.LogCaptureFixture
) -> None:
    delivered: list[str] = []

    @portsip_lib.on(RecvInfo)
    def flaky(event: RecvInfo) -> None:
        delivered.append(event.info_message)
        if event.info_message == "info 1":
            raise RuntimeError("handler bug")

    with caplog.at_level(logging.ERROR, logger="portsip"):
        for i in range(5):
            stub_control.emit(info(i))
        for _ in range(5):
            portsip_lib.wait_for(RecvInfo)
        portsip_lib.drain()
    assert delivered == [f"info {i}" for i in range(5)]
    assert any("handler bug" in r.getMessage() or (r.exc_info and "handler bug" in str(r.exc_info[1])) for r in caplog.records)
    assert portsip_lib.stats["handler_errors"] == 1
    with pytest.raises(HandlerError) as raised:
        portsip_lib.check_errors()
    assert isinstance(raised.value.__cause__, RuntimeError)
    portsip_lib.check_errors()  # taken: nothing left


def test_on_for_the_base_class_sees_everything_and_off_removes(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    seen: list[Event] = []
    portsip_lib.on(Event, seen.append)
    stub_control.emit(info(1))
    stub_control.emit(RegisterSuccess("OK", 200, ""))
    portsip_lib.wait_for(RegisterSuccess)
    portsip_lib.drain()
    assert [type(e) for e in seen] == [RecvInfo, RegisterSuccess]
    portsip_lib.off(Event, seen.append)
    stub_control.emit(info(2))
    portsip_lib.wait_for(RecvInfo, predicate=lambda e: e == info(2))
    portsip_lib.close()  # delivers what is queued before returning
    assert len(seen) == 2
    with pytest.raises(ValueError):
        portsip_lib.off(RecvInfo, seen.append)


def test_attach_calls_overridden_methods(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    class Handler(SIPCallbackEvents):
        def __init__(self) -> None:
            self.events: list[Event] = []

        def on_recv_info(self, event: RecvInfo) -> None:
            self.events.append(event)

        def on_presence_online(self, event: PresenceOnline) -> None:
            self.events.append(event)

    handler = Handler()
    portsip_lib.attach(handler)
    stub_control.emit(info(1))
    stub_control.emit(PresenceOnline("Bob", "sip:bob@example.com", "Away"))
    stub_control.emit(RegisterSuccess("OK", 200, ""))
    portsip_lib.wait_for(RegisterSuccess)
    portsip_lib.close()
    assert handler.events == [info(1), PresenceOnline("Bob", "sip:bob@example.com", "Away")]
    with pytest.raises(TypeError):
        portsip_lib.attach(object())  # type: ignore[arg-type]


def test_wait_for_sees_events_that_arrived_before_the_call(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(info(1))
    stub_control.wait_idle()
    time.sleep(0.05)
    assert portsip_lib.wait_for(RecvInfo, timeout=0) == info(1)
    with pytest.raises(TimeoutError):  # each event is returned once
        portsip_lib.wait_for(RecvInfo, timeout=0.05)


def test_wait_for_predicate_returns_the_oldest_match(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    for i in range(4):
        stub_control.emit(info(i))
    assert portsip_lib.wait_for(RecvInfo, predicate=lambda e: e.info_message.endswith(("2", "3"))) == info(2)
    assert portsip_lib.wait_for(RecvInfo) == info(0)


def test_slow_handler_does_not_delay_wait_for(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    release = threading.Event()
    portsip_lib.on(RecvInfo, lambda e: release.wait(10))
    for i in range(3):
        stub_control.emit(info(i))
    assert [portsip_lib.wait_for(RecvInfo, timeout=2) for _ in range(3)] == [info(0), info(1), info(2)]
    release.set()


def test_backlog_is_bounded_in_count(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library, backlog_events=3) as lib:
        lib.initialize()
        control = StubControl(lib)
        for i in range(10):
            control.emit(info(i))
        control.wait_idle()
        lib.drain()
        assert lib.stats["events_received"] == 10
        assert lib.stats["backlog_evicted"] == 7
        assert [lib.wait_for(RecvInfo, timeout=0).info_message for _ in range(3)] == ["info 7", "info 8", "info 9"]


def test_backlog_is_bounded_in_bytes(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library, backlog_bytes=3 * 1024 * 1024) as lib:
        lib.initialize()
        control = StubControl(lib)
        for i in range(8):
            control.emit(RecvOutOfDialogMessage("", "", "", "", "text", "plain", bytes([i]) * (1024 * 1024)))
        control.wait_idle()
        lib.drain()
        assert lib.stats["events_received"] == 8
        assert lib.stats["backlog_evicted"] == 6
        assert lib.wait_for(RecvOutOfDialogMessage, timeout=0).data[:1] == b"\x06"


def test_wait_for_from_a_handler_is_refused(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    outcome: list[BaseException] = []

    def handler(event: RecvInfo) -> None:
        try:
            portsip_lib.wait_for(RegisterSuccess, timeout=1)
        except BaseException as exc:
            outcome.append(exc)

    portsip_lib.on(RecvInfo, handler)
    stub_control.emit(info(1))
    portsip_lib.wait_for(RecvInfo)
    portsip_lib.close()
    assert len(outcome) == 1 and isinstance(outcome[0], InvalidStateError)


def test_wait_for_is_woken_by_close(portsip_lib: PortSIPLib) -> None:
    threading.Timer(0.1, portsip_lib.close).start()
    with pytest.raises(ClosedError):
        portsip_lib.wait_for(RecvInfo, timeout=5)


def test_async_events(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    async def consume() -> list[Event]:
        received = []
        async with portsip_lib.async_events(RecvInfo) as stream:
            for i in range(3):
                stub_control.emit(info(i))
            stub_control.emit(RegisterSuccess("OK", 200, ""))  # filtered out
            async for event in stream:
                received.append(event)
                if len(received) == 3:
                    break
        return received

    assert asyncio.run(asyncio.wait_for(consume(), 10)) == [info(0), info(1), info(2)]


def test_async_events_end_when_the_lib_closes(portsip_lib: PortSIPLib) -> None:
    async def consume() -> int:
        count = 0
        stream = portsip_lib.async_events()
        asyncio.get_running_loop().call_later(0.05, portsip_lib.close)
        async for _ in stream:
            count += 1
        return count

    assert asyncio.run(asyncio.wait_for(consume(), 10)) == 0


def test_two_instances_each_receive_only_their_own_events(portsip_lib_factory: Callable[..., PortSIPLib]) -> None:
    alice, bob = portsip_lib_factory("alice"), portsip_lib_factory("bob")
    alice_control, bob_control = StubControl(alice), StubControl(bob)
    for i in range(50):
        alice_control.emit(RecvInfo(f"alice {i}"))
        bob_control.emit(RecvInfo(f"bob {i}"))
    alice_got = [alice.wait_for(RecvInfo).info_message for _ in range(50)]
    bob_got = [bob.wait_for(RecvInfo).info_message for _ in range(50)]
    assert alice_got == [f"alice {i}" for i in range(50)]
    assert bob_got == [f"bob {i}" for i in range(50)]
    with pytest.raises(TimeoutError):
        alice.wait_for(RecvInfo, timeout=0.05)


def test_a_failure_while_building_an_event_returns_0_and_is_reported(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    # The SDK calling a handler with another event's callbackIndex is one such failure: reinstall
    # the RecvInfo handler (the native queue's own) with a wrong index.
    index = EVENT_TYPES.index(RecvInfo)
    install_queue_handler(portsip_lib, RecvInfo, callback_index=index + 1)
    stub_control.emit(info(1))
    stub_control.wait_idle()
    portsip_lib.drain()
    install_queue_handler(portsip_lib, RecvInfo, callback_index=index)
    stub_control.emit(info(2))
    assert portsip_lib.wait_for(RecvInfo) == info(2)  # the first never became an event
    assert stub_control.callbacks_nonzero == 0
    with pytest.raises(HandlerError) as raised:
        portsip_lib.check_errors()
    assert f"callbackIndex {index + 1}" in str(raised.value.__cause__)


def test_closed_instance_gets_no_events_and_a_new_one_is_not_confused(portsip_lib_factory: Callable[..., PortSIPLib]) -> None:
    first = portsip_lib_factory("alice")
    first.close()
    second = portsip_lib_factory("alice")
    control = StubControl(second)
    control.emit(info(1))
    assert second.wait_for(RecvInfo) == info(1)


def test_drain_waits_for_handlers_and_is_refused_inside_one(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    seen: list[RecvInfo] = []
    refused: list[BaseException] = []

    def slow(event: RecvInfo) -> None:
        time.sleep(0.05)
        seen.append(event)
        try:
            portsip_lib.drain()
        except InvalidStateError as exc:
            refused.append(exc)

    portsip_lib.on(RecvInfo, slow)
    for i in range(3):
        stub_control.emit(info(i))
    for _ in range(3):
        portsip_lib.wait_for(RecvInfo)
    portsip_lib.drain()
    assert seen == [info(0), info(1), info(2)] and len(refused) == 3
    portsip_lib.on(RecvInfo, lambda e: time.sleep(1))
    stub_control.emit(info(3))
    portsip_lib.wait_for(RecvInfo)
    with pytest.raises(TimeoutError):
        portsip_lib.drain(timeout=0.1)
    portsip_lib.close()
    portsip_lib.drain()  # after close: nothing left to wait for


def test_the_router_survives_a_failure_while_delivering(
    portsip_lib: PortSIPLib, stub_control: StubControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portsip._delivery.backlog import Backlog

    def broken(self: object, *args: object) -> int:
        raise MemoryError("simulated")

    monkeypatch.setattr(Backlog, "add", broken)
    stub_control.emit(info(1))
    stub_control.wait_idle()
    portsip_lib.drain()
    monkeypatch.undo()
    stub_control.emit(info(2))
    assert portsip_lib.wait_for(RecvInfo, predicate=lambda e: e == info(2)) == info(2)
    with pytest.raises(HandlerError):
        portsip_lib.check_errors()


def test_handlers_survive_garbage_collection_of_closed_instances(portsip_stub_library: str) -> None:
    import gc

    first = PortSIPLib(portsip_stub_library)
    first.initialize()
    first.close()
    del first
    for _ in range(3):
        gc.collect()
    with PortSIPLib(portsip_stub_library) as second:
        second.initialize()
        control = StubControl(second)
        for i in range(200):
            control.emit(info(i))
        assert [second.wait_for(RecvInfo).info_message for _ in range(200)] == [f"info {i}" for i in range(200)]


@pytest.mark.parametrize("timeout", [float("inf"), 1e10, 2**63])
def test_huge_timeouts_mean_no_limit(portsip_lib: PortSIPLib, stub_control: StubControl, timeout: float) -> None:
    stub_control.emit(info(1))
    assert portsip_lib.wait_for(RecvInfo, timeout=timeout) == info(1)
    portsip_lib.drain(timeout=timeout)


@pytest.mark.parametrize("call", ["counters", "discard", "mark", "close"])
def test_no_call_reaches_the_native_queue_once_it_is_freed(call: str) -> None:
    # free() runs on a delivery thread while stats, drain() or close() may run on any other: a C call
    # that started before pev_free must end before it, and none may follow (a hang on Windows, seen in CI).
    from portsip._delivery.native import EventQueue, events_library

    queue = EventQueue(events_library(), 100, 1 << 20)
    real, journal, inside, freed = queue._lib, [], threading.Event(), threading.Event()

    class SlowLibrary:  # the C queue's functions, with the caller's call held up inside
        def __getattr__(self, name: str) -> Callable[..., object]:
            function = getattr(real, name)

            def call_it(*args: object) -> object:
                if threading.current_thread() is caller:
                    inside.set()
                    time.sleep(0.2)
                if freed.is_set():
                    journal.append(f"{name} after pev_free")
                    return -1  # never into freed memory, even when the test fails
                journal.append(name)
                result = function(*args)
                freed.set() if name == "pev_free" else None
                return result

            return call_it

    queue._lib = SlowLibrary()
    method = getattr(queue, call)
    caller = threading.Thread(target=(lambda: method(object())) if call == "mark" else method)
    caller.start()
    assert inside.wait(5)
    queue.free()
    caller.join(5)
    assert not [entry for entry in journal if "after pev_free" in entry], journal
    assert journal[-1] == "pev_free"
    assert queue.counters() == queue.counters()  # the final counts, from Python
