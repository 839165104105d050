"""asyncio: waits that cannot miss (wait_for_async, async_events(since="backlog")), async handlers
refused, and streams that cost nothing once dropped.

These tests are also the pattern for a licensee's own async tests (docs/testing.md): pytest-asyncio
runs ``async def`` tests, and the plugin's synchronous fixtures (portsip_lib, bob, stub_control)
work in them unchanged.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

import pytest
from support import LoopTicks

from portsip import ClosedError, EventStream, NotInitializedError, PortSIPLib
from portsip.events import RecvInfo, RecvOutOfDialogMessage, SIPCallbackEvents
from portsip.testing import StubControl


def info(i: int) -> RecvInfo:
    return RecvInfo(f"info {i}")


def echo_replies(lib: PortSIPLib) -> None:
    """``lib`` answers every MESSAGE with "re: <text>", from its handler thread."""
    lib.on(RecvOutOfDialogMessage, lambda event: lib.send_text(event.from_uri, "re: " + event.text))


@pytest.mark.asyncio
async def test_a_reply_that_came_before_the_wait_is_still_returned(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    echo_replies(bob)
    await portsip_lib.send_text("sip:bob@example.com", "hello")
    await asyncio.sleep(0.2)  # the reply arrives before anyone waits for it
    reply = await portsip_lib.wait_for_async(RecvOutOfDialogMessage, timeout=5)
    assert reply.text == "re: hello"


@pytest.mark.asyncio
async def test_wait_for_async_picks_by_type_and_predicate_and_times_out(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    for i in range(3):
        stub_control.emit(info(i))
    second = await portsip_lib.wait_for_async(RecvInfo, timeout=5, predicate=lambda e: e.info_message == "info 1")
    assert second == info(1)
    assert await portsip_lib.wait_for_async((RecvOutOfDialogMessage, RecvInfo), timeout=5) == info(0)  # oldest first
    assert await portsip_lib.wait_for_async(RecvInfo, timeout=5) == info(2)
    with pytest.raises(TimeoutError):
        await portsip_lib.wait_for_async(RecvInfo, timeout=0.05)
    # a wait that is cancelled leaves nothing behind: the next one still gets the event
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(portsip_lib.wait_for_async(RecvInfo, timeout=None), 0.05)
    stub_control.emit(info(3))
    assert await portsip_lib.wait_for_async(RecvInfo, timeout=5) == info(3)


@pytest.mark.asyncio
async def test_the_loop_keeps_running_while_an_async_wait_waits(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    async with LoopTicks() as ticks:
        threading.Timer(0.3, lambda: stub_control.emit(info(1))).start()
        assert await portsip_lib.wait_for_async(RecvInfo, timeout=5) == info(1)
    assert ticks.count >= 10


@pytest.mark.asyncio
async def test_async_waits_end_with_closed_error(portsip_lib: PortSIPLib) -> None:
    waiting = asyncio.create_task(portsip_lib.wait_for_async(RecvInfo, timeout=None))
    await asyncio.sleep(0.05)
    await asyncio.get_running_loop().run_in_executor(None, portsip_lib.close)
    with pytest.raises(ClosedError):
        await waiting
    with pytest.raises(ClosedError):  # and every call after close
        await portsip_lib.wait_for_async(RecvInfo)
    with pytest.raises(ClosedError):
        portsip_lib.wait_for(RecvInfo)


def test_waits_before_initialize_raise_at_once(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library) as lib:
        with pytest.raises(NotInitializedError):
            lib.wait_for(RecvInfo, timeout=None)
        with pytest.raises(NotInitializedError):
            asyncio.run(lib.wait_for_async(RecvInfo, timeout=None))


@pytest.mark.asyncio
async def test_a_stream_since_backlog_starts_with_what_came_before(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    for i in range(5):
        stub_control.emit(info(i))
    stub_control.wait_idle()
    portsip_lib.drain()
    assert portsip_lib.wait_for(RecvInfo) == info(0)  # returned: no longer in the backlog
    seen: list[RecvInfo] = []
    async with portsip_lib.async_events(RecvInfo, since="backlog") as stream:
        stub_control.emit(info(5))
        while len(seen) < 5:
            seen.append(await asyncio.wait_for(stream.__anext__(), 30))
    assert seen == [info(i) for i in range(1, 6)]
    assert portsip_lib.wait_for(RecvInfo) == info(1)  # the backlog keeps them for wait_for too


@pytest.mark.asyncio
async def test_a_stream_since_backlog_opened_in_a_flood_misses_none_and_doubles_none(
    portsip_lib: PortSIPLib, stub_control: StubControl
) -> None:
    count = 3000
    flood = threading.Thread(target=stub_control.flood, args=(info(0), count), kwargs={"threads": 1, "rate": 20_000})
    flood.start()
    await asyncio.sleep(0.02)  # in the middle of the flood
    sequences: list[int] = []
    async with portsip_lib.async_events(RecvInfo, since="backlog") as stream:
        while len(sequences) < count:  # bounded: a lost event fails the test instead of hanging it
            sequences.append(StubControl.flood_tag(await asyncio.wait_for(stream.__anext__(), 30))[1])
    flood.join()
    assert sequences == list(range(count))


def test_since_is_checked(portsip_lib: PortSIPLib) -> None:
    async def main() -> None:
        with pytest.raises(ValueError):
            portsip_lib.async_events(RecvInfo, since="yesterday")  # type: ignore[call-overload]

    asyncio.run(main())


def test_a_dropped_stream_is_collected_even_if_its_loop_never_runs_again(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    loop = asyncio.new_event_loop()

    async def open_stream() -> EventStream[RecvInfo]:
        return portsip_lib.async_events(RecvInfo)

    stream = loop.run_until_complete(open_stream())
    gone = weakref.ref(stream)
    stub_control.emit(info(1))  # schedules a wake-up on the loop, which never runs again
    stub_control.wait_idle()
    portsip_lib.drain()
    del stream
    gc.collect()
    assert gone() is None
    streams = portsip_lib._delivery.streams
    assert streams.open_count == 0 and streams._budget.events == 0  # its share of the budget came back
    loop.close()


@pytest.mark.asyncio
async def test_the_streams_of_an_instance_share_one_budget(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library, max_pending_events=10) as lib:
        lib.initialize(local_sip_port=0)
        control = StubControl(lib)
        first, second = lib.async_events(RecvInfo), lib.async_events(RecvInfo)
        for i in range(20):  # one at a time: the native queue (also 10 events) never fills
            control.emit(info(i))
            control.wait_idle()
            lib.drain()
        assert first.dropped + second.dropped == 2 * 20 - 10 == lib.stats["stream_dropped"]
        budget = lib._delivery.streams._budget
        held_by_second = 20 - second.dropped
        async with first:  # offered each batch first, with room: it holds info(0)
            assert await first.__anext__() == info(0)
            assert budget.events == 9
        assert budget.events == held_by_second  # closing the first stream returned its share


def test_async_handlers_are_refused(portsip_lib: PortSIPLib) -> None:
    async def handler(event: RecvInfo) -> None:
        pass

    class Awaiting:
        async def __call__(self, event: RecvInfo) -> None:
            pass

    class Handlers(SIPCallbackEvents):
        def on_recv_options(self, event: object) -> None:
            pass

        async def on_recv_info(self, event: RecvInfo) -> None:  # type: ignore[override]
            pass

    with pytest.raises(TypeError, match="async_events"):
        portsip_lib.on(RecvInfo, handler)
    with pytest.raises(TypeError, match="wait_for_async"):
        portsip_lib.on(RecvInfo)(handler)
    with pytest.raises(TypeError, match="coroutine"):
        portsip_lib.on(RecvInfo, Awaiting())
    with pytest.raises(TypeError, match="on_recv_info"):
        portsip_lib.attach(Handlers())
    assert portsip_lib._delivery.handlers.table == {}  # nothing half-added
