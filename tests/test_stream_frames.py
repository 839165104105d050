"""Media stream callbacks from Python: frames from the SDK's media threads arrive as typed frame events,
through the same bounded path as events, without ever crowding events out."""

from __future__ import annotations

import asyncio
import threading

import pytest
from _calls import BOB, connect

from portsip import AudioStreamCallbackMode, PortSIPLib, VideoStreamCallbackMode
from portsip.events import (
    AudioRawFrame,
    Event,
    MediaFrame,
    ReceivedRTPPacket,
    RecvInfo,
    SendingRTPPacket,
    VideoRawFrame,
)
from portsip.testing import StubControl

PCM = bytes(range(256)) * 2  # 20 ms of 16-bit mono at 12.8 kHz: the content does not matter, its bytes do
I420 = bytes(176 * 144 * 3 // 2)


def feed(lib: PortSIPLib, kind: str, session: int, frame: bytes, count: int, **extra: object) -> int:
    """Run a stub frame source to its end and let the handlers see everything; frames delivered."""
    control = StubControl(lib)
    delivered = control.wait_frame_source(control.start_frame_source(kind, session, frame, count=count, **extra), timeout=30)
    lib.drain()
    return delivered


def test_audio_frames_reach_a_handler_byte_for_byte(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, _ = connect(portsip_lib, bob, BOB)
    frames: list[AudioRawFrame] = []
    portsip_lib.on(AudioRawFrame, frames.append)
    portsip_lib.enable_audio_stream_callback(session, callback_mode=AudioStreamCallbackMode.BOTH)
    assert feed(portsip_lib, "audio", session, PCM, 50, sampling_freq_hz=8000) == 50
    assert len(frames) == 50
    assert {(f.session_id, f.callback_type, f.data, f.sampling_freq_hz) for f in frames} == {
        (session, AudioStreamCallbackMode.BOTH, PCM, 8000)
    }
    [call] = StubControl(portsip_lib).calls_to("PortSIP_enableAudioStreamCallback")
    assert (call.args["sessionId"], call.args["enable"], call.args["callbackMode"]) == (session, True, 3)
    stats = portsip_lib.stats
    assert stats["frames_received"] == stats["frames_delivered"] == 50 and stats["frames_dropped"] == 0


def test_video_frames_and_rtp_packets(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, _ = connect(portsip_lib, bob, BOB, video=True)
    got: list[MediaFrame] = []
    portsip_lib.on(MediaFrame, got.append)  # every kind of frame
    portsip_lib.enable_video_stream_callback(session, VideoStreamCallbackMode.REMOTE)
    portsip_lib.set_rtp_callback()
    feed(portsip_lib, "video", session, I420, 3, width=176, height=144)
    feed(portsip_lib, "rtp_received", session, b"\x80\x00rtp-in", 2, is_audio=False)
    feed(portsip_lib, "rtp_sending", session, b"\x80\x00rtp-out", 2, is_audio=True)
    assert [type(f) for f in got] == [VideoRawFrame] * 3 + [ReceivedRTPPacket] * 2 + [SendingRTPPacket] * 2
    video = got[0]
    assert isinstance(video, VideoRawFrame)
    assert (video.session_id, video.callback_type, video.width, video.height, video.data) == (session, 2, 176, 144, I420)
    received, sending = got[3], got[5]
    assert isinstance(received, ReceivedRTPPacket) and isinstance(sending, SendingRTPPacket)
    assert (received.is_audio, received.data, sending.is_audio, sending.data) == (False, b"\x80\x00rtp-in", True, b"\x80\x00rtp-out")


def test_disabling_stops_the_frames(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, _ = connect(portsip_lib, bob, BOB, video=True)
    got: list[MediaFrame] = []
    portsip_lib.on(MediaFrame, got.append)
    portsip_lib.enable_audio_stream_callback(session)
    portsip_lib.enable_audio_stream_callback(session, enable=False)
    portsip_lib.enable_video_stream_callback(session)
    portsip_lib.enable_video_stream_callback(session, VideoStreamCallbackMode.NONE)
    portsip_lib.set_rtp_callback()
    portsip_lib.set_rtp_callback(enable=False)
    for kind in ("audio", "video", "rtp_received", "rtp_sending"):
        assert feed(portsip_lib, kind, session, I420 if kind == "video" else PCM, 3, width=176, height=144) == 0
    assert got == [] and portsip_lib.stats["frames_received"] == 0


def test_frames_go_only_to_who_asks_for_them(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, _ = connect(portsip_lib, bob, BOB)
    everything: list[Event] = []
    portsip_lib.on(Event, everything.append)  # a catch-all: events, not frames
    portsip_lib.enable_audio_stream_callback(session)
    feed(portsip_lib, "audio", session, PCM, 20)
    assert not any(isinstance(e, MediaFrame) for e in everything)
    assert portsip_lib.stats["frames_delivered"] == 20
    with pytest.raises(TypeError, match="not kept for wait_for"):
        portsip_lib.wait_for(AudioRawFrame, timeout=0)
    with pytest.raises(TypeError):
        portsip_lib.wait_for((RecvInfo, MediaFrame), timeout=0)


def test_async_streams_get_frames_only_when_they_ask(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, _ = connect(portsip_lib, bob, BOB)
    portsip_lib.enable_audio_stream_callback(session)

    async def consume() -> tuple[list[AudioRawFrame], list[Event]]:
        frames: list[AudioRawFrame] = []
        events: list[Event] = []
        async with portsip_lib.async_events(AudioRawFrame) as frame_stream, portsip_lib.async_events() as all_events:
            await asyncio.get_running_loop().run_in_executor(None, feed, portsip_lib, "audio", session, PCM, 10)
            StubControl(portsip_lib).emit(RecvInfo("after the frames"))
            async for frame in frame_stream:
                frames.append(frame)
                if len(frames) == 10:
                    break
            async for event in all_events:
                events.append(event)
                if isinstance(event, RecvInfo):
                    break
        return frames, events

    frames, events = asyncio.run(asyncio.wait_for(consume(), 30))
    assert [f.data for f in frames] == [PCM] * 10
    assert events == [RecvInfo("after the frames")]  # the catch-all stream saw no frame


def test_frames_use_at_most_half_the_budget_and_never_crowd_out_events(portsip_stub_library: str) -> None:
    with PortSIPLib(portsip_stub_library, max_pending_events=20) as alice, PortSIPLib(portsip_stub_library) as bob:
        for lib, user in ((alice, "alice"), (bob, "bob")):
            lib.initialize(local_sip_port=0)
            lib.set_user(user, sip_domain="example.com")
        session, _ = connect(alice, bob, BOB)
        release = threading.Event()
        handled: list[AudioRawFrame] = []
        alice.on(AudioRawFrame, lambda frame: (release.wait(30), handled.append(frame)))
        infos: list[RecvInfo] = []
        alice.on(RecvInfo, infos.append)
        alice.enable_audio_stream_callback(session)
        control = StubControl(alice)
        source = control.start_frame_source("audio", session, PCM, count=100)
        control.wait_frame_source(source, timeout=30)  # the handler holds the frames: the budget fills
        for i in range(8):  # events still get in: frames may hold only half of the 20
            control.emit(RecvInfo(f"info {i}"))
        control.wait_idle()
        release.set()
        alice.drain(timeout=30)
        stats = alice.stats
        assert infos == [RecvInfo(f"info {i}") for i in range(8)]
        assert stats["dropped_events"] == 0
        assert stats["frames_dropped"] > 0 and len(handled) <= 10 + 1  # 10: half the budget; 1: in the handler
        assert stats["frames_received"] == 100 == stats["frames_delivered"] + stats["frames_dropped"]
