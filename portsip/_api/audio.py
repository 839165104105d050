"""Audio: echo cancellation and the other processing switches, QoS, packet time, and per-call audio
settings and statistics.

Ranges the manual gives (ptime 10-60 in steps of 10, ...) are the SDK's to check: it answers with
its own code, raised as an :class:`~portsip.SDKError` (:class:`~portsip.InvalidArgumentError`, a
ValueError, for a value out of range).
"""

from __future__ import annotations

import dataclasses

from .. import _args
from ..enums import AudioCodec
from ..media import AudioStatistics
from ._core import SDKCore

_AUDIO_STATISTICS = len(dataclasses.fields(AudioStatistics))


class AudioAPI(SDKCore):
    """The audio engine's switches and the audio of each call."""

    # v17.1's import library types AEC, AGC and ANS as on/off (bool), although the vendor's .NET
    # sample passes its EC_MODES / AGC_MODES / NS_MODES values: the binding follows the library.
    def enable_aec(self, ec_mode: bool) -> None:
        """PortSIP_enableAEC: acoustic echo cancellation on or off."""
        self._call_void(self._c.PortSIP_enableAEC, ec_mode=ec_mode)

    def enable_agc(self, agc_mode: bool) -> None:
        """PortSIP_enableAGC: automatic gain control on or off."""
        self._call_void(self._c.PortSIP_enableAGC, agc_mode=agc_mode)

    def enable_ans(self, ns_mode: bool) -> None:
        """PortSIP_enableANS: audio noise suppression on or off."""
        self._call_void(self._c.PortSIP_enableANS, ns_mode=ns_mode)

    def enable_cng(self, state: bool) -> None:
        """PortSIP_enableCNG: comfort noise generation on or off."""
        self._call_void(self._c.PortSIP_enableCNG, state=state)

    def enable_vad(self, state: bool) -> None:
        """PortSIP_enableVAD: voice activity detection on or off."""
        self._call_void(self._c.PortSIP_enableVAD, state=state)

    def enable_audio_qos(self, state: bool) -> None:
        """PortSIP_enableAudioQos: mark audio packets with DSCP 46 (on) or 0 (off)."""
        self._call(self._c.PortSIP_enableAudioQos, state=state)

    def set_audio_samples(self, ptime: int, max_ptime: int) -> None:
        """PortSIP_setAudioSamples: the SDP ptime and maxptime in ms (multiples of 10, 10-60, max_ptime >= ptime)."""
        self._call(self._c.PortSIP_setAudioSamples, ptime=ptime, max_ptime=max_ptime)

    def set_audio_bitrate(self, session_id: int, audio_codec_type: AudioCodec | int, bitrate_kbps: int) -> None:
        """PortSIP_setAudioBitrate: the bitrate of a codec in the call ``session_id``, in kbit/s."""
        self._call(
            self._c.PortSIP_setAudioBitrate,
            session_id=session_id,
            audio_codec_type=int(_args.choice("audio_codec_type", audio_codec_type, AudioCodec)),
            bitrate_kbps=bitrate_kbps,
        )

    def set_audio_rtcp_bandwidth(self, session_id: int, bits_rr: int, bits_rs: int, k_bits_as: int) -> None:
        """PortSIP_setAudioRtcpBandwidth: the RFC 3556 RR and RS (bits) and AS (kbit) of the call's audio."""
        self._call(
            self._c.PortSIP_setAudioRtcpBandwidth,
            session_id=session_id,
            bits_rr=bits_rr,
            bits_rs=bits_rs,
            k_bits_as=k_bits_as,
        )

    def set_channel_input_volume_scaling(self, session_id: int, scaling: int) -> None:
        """PortSIP_setChannelInputVolumeScaling: scale the microphone signal sent in one call
        (0-1000, 100 = unchanged). Returns nothing in C: no error can be reported."""
        self._call_void(self._c.PortSIP_setChannelInputVolumeScaling, session_id=session_id, scaling=scaling)

    def set_channel_output_volume_scaling(self, session_id: int, scaling: int) -> None:
        """PortSIP_setChannelOutputVolumeScaling: scale the audio received in one call
        (0-1000, 100 = unchanged). Returns nothing in C: no error can be reported."""
        self._call_void(self._c.PortSIP_setChannelOutputVolumeScaling, session_id=session_id, scaling=scaling)

    def get_audio_statistics(self, session_id: int) -> AudioStatistics:
        """PortSIP_getAudioStatistics: the audio RTP counters of the call ``session_id``."""
        values = self._call_out_ints(self._c.PortSIP_getAudioStatistics, _AUDIO_STATISTICS, session_id=session_id)
        return AudioStatistics(*values)
