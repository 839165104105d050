"""Audio and video codecs: which are offered in SDP, their RTP payload types and fmtp parameters."""

from __future__ import annotations

from .. import _args
from ..enums import AudioCodec, VideoCodec
from ._core import SDKCore


class CodecsAPI(SDKCore):
    """The codecs offered in calls, in the order added (enable at least one before calling)."""

    def add_audio_codec(self, codec_type: AudioCodec | int) -> None:
        """PortSIP_addAudioCodec: offer this audio codec in SDP (after those added before)."""
        self._call(self._c.PortSIP_addAudioCodec, codec_type=int(_args.choice("codec_type", codec_type, AudioCodec)))

    def add_video_codec(self, codec_type: VideoCodec | int) -> None:
        """PortSIP_addVideoCodec: offer this video codec in SDP."""
        self._call(self._c.PortSIP_addVideoCodec, codec_type=int(_args.choice("codec_type", codec_type, VideoCodec)))

    def is_audio_codec_empty(self) -> bool:
        """PortSIP_isAudioCodecEmpty: True when no audio codec is enabled."""
        return bool(self._call(self._c.PortSIP_isAudioCodecEmpty))

    def is_video_codec_empty(self) -> bool:
        """PortSIP_isVideoCodecEmpty: True when no video codec is enabled."""
        return bool(self._call(self._c.PortSIP_isVideoCodecEmpty))

    def set_audio_codec_payload_type(self, codec_type: AudioCodec | int, payload_type: int) -> None:
        """PortSIP_setAudioCodecPayloadType: the RTP payload type of a dynamic audio codec (96-127)."""
        self._call(
            self._c.PortSIP_setAudioCodecPayloadType,
            codec_type=int(_args.choice("codec_type", codec_type, AudioCodec)),
            payload_type=payload_type,
        )

    def set_video_codec_payload_type(self, codec_type: VideoCodec | int, payload_type: int) -> None:
        """PortSIP_setVideoCodecPayloadType: the RTP payload type of a dynamic video codec (96-127)."""
        self._call(
            self._c.PortSIP_setVideoCodecPayloadType,
            codec_type=int(_args.choice("codec_type", codec_type, VideoCodec)),
            payload_type=payload_type,
        )

    def clear_audio_codec(self) -> None:
        """PortSIP_clearAudioCodec: disable every audio codec (returns nothing in C)."""
        self._call_void(self._c.PortSIP_clearAudioCodec)

    def clear_video_codec(self) -> None:
        """PortSIP_clearVideoCodec: disable every video codec (returns nothing in C)."""
        self._call_void(self._c.PortSIP_clearVideoCodec)

    def set_audio_codec_parameter(self, codec_type: AudioCodec | int, parameter: str) -> None:
        """PortSIP_setAudioCodecParameter: the codec's SDP fmtp parameters,
        e.g. ``(AudioCodec.AMR, "mode-set=0; octet-align=1")``."""
        self._call(
            self._c.PortSIP_setAudioCodecParameter,
            codec_type=int(_args.choice("codec_type", codec_type, AudioCodec)),
            parameter=_args.text("parameter", parameter),
        )

    def set_video_codec_parameter(self, codec_type: VideoCodec | int, parameter: str) -> None:
        """PortSIP_setVideoCodecParameter: the codec's SDP fmtp parameters,
        e.g. ``(VideoCodec.H264, "profile-level-id=420033; packetization-mode=0")``."""
        self._call(
            self._c.PortSIP_setVideoCodecParameter,
            codec_type=int(_args.choice("codec_type", codec_type, VideoCodec)),
            parameter=_args.text("parameter", parameter),
        )
