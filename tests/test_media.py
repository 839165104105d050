"""Codecs, audio and video settings, devices and statistics on the stub: what each answers and reads back."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from support import vendor_error

from portsip import (
    AudioCodec,
    AudioStatistics,
    InvalidArgumentError,
    NotFoundError,
    PortSIPLib,
    VideoCaptureDevice,
    VideoCodec,
    VideoStatistics,
)
from portsip.testing import StubControl

import abi

_, FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))



# ---- codecs -------------------------------------------------------------------------------------


def test_codecs_are_empty_until_added_and_after_clearing(portsip_lib: PortSIPLib) -> None:
    assert portsip_lib.is_audio_codec_empty() and portsip_lib.is_video_codec_empty()
    portsip_lib.add_audio_codec(AudioCodec.PCMU)
    portsip_lib.add_video_codec(VideoCodec.H264)
    assert not portsip_lib.is_audio_codec_empty() and not portsip_lib.is_video_codec_empty()
    vendor_error(lambda: portsip_lib.add_audio_codec(AudioCodec.PCMU), "ECoreCodecWasExist")
    portsip_lib.clear_audio_codec()
    assert portsip_lib.is_audio_codec_empty() and not portsip_lib.is_video_codec_empty()
    portsip_lib.clear_video_codec()
    assert portsip_lib.is_video_codec_empty()
    portsip_lib.add_audio_codec(AudioCodec.PCMU)  # addable again once cleared


@pytest.mark.parametrize(
    "set_payload, codec, payload, error",
    [
        ("set_audio_codec_payload_type", AudioCodec.PCMA, 100, "ECoreFixPayloadCantChange"),  # static payload 8
        ("set_video_codec_payload_type", VideoCodec.H263, 100, "ECoreFixPayloadCantChange"),  # static payload 34
        ("set_audio_codec_payload_type", AudioCodec.OPUS, 95, "ECorePayloadOutofRange"),
        ("set_audio_codec_payload_type", AudioCodec.OPUS, 128, "ECorePayloadOutofRange"),
        ("set_audio_codec_payload_type", AudioCodec.OPUS, 101, "ECorePayloadHasExist"),  # DTMF's
        ("set_video_codec_payload_type", VideoCodec.VP8, 122, "ECorePayloadHasExist"),  # VP9's
        ("set_audio_codec_payload_type", AudioCodec.NONE, 100, "ECoreCodecTypeInvalid"),
    ],
)
def test_payload_type_rules(portsip_lib: PortSIPLib, set_payload: str, codec: int, payload: int, error: str) -> None:
    vendor_error(lambda: getattr(portsip_lib, set_payload)(codec, payload), error)


def test_a_dynamic_payload_type_moves_and_frees_the_old_one(portsip_lib: PortSIPLib) -> None:
    portsip_lib.set_audio_codec_payload_type(AudioCodec.OPUS, 111)
    portsip_lib.set_audio_codec_payload_type(AudioCodec.SPEEX, 105)  # OPUS's default, free now
    vendor_error(lambda: portsip_lib.set_audio_codec_payload_type(AudioCodec.ILBC, 111), "ECorePayloadHasExist")
    portsip_lib.set_video_codec_payload_type(VideoCodec.H264, 111)  # video payloads are a separate space


def test_codec_parameters(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.set_video_codec_parameter(VideoCodec.H264, "packetization-mode=1")
    assert stub_control.calls[-1].args == {"codecType": 125, "parameter": "packetization-mode=1"}
    vendor_error(lambda: portsip_lib.set_audio_codec_parameter(AudioCodec.NONE, "x"), "ECoreCodecTypeInvalid")


# ---- audio --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ptime, max_ptime, error",
    [
        (15, 20, "ECoreAudioSampleNotmultiple"),
        (20, 25, "ECoreAudioSampleNotmultiple"),
        (0, 20, "ECoreAudioSampleOutOfRange"),
        (20, 70, "ECoreAudioSampleOutOfRange"),
        (40, 20, "ECoreAudioSampleOutOfRange"),
    ],
)
def test_audio_samples_rules(portsip_lib: PortSIPLib, ptime: int, max_ptime: int, error: str) -> None:
    vendor_error(lambda: portsip_lib.set_audio_samples(ptime, max_ptime), error, InvalidArgumentError)


def test_audio_processing_switches_are_recorded_as_bool(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    for method, parameter in [("enable_aec", "ecMode"), ("enable_agc", "agcMode"), ("enable_ans", "nsMode")]:
        getattr(portsip_lib, method)(True)
        assert stub_control.calls[-1].args == {parameter: True}


def test_per_call_audio_settings_in_an_open_call(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    session = stub_control.open_session()
    portsip_lib.set_audio_bitrate(session, AudioCodec.OPUS, 24)
    portsip_lib.set_audio_rtcp_bandwidth(session, 0, 0, 0)
    vendor_error(lambda: portsip_lib.set_audio_bitrate(session, AudioCodec.OPUS, 0), "ECoreArgumentIncorrect")
    vendor_error(lambda: portsip_lib.set_audio_rtcp_bandwidth(session, -1, 0, 0), "ECoreArgumentIncorrect")
    vendor_error(lambda: portsip_lib.set_video_rtcp_bandwidth(session, 0, 0, -5), "ECoreArgumentIncorrect")
    portsip_lib.set_channel_input_volume_scaling(session, 1000)
    assert stub_control.calls[-1].args == {"sessionId": session, "scaling": 1000}


# ---- statistics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, function", [(AudioStatistics, "PortSIP_getAudioStatistics"), (VideoStatistics, "PortSIP_getVideoStatistics")]
)
def test_statistics_fields_are_the_out_parameters_in_order(cls: type, function: str) -> None:
    [decl] = [f for f in FUNCTIONS if f.name == function]
    out = [p for p in decl.params if p.c_type == "int*"]
    assert [f.name for f in dataclasses.fields(cls)] == [abi.snake_case(p.name) for p in out]
    assert all(f.type == "int" for f in dataclasses.fields(cls))


def test_audio_statistics_values(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    session = stub_control.open_session()
    stats = portsip_lib.get_audio_statistics(session)
    assert stats == AudioStatistics(40000, 250, 2, 1, 40, -1, 3, 6, 39680, 248, 3, 1, -1, 4, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.send_bytes = 0  # type: ignore[misc]
    # The codec offered first is the one in use; a muted microphone sends silence.
    portsip_lib.add_audio_codec(AudioCodec.G722)
    portsip_lib.add_audio_codec(AudioCodec.PCMU)
    portsip_lib.mute_microphone(True)
    stats = portsip_lib.get_audio_statistics(session)
    assert (stats.send_codec_type, stats.recv_codec_type, stats.send_audio_level) == (AudioCodec.G722, AudioCodec.G722, 0)
    assert stub_control.calls[-1].args == {"sessionId": session}


def test_video_statistics_read_back_the_settings(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    session = stub_control.open_session()
    stats = portsip_lib.get_video_statistics(session)
    assert (stats.send_frame_width, stats.send_frame_height, stats.send_bitrate_bps, stats.send_framerate) == (352, 288, 500_000, 15)
    assert stats.send_codec_type == VideoCodec.NONE and stats.recv_bitrate_bps == 0  # manual: not measured
    portsip_lib.add_video_codec(VideoCodec.VP8)
    portsip_lib.set_video_resolution(1280, 720)
    portsip_lib.set_video_bitrate(session, 1200)
    portsip_lib.set_video_frame_rate(session, 30)
    stats = portsip_lib.get_video_statistics(session)
    assert (stats.send_codec_type, stats.recv_frame_width, stats.recv_frame_height) == (VideoCodec.VP8, 1280, 720)
    assert (stats.send_bitrate_bps, stats.send_framerate, stats.recv_framerate) == (1_200_000, 30, 30)


# ---- video --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda lib, s: lib.set_video_resolution(641, 480), "EVideoUnsupportCaptureResolution"),
        (lambda lib, s: lib.set_video_resolution(0, 480), "EVideoUnsupportCaptureResolution"),
        (lambda lib, s: lib.set_video_frame_rate(s, 4), "ECoreArgumentIncorrect"),
        (lambda lib, s: lib.set_video_frame_rate(s, 31), "ECoreArgumentIncorrect"),
        (lambda lib, s: lib.set_video_bitrate(s, -1), "ECoreArgumentIncorrect"),
    ],
)
def test_video_settings_misuse(portsip_lib: PortSIPLib, stub_control: StubControl, call: Any, error: str) -> None:
    vendor_error(lambda: call(portsip_lib, stub_control.open_session()), error)


def test_video_mtu_out_of_range_is_not_an_error(portsip_lib: PortSIPLib) -> None:
    portsip_lib.set_video_mtu(100)  # manual: the SDK falls back to 1450


def test_window_handles_travel_as_addresses(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    session = stub_control.open_session()
    portsip_lib.set_local_video_window(0xDEADBEEF)
    portsip_lib.set_remote_video_window(session, None)
    portsip_lib.set_local_video_window(None)
    args = [call.args for call in stub_control.calls[-3:]]
    assert args == [{"localVideoWindow": 0xDEADBEEF}, {"sessionId": session, "remoteVideoWindow": 0}, {"localVideoWindow": 0}]


# ---- devices ------------------------------------------------------------------------------------


def test_device_counts_and_names(portsip_lib: PortSIPLib) -> None:
    assert (
        portsip_lib.get_num_of_recording_devices(),
        portsip_lib.get_num_of_playout_devices(),
        portsip_lib.get_num_of_video_capture_devices(),
    ) == (2, 2, 2)
    assert [portsip_lib.get_recording_device_name(i) for i in (-1, 0, 1)] == [
        "Stub Microphone",
        "Stub Microphone",
        "Stub Headset Microphone (Zoë)",
    ]
    assert portsip_lib.get_playout_device_name() == "Stub Speakers"
    assert portsip_lib.get_video_capture_device_name(1) == VideoCaptureDevice("stub-camera-1", "Stub Document Camera")
    assert portsip_lib.get_video_capture_device_name() == ("stub-camera-0", "Stub Camera")


def test_a_name_longer_than_the_buffer_is_fetched_again_with_more_room(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    name = portsip_lib.get_playout_device_name(1)
    assert name.startswith("Stub Headset Earphones") and name.endswith("to provide)") and len(name.encode()) > 128
    lengths = [call.args["nameUTF8Length"] for call in stub_control.calls_to("PortSIP_getPlayoutDeviceName")]
    assert lengths == [128, 256]  # the stub answered ECoreBufferTooSmall to the first


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda lib: lib.get_recording_device_name(2), "EDeviceGetDeviceNameFailure"),
        (lambda lib: lib.get_playout_device_name(7), "EDeviceGetDeviceNameFailure"),
        (lambda lib: lib.get_video_capture_device_name(2), "EVideoGetDeviceNameFailure"),
        (lambda lib: lib.set_video_device_id(2), "EVideoGetDeviceIdFailure"),
        (lambda lib: lib.show_video_capture_settings_dialog_box("no-such-camera", "Settings"), "EVideoGetDeviceIdFailure"),
    ],
)
def test_unknown_devices_are_not_found(portsip_lib: PortSIPLib, call: Any, error: str) -> None:
    vendor_error(lambda: call(portsip_lib), error, NotFoundError)


def test_device_selection(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.set_audio_device_id(1, -1)
    portsip_lib.set_video_device_id(1)
    vendor_error(lambda: portsip_lib.set_audio_device_id(2, 0), "ECoreArgumentIncorrect", InvalidArgumentError)
    stub_control.open_session()  # the vendor's codes say devices cannot change during a call
    vendor_error(lambda: portsip_lib.set_audio_device_id(0, 0), "EAudioCantSetDeviceIdDuringCall")
    vendor_error(lambda: portsip_lib.set_video_device_id(0), "EVideoCantSetDeviceIdDuringCall")


def test_the_default_camera_index_travels_as_unsigned(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.get_video_capture_device_name(-1)
    assert stub_control.calls[-1].args == {"deviceIndex": 2**32 - 1, "uniqueIdUTF8Length": 128, "deviceNameUTF8Length": 128}


def test_volumes_are_kept(portsip_lib: PortSIPLib) -> None:
    assert (portsip_lib.get_speaker_volume(), portsip_lib.get_mic_volume()) == (128, 128)
    portsip_lib.set_speaker_volume(255)
    portsip_lib.set_mic_volume(0)
    assert (portsip_lib.get_speaker_volume(), portsip_lib.get_mic_volume()) == (255, 0)
    vendor_error(lambda: portsip_lib.set_speaker_volume(256), "EAudioVolumeOutOfRange", InvalidArgumentError)
    assert portsip_lib.get_speaker_volume() == 255


def test_capture_settings_dialog(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    portsip_lib.show_video_capture_settings_dialog_box("stub-camera-1", "Kamera ⚙", 0x10, 5, 6)
    assert stub_control.calls[-1].args == {
        "uniqueIdUTF8": "stub-camera-1",
        "uniqueIdUTF8Length": 13,
        "dialogTitle": "Kamera ⚙",
        "parentWindow": 0x10,
        "x": 5,
        "y": 6,
    }
