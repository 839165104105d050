"""The media stream callbacks, C side: the stub stores what PortSIP_enableAudioStreamCallback,
enableVideoStreamCallback and setRtpCallback are given, and its frame sources (StubControl.start_frame_source)
call them from native threads. Driven through raw cffi calls and cffi callbacks: the binding's Python
side of these callbacks is built separately.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from portsip import InvalidArgumentError, NotFoundError, PortSIPError, PortSIPLib, events
from portsip._loader import load_library
from portsip.testing import StubControl

import abi

CODES = abi.parse_enum_values(abi.read(abi.ERRORS_HEADER))
FRAME = bytes(range(200)) * 3
OBJECT = 0xC0FFEE


@pytest.fixture
def raw(portsip_stub_library: str) -> Any:
    loaded = load_library(portsip_stub_library)
    return loaded.ffi, loaded.lib


class Received:
    """What a cffi media callback saw: its arguments (the frame copied) and its thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: set[int] = set()

    def add(self, *args: Any) -> int:
        self.calls.append(args)
        self.threads.add(threading.get_ident())
        return 0


def address(ffi: Any, pointer: Any) -> int:
    return int(ffi.cast("intptr_t", pointer))


def test_audio_frames_reach_the_callback_on_a_native_thread(
    raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl
) -> None:
    ffi, lib = raw
    received = Received()

    @ffi.callback("audioRawCallback")
    def on_audio(obj: Any, session_id: int, callback_type: int, data: Any, length: int, rate: int) -> int:
        return received.add(address(ffi, obj), session_id, callback_type, ffi.buffer(data, length)[:], rate)

    session = stub_control.open_session()
    mode = 2  # AUDIOSTREAM_REMOTE_PER_CHANNEL
    assert lib.PortSIP_enableAudioStreamCallback(portsip_lib.sdk_handle, session, True, mode, ffi.cast("void*", OBJECT), on_audio) == 0
    assert stub_control.calls[-1].args == {
        "sessionId": session,
        "enable": True,
        "callbackMode": mode,
        "callbackObject": OBJECT,
        "callbackHandler": address(ffi, on_audio),
    }
    started = time.monotonic()
    source = stub_control.start_frame_source("audio", session, FRAME, count=3, interval=0.05, sampling_freq_hz=8000)
    assert stub_control.wait_frame_source(source) == 3
    assert time.monotonic() - started >= 0.09  # the first at once, then one every 50 ms
    assert received.calls == [(OBJECT, session, mode, FRAME, 8000)] * 3
    assert len(received.threads) == 1 and threading.get_ident() not in received.threads


def test_video_frames_are_fresh_copies_the_callback_may_write(
    raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl
) -> None:
    ffi, lib = raw
    received = Received()

    @ffi.callback("videoRawCallback")
    def on_video(obj: Any, session_id: int, callback_type: int, width: int, height: int, data: Any, length: int) -> int:
        frame = ffi.buffer(data, length)
        received.add(address(ffi, obj), session_id, callback_type, width, height, frame[:])
        frame[:] = b"\xff" * length  # the vendor's video callback may change the frame in place
        return 0

    session = stub_control.open_session()
    assert lib.PortSIP_enableVideoStreamCallback(portsip_lib.sdk_handle, session, 3, ffi.NULL, on_video) == 0
    image = bytes(range(24)) * 2  # 8 x 4 pixels of I420 would be 48 bytes
    source = stub_control.start_frame_source("video", session, image, count=2, width=8, height=4)
    assert stub_control.wait_frame_source(source) == 2
    assert received.calls == [(0, session, 3, 8, 4, image)] * 2


@pytest.mark.parametrize("kind, is_audio", [("rtp_received", True), ("rtp_sending", False)])
def test_rtp_packets_reach_their_direction_s_callback(
    raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl, kind: str, is_audio: bool
) -> None:
    ffi, lib = raw
    received, sent = Received(), Received()

    @ffi.callback("receivedRTPCallback")
    def on_received(obj: Any, session_id: int, audio: bool, packet: Any, size: int) -> int:
        return received.add(address(ffi, obj), session_id, audio, ffi.buffer(packet, size)[:])

    @ffi.callback("sendingRTPCallback")
    def on_sending(obj: Any, session_id: int, audio: bool, packet: Any, size: int) -> int:
        return sent.add(address(ffi, obj), session_id, audio, ffi.buffer(packet, size)[:])

    session = stub_control.open_session()
    assert lib.PortSIP_setRtpCallback(portsip_lib.sdk_handle, ffi.cast("void*", OBJECT), on_received, on_sending) == 0
    assert stub_control.calls[-1].args == {
        "callbackObj": OBJECT,
        "receivedRTPCallbackHandler": address(ffi, on_received),
        "sendingRTPCallbackHandler": address(ffi, on_sending),
    }
    packet = b"\x80\x00\x00\x01" + FRAME[:160]
    source = stub_control.start_frame_source(kind, session, packet, count=4, is_audio=is_audio)
    assert stub_control.wait_frame_source(source) == 4
    expected = [(OBJECT, session, is_audio, packet)] * 4
    assert (received.calls, sent.calls) == ((expected, []) if kind == "rtp_received" else ([], expected))
    # NULL handlers disable: the packets go nowhere.
    assert lib.PortSIP_setRtpCallback(portsip_lib.sdk_handle, ffi.NULL, ffi.NULL, ffi.NULL) == 0
    assert stub_control.wait_frame_source(stub_control.start_frame_source(kind, session, packet, count=3)) == 0


def test_disabling_takes_effect_between_frames(raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    ffi, lib = raw
    sdk, session = portsip_lib.sdk_handle, stub_control.open_session()
    received = Received()
    disabled = threading.Event()

    @ffi.callback("audioRawCallback")
    def on_audio(obj: Any, session_id: int, callback_type: int, data: Any, length: int, rate: int) -> int:
        received.add(session_id)
        if len(received.calls) == 2:
            # An SDK call from the media thread, as the vendor warns against; the stub takes it.
            lib.PortSIP_enableAudioStreamCallback(sdk, session, False, 0, ffi.NULL, ffi.NULL)
            disabled.set()
        return 0

    assert lib.PortSIP_enableAudioStreamCallback(sdk, session, True, 1, ffi.NULL, on_audio) == 0
    source = stub_control.start_frame_source("audio", session, FRAME, count=10)
    assert stub_control.wait_frame_source(source) == 2
    assert disabled.is_set() and len(received.calls) == 2

    @ffi.callback("videoRawCallback")
    def on_video(*args: Any) -> int:
        return received.add(*args[:2])

    assert lib.PortSIP_enableVideoStreamCallback(sdk, session, 1, ffi.NULL, on_video) == 0
    assert lib.PortSIP_enableVideoStreamCallback(sdk, session, 0, ffi.NULL, ffi.NULL) == 0  # VIDEOSTREAM_NONE
    assert stub_control.wait_frame_source(stub_control.start_frame_source("video", session, FRAME, count=3)) == 0


def test_stream_callback_misuse_gets_vendor_codes(raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    ffi, lib = raw
    sdk, session = portsip_lib.sdk_handle, stub_control.open_session()
    audio = ffi.callback("audioRawCallback", lambda *args: 0)
    video = ffi.callback("videoRawCallback", lambda *args: 0)
    enable_audio, enable_video = lib.PortSIP_enableAudioStreamCallback, lib.PortSIP_enableVideoStreamCallback
    assert enable_audio(sdk, session + 1, True, 1, ffi.NULL, audio) == CODES["ECoreInviteSessionNotFound"]
    assert enable_video(sdk, session + 1, 1, ffi.NULL, video) == CODES["ECoreInviteSessionNotFound"]
    for mode in (0, 4, -1):
        assert enable_audio(sdk, session, True, mode, ffi.NULL, audio) == CODES["ECoreNotSupportCallbackMode"]
    assert enable_video(sdk, session, 4, ffi.NULL, video) == CODES["ECoreNotSupportCallbackMode"]
    assert enable_audio(sdk, session, True, 3, ffi.NULL, ffi.NULL) == CODES["ECoreArgumentNull"]
    assert enable_video(sdk, session, 2, ffi.NULL, ffi.NULL) == CODES["ECoreArgumentNull"]
    assert enable_audio(ffi.NULL, session, True, 1, ffi.NULL, audio) == CODES["ECoreSDKObjectNull"]
    assert lib.PortSIP_setRtpCallback(ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == CODES["ECoreSDKObjectNull"]


def test_delete_callback_parameters_is_recorded_and_frees_nothing(raw: Any, stub_control: StubControl) -> None:
    ffi, lib = raw
    stub_control.clear_process_calls()
    lib.PortSIP_delCallbackParameters(ffi.cast("void*", 0x1000))
    assert [(c.function, c.args) for c in stub_control.process_calls] == [("PortSIP_delCallbackParameters", {"parameters": 0x1000})]


def test_a_source_ends_with_its_call(raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    ffi, lib = raw
    session = stub_control.open_session()
    received = Received()
    callback = ffi.callback("audioRawCallback", lambda *args: received.add(args[1]))
    assert lib.PortSIP_enableAudioStreamCallback(portsip_lib.sdk_handle, session, True, 1, ffi.NULL, callback) == 0
    source = stub_control.start_frame_source("audio", session, FRAME, count=10_000, interval=0.005)
    with pytest.raises(TimeoutError):
        stub_control.wait_frame_source(source, timeout=0.05)
    stub_control.emit(events.InviteClosed(session))
    delivered = stub_control.wait_frame_source(source)
    assert 0 < delivered < 10_000 and delivered == len(received.calls)


def test_uninitialize_stops_sources_and_no_frame_arrives_after_it(
    raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl
) -> None:
    ffi, lib = raw
    session = stub_control.open_session()
    received = Received()
    callback = ffi.callback("audioRawCallback", lambda *args: received.add(args[1]))
    assert lib.PortSIP_enableAudioStreamCallback(portsip_lib.sdk_handle, session, True, 1, ffi.NULL, callback) == 0
    stub_control.start_frame_source("audio", session, FRAME, count=100_000, interval=0.001)
    deadline = time.monotonic() + 5
    while len(received.calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    portsip_lib.close()  # PortSIP_unInitialize: joins the source
    after_close = len(received.calls)
    time.sleep(0.05)
    assert 5 <= after_close == len(received.calls)


def test_uninitialize_from_inside_a_frame_callback(raw: Any, portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    ffi, lib = raw
    sdk, session = portsip_lib.sdk_handle, stub_control.open_session()
    received = Received()

    @ffi.callback("audioRawCallback")
    def on_audio(*args: Any) -> int:
        received.add(args[1])
        lib.PortSIP_unInitialize(sdk)  # the source cannot join itself: it ends when this returns
        return 0

    assert lib.PortSIP_enableAudioStreamCallback(sdk, session, True, 1, ffi.NULL, on_audio) == 0
    stub_control.start_frame_source("audio", session, FRAME, count=50)
    deadline = time.monotonic() + 5
    while lib.PortSIP_getSpeakerVolume(sdk) != CODES["ECoreNotInitialized"] and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)
    assert len(received.calls) == 1


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda c, s: c.start_frame_source("dtmf", s, FRAME, count=1), ValueError),
        (lambda c, s: c.start_frame_source("audio", s, "text", count=1), TypeError),
        (lambda c, s: c.start_frame_source("audio", s, FRAME, count=-1), ValueError),
        (lambda c, s: c.start_frame_source("audio", s, FRAME, count=1, interval=-0.1), ValueError),
        (lambda c, s: c.start_frame_source("audio", s + 1, FRAME, count=1), NotFoundError),
        (lambda c, s: c.wait_frame_source(987), InvalidArgumentError),
        (lambda c, s: c.wait_frame_source(1, timeout=-1), ValueError),
    ],
)
def test_frame_source_control_rejects_bad_input(stub_control: StubControl, call: Any, error: type) -> None:
    with pytest.raises(error):
        call(stub_control, stub_control.open_session())


def test_frame_source_raw_misuse(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    ffi, c = stub_control._ffi, stub_control._c
    sdk, session = stub_control._sdk(), stub_control.open_session()
    frame = ffi.new("stub_frame*", {"kind": c.STUB_STREAM_AUDIO, "session_id": session, "size": 4})  # NULL data
    assert c.stub_frame_source_start(sdk, frame, 1, 0) == CODES["ECoreArgumentIncorrect"]
    assert c.stub_frame_source_start(sdk, ffi.NULL, 1, 0) == CODES["ECoreArgumentIncorrect"]
    frame.size, frame.kind = 0, 9
    assert c.stub_frame_source_start(sdk, frame, 1, 0) == CODES["ECoreArgumentIncorrect"]
    frame.kind = c.STUB_STREAM_VIDEO  # an empty frame is allowed; nothing is enabled, so nothing is delivered
    source = c.stub_frame_source_start(sdk, frame, 2, 0)
    assert source > 0
    delivered = ffi.new("int*")
    assert stub_control.wait_frame_source(source) == 0
    assert c.stub_frame_source_wait(sdk, source, 0, delivered) == CODES["ECoreArgumentIncorrect"]  # reaped
    assert c.stub_frame_source_wait(ffi.NULL, source, 0, delivered) == CODES["ECoreNotInitialized"]
    portsip_lib.close()
    with pytest.raises(PortSIPError, match="closed"):
        stub_control.start_frame_source("audio", session, FRAME, count=1)
