"""Video: capture size, packets and QoS, the windows video is shown in, and per-call video settings
and statistics.

Window handles are the platform's native ones (an HWND on Windows) given as int; None detaches.
Ranges the manual gives (frame rate 5-30, ...) are the SDK's to check: it answers with its own code,
raised as an :class:`~portsip.SDKError`.
"""

from __future__ import annotations

import dataclasses

from .. import _args
from ..media import VideoStatistics
from ._core import SDKCore

_VIDEO_STATISTICS = len(dataclasses.fields(VideoStatistics))


class VideoAPI(SDKCore):
    """The camera's video, where video is displayed, and the video of each call."""

    def enable_video_qos(self, state: bool) -> None:
        """PortSIP_enableVideoQos: mark video packets with DSCP 34 (on) or 0 (off)."""
        self._call(self._c.PortSIP_enableVideoQos, state=state)

    def set_video_mtu(self, mtu: int) -> None:
        """PortSIP_setVideoMTU: the largest video RTP packet (512-65507; the SDK uses 1450 for other values)."""
        self._call(self._c.PortSIP_setVideoMTU, mtu=mtu)

    def set_video_nack_status(self, state: bool) -> None:
        """PortSIP_setVideoNackStatus: RTCP NACK (RFC 4585) retransmissions of lost video packets."""
        self._call(self._c.PortSIP_setVideoNackStatus, state=state)

    def set_video_resolution(self, width: int, height: int) -> None:
        """PortSIP_setVideoResolution: the capture size in pixels."""
        self._call(self._c.PortSIP_setVideoResolution, width=width, height=height)

    def set_video_bitrate(self, session_id: int, bitrate_kbps: int) -> None:
        """PortSIP_setVideoBitrate: the video bitrate of the call ``session_id``, in kbit/s."""
        self._call(self._c.PortSIP_setVideoBitrate, session_id=session_id, bitrate_kbps=bitrate_kbps)

    def set_video_frame_rate(self, session_id: int, frame_rate: int) -> None:
        """PortSIP_setVideoFrameRate: frames per second sent in the call (5-30); the SDK has a default."""
        self._call(self._c.PortSIP_setVideoFrameRate, session_id=session_id, frame_rate=frame_rate)

    def set_video_rtcp_bandwidth(self, session_id: int, bits_rr: int, bits_rs: int, k_bits_as: int) -> None:
        """PortSIP_setVideoRtcpBandwidth: the RFC 3556 RR and RS (bits) and AS (kbit) of the call's video."""
        self._call(
            self._c.PortSIP_setVideoRtcpBandwidth,
            session_id=session_id,
            bits_rr=bits_rr,
            bits_rs=bits_rs,
            k_bits_as=k_bits_as,
        )

    def set_local_video_window(self, local_video_window: int | None) -> None:
        """PortSIP_setLocalVideoWindow: the window showing our camera (None: none). Returns nothing in C."""
        window = self._ffi.cast("void*", _args.handle("local_video_window", local_video_window))
        self._call_void(self._c.PortSIP_setLocalVideoWindow, local_video_window=window)

    def set_remote_video_window(self, session_id: int, remote_video_window: int | None) -> None:
        """PortSIP_setRemoteVideoWindow: the window showing the video received in a call (None: none)."""
        window = self._ffi.cast("void*", _args.handle("remote_video_window", remote_video_window))
        self._call(self._c.PortSIP_setRemoteVideoWindow, session_id=session_id, remote_video_window=window)

    def display_local_video(self, state: bool, mirror: bool) -> None:
        """PortSIP_displayLocalVideo: show (or stop showing) our camera in the local window, optionally mirrored."""
        self._call(self._c.PortSIP_displayLocalVideo, state=state, mirror=mirror)

    def send_video(self, session_id: int, send_state: bool) -> None:
        """PortSIP_sendVideo: start or stop sending our video in the call ``session_id``."""
        self._call(self._c.PortSIP_sendVideo, session_id=session_id, send_state=send_state)

    def get_video_statistics(self, session_id: int) -> VideoStatistics:
        """PortSIP_getVideoStatistics: the video RTP counters of the call ``session_id``."""
        values = self._call_out_ints(self._c.PortSIP_getVideoStatistics, _VIDEO_STATISTICS, session_id=session_id)
        return VideoStatistics(*values)
