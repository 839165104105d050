"""Recording, files played into a call (and their end events), and PCM / video streams sent to it, on the stub."""

from __future__ import annotations

from typing import Any

import pytest
from support import vendor_error

from portsip import AudioFileFormat, InvalidArgumentError, PortSIPLib, RecordMode, VideoCodec
from portsip.events import InviteClosed, PlayAudioFileFinished, PlayVideoFileFinished
from portsip.testing import StubControl


@pytest.fixture
def session(stub_control: StubControl) -> int:
    return stub_control.open_session()



def record(lib: PortSIPLib, session: int, path: str = "/tmp", name: str = "call.wav") -> None:
    lib.start_record(session, path, name, False, AudioFileFormat.WAVE, RecordMode.BOTH, VideoCodec.NONE, RecordMode.NONE)


def test_recording_a_call(portsip_lib: PortSIPLib, stub_control: StubControl, session: int) -> None:
    portsip_lib.start_record(session, "/var/rec", "call.avi", True, AudioFileFormat.AMR, RecordMode.RECV, VideoCodec.H264, RecordMode.SEND)
    assert stub_control.calls[-1].args == {
        "sessionId": session,
        "recordFilePath": "/var/rec",
        "recordFileName": "call.avi",
        "appendTimeStamp": True,
        "audioFileFormat": 2,
        "audioRecordMode": 1,
        "videoFileCodecType": 125,
        "videoRecordMode": 2,
    }
    vendor_error(lambda: record(portsip_lib, session), "EAudioStartRecordFailure")  # one at a time
    portsip_lib.stop_record(session)
    record(portsip_lib, session)
    portsip_lib.stop_record(session)
    portsip_lib.stop_record(session)  # stopping twice is harmless


@pytest.mark.parametrize("path, name", [("", "call.wav"), ("/tmp", "")])
def test_recording_needs_a_file_name(portsip_lib: PortSIPLib, session: int, path: str, name: str) -> None:
    vendor_error(lambda: record(portsip_lib, session, path, name), "EAudioFileNameEmpty", InvalidArgumentError)


def test_an_audio_file_played_once_ends_with_its_event(portsip_lib: PortSIPLib, session: int) -> None:
    portsip_lib.play_audio_file_to_remote(session, "/sounds/welcome.wav", 16000, False)
    vendor_error(lambda: portsip_lib.play_audio_file_to_remote(session, "/sounds/other.wav", 8000, False), "EAudioIsPlaying")
    finished = portsip_lib.wait_for(PlayAudioFileFinished, timeout=5)
    assert (finished.session_id, finished.file_name) == (session, "/sounds/welcome.wav")
    portsip_lib.play_audio_file_to_remote(session, "/sounds/again.wav", 32000, False)  # free again
    assert portsip_lib.wait_for(PlayAudioFileFinished, timeout=5).file_name == "/sounds/again.wav"


def test_a_video_file_played_once_ends_with_its_event(portsip_lib: PortSIPLib, session: int) -> None:
    portsip_lib.play_video_file_to_remote(session, "/clips/intro.avi", False, True)
    vendor_error(lambda: portsip_lib.play_video_file_to_remote(session, "/clips/x.avi", False, False), "EVideoStartPlayAviFailure")
    assert portsip_lib.wait_for(PlayVideoFileFinished, timeout=5).session_id == session


@pytest.mark.parametrize(
    "play, stop, event",
    [
        (
            lambda lib, s, loop: lib.play_audio_file_to_remote(s, "a.wav", 16000, loop),
            "stop_play_audio_file_to_remote",
            PlayAudioFileFinished,
        ),
        (
            lambda lib, s, loop: lib.play_video_file_to_remote(s, "v.avi", loop, False),
            "stop_play_video_file_to_remote",
            PlayVideoFileFinished,
        ),
    ],
)
def test_looping_and_stopped_files_have_no_end_event(
    portsip_lib: PortSIPLib, stub_control: StubControl, session: int, play: Any, stop: str, event: type
) -> None:
    play(portsip_lib, session, True)  # loops until stopped
    getattr(portsip_lib, stop)(session)
    play(portsip_lib, session, False)
    getattr(portsip_lib, stop)(session)  # before its end: the end event is cancelled
    getattr(portsip_lib, stop)(session)  # stopping when nothing plays is harmless
    with pytest.raises(TimeoutError):
        portsip_lib.wait_for(event, timeout=0.3)
    assert stub_control.pending_events == 0


def test_a_call_that_ends_stops_its_files(portsip_lib: PortSIPLib, stub_control: StubControl, session: int) -> None:
    portsip_lib.play_audio_file_to_remote(session, "a.wav", 16000, False)
    portsip_lib.play_video_file_to_remote(session, "v.avi", False, False)
    stub_control.emit(InviteClosed(session))
    portsip_lib.wait_for(InviteClosed)
    with pytest.raises(TimeoutError):
        portsip_lib.wait_for((PlayAudioFileFinished, PlayVideoFileFinished), timeout=0.3)


def test_background_audio(portsip_lib: PortSIPLib, session: int) -> None:
    portsip_lib.play_audio_file_to_remote_as_background(session, "music.wav", 8000)
    vendor_error(lambda: portsip_lib.play_audio_file_to_remote_as_background(session, "other.wav", 8000), "EAudioIsPlaying")
    portsip_lib.play_audio_file_to_remote(session, "prompt.wav", 8000, False)  # a prompt over the music is fine
    portsip_lib.stop_play_audio_file_to_remote_as_background(session)
    portsip_lib.play_audio_file_to_remote_as_background(session, "other.wav", 16000)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda lib, s: lib.play_audio_file_to_remote(s, "", 16000, False), "EAudioFileNameEmpty"),
        (lambda lib, s: lib.play_audio_file_to_remote(s, "a.wav", 44100, False), "ECoreArgumentIncorrect"),
        (lambda lib, s: lib.play_audio_file_to_remote_as_background(s, "", 16000), "EAudioFileNameEmpty"),
        (lambda lib, s: lib.play_audio_file_to_remote_as_background(s, "a.wav", 11025), "ECoreArgumentIncorrect"),
        (lambda lib, s: lib.play_video_file_to_remote(s, "", False, False), "EVideoFileNameEmpty"),
    ],
)
def test_file_playback_misuse(portsip_lib: PortSIPLib, session: int, call: Any, error: str) -> None:
    vendor_error(lambda: call(portsip_lib, session), error, InvalidArgumentError)


def test_pcm_stream_to_remote(portsip_lib: PortSIPLib, stub_control: StubControl, session: int) -> None:
    twenty_ms = bytes(range(256)) * 2 + bytes(128)  # 640 bytes: 20 ms of 16-bit mono at 16 kHz
    vendor_error(lambda: portsip_lib.send_pcm_stream_to_remote(session, twenty_ms), "EAudioPlaySteamNotEnabled")
    portsip_lib.enable_send_pcm_stream_to_remote(session, True, 16000)
    vendor_error(lambda: portsip_lib.enable_send_pcm_stream_to_remote(session, True, 8000), "EAudioPlaySteamAlreadyEnabled")
    portsip_lib.send_pcm_stream_to_remote(session, twenty_ms)
    assert stub_control.calls[-1].args == {"sessionId": session, "data": twenty_ms, "dataLength": 640}
    vendor_error(lambda: portsip_lib.send_pcm_stream_to_remote(session, b"\x00\x01\x02"), "ECoreArgumentIncorrect")  # half a sample
    vendor_error(lambda: portsip_lib.send_pcm_stream_to_remote(session, b""), "ECoreArgumentIncorrect")
    portsip_lib.enable_send_pcm_stream_to_remote(session, False, 0)
    vendor_error(lambda: portsip_lib.send_pcm_stream_to_remote(session, twenty_ms), "EAudioPlaySteamNotEnabled")
    vendor_error(lambda: portsip_lib.enable_send_pcm_stream_to_remote(session, True, 0), "ECoreArgumentIncorrect")


def test_video_stream_to_remote(portsip_lib: PortSIPLib, stub_control: StubControl, session: int) -> None:
    frame = bytes(176 * 144 * 3 // 2)  # one QCIF I420 frame
    vendor_error(lambda: portsip_lib.send_video_stream_to_remote(session, frame, 176, 144), "EVideoStartSendFailure")
    portsip_lib.enable_send_video_stream_to_remote(session, True)
    portsip_lib.send_video_stream_to_remote(session, frame, 176, 144)
    assert stub_control.calls[-1].args == {"sessionId": session, "data": frame, "dataLength": len(frame), "width": 176, "height": 144}
    for width, height in [(176, 120), (175, 144), (0, 0)]:  # the size must be one I420 frame of width x height
        vendor_error(
            lambda width=width, height=height: portsip_lib.send_video_stream_to_remote(session, frame, width, height),
            "ECoreArgumentIncorrect",
        )
    portsip_lib.enable_send_video_stream_to_remote(session, False)
    vendor_error(lambda: portsip_lib.send_video_stream_to_remote(session, frame, 176, 144), "EVideoStartSendFailure")
