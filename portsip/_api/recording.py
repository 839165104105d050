"""Recording a call, playing files into it, and sending it PCM audio or video frames the application
makes itself (instead of microphone and camera).

Raw audio and video frames and RTP packets *received* from a call (the media stream callbacks) are
not here: they need the binding's non-blocking frame delivery, which is built separately.
"""

from __future__ import annotations

from .. import _args
from ..enums import AudioFileFormat, RecordMode, VideoCodec
from ._core import SDKCore


class RecordingAPI(SDKCore):
    """A call's media to and from files and application buffers."""

    def start_record(
        self,
        session_id: int,
        record_file_path: str,
        record_file_name: str,
        append_time_stamp: bool,
        audio_file_format: AudioFileFormat | int,
        audio_record_mode: RecordMode | int,
        video_file_codec_type: VideoCodec | int,
        video_record_mode: RecordMode | int,
    ) -> None:
        """PortSIP_startRecord: record the call ``session_id`` into ``record_file_path`` (an existing
        folder) / ``record_file_name``, optionally with a time stamp appended to the name.

        The record modes say which directions to record; ``video_file_codec_type`` compresses the
        video (``VideoCodec.NONE`` with ``RecordMode.NONE`` for audio only).
        """
        self._call(
            "PortSIP_startRecord",
            _args.integer("session_id", session_id, "long"),
            _args.text("record_file_path", record_file_path),
            _args.text("record_file_name", record_file_name),
            _args.flag("append_time_stamp", append_time_stamp),
            int(_args.choice("audio_file_format", audio_file_format, AudioFileFormat)),
            int(_args.choice("audio_record_mode", audio_record_mode, RecordMode)),
            int(_args.choice("video_file_codec_type", video_file_codec_type, VideoCodec)),
            int(_args.choice("video_record_mode", video_record_mode, RecordMode)),
        )

    def stop_record(self, session_id: int) -> None:
        """PortSIP_stopRecord."""
        self._call("PortSIP_stopRecord", _args.integer("session_id", session_id, "long"))

    def play_audio_file_to_remote(self, session_id: int, file_name: str, file_samples_per_sec: int, loop: bool) -> None:
        """PortSIP_playAudioFileToRemote: play a wave file (8000, 16000 or 32000 samples/s) to the other
        party instead of the microphone. Played once, its end arrives as PlayAudioFileFinished."""
        self._call(
            "PortSIP_playAudioFileToRemote",
            _args.integer("session_id", session_id, "long"),
            _args.text("file_name", file_name),
            _args.integer("file_samples_per_sec", file_samples_per_sec),
            _args.flag("loop", loop),
        )

    def stop_play_audio_file_to_remote(self, session_id: int) -> None:
        """PortSIP_stopPlayAudioFileToRemote."""
        self._call("PortSIP_stopPlayAudioFileToRemote", _args.integer("session_id", session_id, "long"))

    def play_audio_file_to_remote_as_background(self, session_id: int, file_name: str, file_samples_per_sec: int) -> None:
        """PortSIP_playAudioFileToRemoteAsBackground: mix a wave file (8000, 16000 or 32000 samples/s)
        into the call as background sound."""
        self._call(
            "PortSIP_playAudioFileToRemoteAsBackground",
            _args.integer("session_id", session_id, "long"),
            _args.text("file_name", file_name),
            _args.integer("file_samples_per_sec", file_samples_per_sec),
        )

    def stop_play_audio_file_to_remote_as_background(self, session_id: int) -> None:
        """PortSIP_stopPlayAudioFileToRemoteAsBackground."""
        self._call("PortSIP_stopPlayAudioFileToRemoteAsBackground", _args.integer("session_id", session_id, "long"))

    def play_video_file_to_remote(self, session_id: int, avi_file: str, loop: bool, play_audio: bool) -> None:
        """PortSIP_playVideoFileToRemote: play an AVI file to the other party instead of the camera, with
        its audio when ``play_audio``. Played once, its end arrives as PlayVideoFileFinished."""
        self._call(
            "PortSIP_playVideoFileToRemote",
            _args.integer("session_id", session_id, "long"),
            _args.text("avi_file", avi_file),
            _args.flag("loop", loop),
            _args.flag("play_audio", play_audio),
        )

    def stop_play_video_file_to_remote(self, session_id: int) -> None:
        """PortSIP_stopPlayVideoFileToRemote."""
        self._call("PortSIP_stopPlayVideoFileToRemote", _args.integer("session_id", session_id, "long"))

    def enable_send_pcm_stream_to_remote(self, session_id: int, state: bool, stream_samples_per_sec: int) -> None:
        """PortSIP_enableSendPcmStreamToRemote: send audio from :meth:`send_pcm_stream_to_remote`
        instead of the microphone (``stream_samples_per_sec``: e.g. 8000 or 16000)."""
        self._call(
            "PortSIP_enableSendPcmStreamToRemote",
            _args.integer("session_id", session_id, "long"),
            _args.flag("state", state),
            _args.integer("stream_samples_per_sec", stream_samples_per_sec),
        )

    def send_pcm_stream_to_remote(self, session_id: int, data: bytes) -> None:
        """PortSIP_sendPcmStreamToRemote: 16-bit mono PCM to send in the call.

        The SDK buffers only 100 ms and drops the excess: send 20 ms of audio every 20 ms.
        """
        samples = _args.data("data", data)
        self._call("PortSIP_sendPcmStreamToRemote", _args.integer("session_id", session_id, "long"), samples, len(samples))

    def enable_send_video_stream_to_remote(self, session_id: int, state: bool) -> None:
        """PortSIP_enableSendVideoStreamToRemote: send frames from :meth:`send_video_stream_to_remote`
        instead of the camera."""
        self._call(
            "PortSIP_enableSendVideoStreamToRemote",
            _args.integer("session_id", session_id, "long"),
            _args.flag("state", state),
        )

    def send_video_stream_to_remote(self, session_id: int, data: bytes, width: int, height: int) -> None:
        """PortSIP_sendVideoStreamToRemote: one I420 frame of ``width`` x ``height`` pixels
        (``width * height * 3 // 2`` bytes) to send in the call."""
        frame = _args.data("data", data)
        self._call(
            "PortSIP_sendVideoStreamToRemote",
            _args.integer("session_id", session_id, "long"),
            frame,
            len(frame),
            _args.integer("width", width),
            _args.integer("height", height),
        )
