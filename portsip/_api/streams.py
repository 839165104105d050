"""Media stream callbacks: a call's raw audio and video, and its RTP packets, as typed frames.

The SDK calls these callbacks on its media threads, up to hundreds of times a second per call. The
binding installs its own C handlers (from the native event queue, like the event handlers), which
copy each frame into the instance's bounded queue and return at once; the frames then reach Python as
:class:`~portsip.events.AudioRawFrame`, :class:`~portsip.events.VideoRawFrame`,
:class:`~portsip.events.ReceivedRTPPacket` and :class:`~portsip.events.SendingRTPPacket` objects,
delivered to ``lib.on(AudioRawFrame, fn)`` handlers and to async streams opened for them (see
:class:`~portsip.events.MediaFrame`). Frames may hold at most half of the instance's budget: a
handler that falls behind loses frames (``stats["frames_dropped"]``), never events.
"""

from __future__ import annotations

from .. import _args
from ..enums import AudioStreamCallbackMode, VideoStreamCallbackMode
from ..events import AudioRawFrame, ReceivedRTPPacket, SendingRTPPacket, VideoRawFrame
from ._core import SDKCore


class StreamsAPI(SDKCore):
    """Raw audio/video frames and RTP packets of calls, delivered as frame events."""

    def enable_audio_stream_callback(
        self,
        session_id: int,
        enable: bool = True,
        callback_mode: AudioStreamCallbackMode | int = AudioStreamCallbackMode.REMOTE_PER_CHANNEL,
    ) -> None:
        """PortSIP_enableAudioStreamCallback: receive the call's raw audio as AudioRawFrame events.

        ``callback_mode`` picks the audio (sent, received or both); ``enable=False`` stops it.
        """
        self._call(
            self._c.PortSIP_enableAudioStreamCallback,
            session_id=session_id,
            enable=enable,
            callback_mode=int(_args.choice("callback_mode", callback_mode, AudioStreamCallbackMode)),
            callback_object=self._events.callback_object(self._ffi),
            callback_handler=self._events.frame_handler(AudioRawFrame, self._ffi),
        )

    def enable_video_stream_callback(
        self, session_id: int, callback_mode: VideoStreamCallbackMode | int = VideoStreamCallbackMode.REMOTE
    ) -> None:
        """PortSIP_enableVideoStreamCallback: receive the call's raw video as VideoRawFrame events.

        ``callback_mode`` picks the video (local, remote or both); ``VideoStreamCallbackMode.NONE``
        stops it.
        """
        self._call(
            self._c.PortSIP_enableVideoStreamCallback,
            session_id=session_id,
            callback_mode=int(_args.choice("callback_mode", callback_mode, VideoStreamCallbackMode)),
            callback_object=self._events.callback_object(self._ffi),
            callback_handler=self._events.frame_handler(VideoRawFrame, self._ffi),
        )

    def set_rtp_callback(self, enable: bool = True) -> None:
        """PortSIP_setRtpCallback: receive every call's RTP packets, received and about to be sent,
        as ReceivedRTPPacket and SendingRTPPacket events; ``enable=False`` stops them."""
        if _args.flag("enable", enable):
            handlers = (self._events.frame_handler(ReceivedRTPPacket, self._ffi), self._events.frame_handler(SendingRTPPacket, self._ffi))
        else:
            handlers = (self._ffi.NULL, self._ffi.NULL)
        self._call(
            self._c.PortSIP_setRtpCallback,
            callback_object=self._events.callback_object(self._ffi),
            received_rtp_callback_handler=handlers[0],
            sending_rtp_callback_handler=handlers[1],
        )
