"""Values the media functions return: the RTP statistics of a call and a video capture device.

The statistics fields are the vendor's out-parameters in snake_case, in the vendor's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["AudioStatistics", "VideoStatistics", "VideoCaptureDevice"]


@dataclass(frozen=True)
class AudioStatistics:
    """PortSIP_getAudioStatistics: the audio RTP counters of one call.

    Fraction lost is in percent, times in milliseconds, audio levels 0-9; the codec types are
    :class:`~portsip.enums.AudioCodec` values.
    """

    send_bytes: int
    send_packets: int
    send_packets_lost: int
    send_fraction_lost: int
    send_rtt_ms: int
    send_codec_type: int
    send_jitter_ms: int
    send_audio_level: int
    recv_bytes: int
    recv_packets: int
    recv_packets_lost: int
    recv_fraction_lost: int
    recv_codec_type: int
    recv_jitter_ms: int
    recv_audio_level: int


@dataclass(frozen=True)
class VideoStatistics:
    """PortSIP_getVideoStatistics: the video RTP counters of one call.

    Fraction lost is in percent, the round trip in milliseconds, bitrates in bits per second;
    the codec types are :class:`~portsip.enums.VideoCodec` values. The manual says the SDK does
    not measure ``recv_bitrate_bps`` yet.
    """

    send_bytes: int
    send_packets: int
    send_packets_lost: int
    send_fraction_lost: int
    send_rtt_ms: int
    send_codec_type: int
    send_frame_width: int
    send_frame_height: int
    send_bitrate_bps: int
    send_framerate: int
    recv_bytes: int
    recv_packets: int
    recv_packets_lost: int
    recv_fraction_lost: int
    recv_codec_type: int
    recv_frame_width: int
    recv_frame_height: int
    recv_bitrate_bps: int
    recv_framerate: int


class VideoCaptureDevice(NamedTuple):
    """PortSIP_getVideoCaptureDeviceName: a camera's unique id (for the settings dialog) and its name."""

    unique_id: str
    device_name: str
