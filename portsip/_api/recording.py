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
            self._c.PortSIP_startRecord,
            session_id=session_id,
            record_file_path=_args.text("record_file_path", record_file_path),
            record_file_name=_args.text("record_file_name", record_file_name),
            append_time_stamp=append_time_stamp,
            audio_file_format=int(_args.choice("audio_file_format", audio_file_format, AudioFileFormat)),
            audio_record_mode=int(_args.choice("audio_record_mode", audio_record_mode, RecordMode)),
            video_file_codec_type=int(_args.choice("video_file_codec_type", video_file_codec_type, VideoCodec)),
            video_record_mode=int(_args.choice("video_record_mode", video_record_mode, RecordMode)),
        )

    def stop_record(self, session_id: int) -> None:
        """PortSIP_stopRecord."""
        self._call(self._c.PortSIP_stopRecord, session_id=session_id)

    def play_audio_file_to_remote(self, session_id: int, file_name: str, file_samples_per_sec: int, loop: bool) -> None:
        """PortSIP_playAudioFileToRemote: play a wave file (8000, 16000 or 32000 samples/s) to the other
        party instead of the microphone. Played once, its end arrives as PlayAudioFileFinished."""
        self._call(
            self._c.PortSIP_playAudioFileToRemote,
            session_id=session_id,
            file_name=_args.text("file_name", file_name),
            file_samples_per_sec=file_samples_per_sec,
            loop=loop,
        )

    def stop_play_audio_file_to_remote(self, session_id: int) -> None:
        """PortSIP_stopPlayAudioFileToRemote."""
        self._call(self._c.PortSIP_stopPlayAudioFileToRemote, session_id=session_id)

    def play_audio_file_to_remote_as_background(self, session_id: int, file_name: str, file_samples_per_sec: int) -> None:
        """PortSIP_playAudioFileToRemoteAsBackground: mix a wave file (8000, 16000 or 32000 samples/s)
        into the call as background sound."""
        self._call(
            self._c.PortSIP_playAudioFileToRemoteAsBackground,
            session_id=session_id,
            file_name=_args.text("file_name", file_name),
            file_samples_per_sec=file_samples_per_sec,
        )

    def stop_play_audio_file_to_remote_as_background(self, session_id: int) -> None:
        """PortSIP_stopPlayAudioFileToRemoteAsBackground."""
        self._call(self._c.PortSIP_stopPlayAudioFileToRemoteAsBackground, session_id=session_id)

    def play_video_file_to_remote(self, session_id: int, avi_file: str, loop: bool, play_audio: bool) -> None:
        """PortSIP_playVideoFileToRemote: play an AVI file to the other party instead of the camera, with
        its audio when ``play_audio``. Played once, its end arrives as PlayVideoFileFinished."""
        self._call(
            self._c.PortSIP_playVideoFileToRemote,
            session_id=session_id,
            avi_file=_args.text("avi_file", avi_file),
            loop=loop,
            play_audio=play_audio,
        )

    def stop_play_video_file_to_remote(self, session_id: int) -> None:
        """PortSIP_stopPlayVideoFileToRemote."""
        self._call(self._c.PortSIP_stopPlayVideoFileToRemote, session_id=session_id)

    def enable_send_pcm_stream_to_remote(self, session_id: int, state: bool, stream_samples_per_sec: int) -> None:
        """PortSIP_enableSendPcmStreamToRemote: send audio from :meth:`send_pcm_stream_to_remote`
        instead of the microphone (``stream_samples_per_sec``: e.g. 8000 or 16000)."""
        self._call(
            self._c.PortSIP_enableSendPcmStreamToRemote,
            session_id=session_id,
            state=state,
            stream_samples_per_sec=stream_samples_per_sec,
        )

    def send_pcm_stream_to_remote(self, session_id: int, data: bytes) -> None:
        """PortSIP_sendPcmStreamToRemote: 16-bit mono PCM to send in the call.

        The SDK buffers only 100 ms and drops the excess: send 20 ms of audio every 20 ms.
        """
        samples = _args.data("data", data)
        self._call(self._c.PortSIP_sendPcmStreamToRemote, session_id=session_id, data=samples, data_length=len(samples))

    def enable_send_video_stream_to_remote(self, session_id: int, state: bool) -> None:
        """PortSIP_enableSendVideoStreamToRemote: send frames from :meth:`send_video_stream_to_remote`
        instead of the camera."""
        self._call(self._c.PortSIP_enableSendVideoStreamToRemote, session_id=session_id, state=state)

    def send_video_stream_to_remote(self, session_id: int, data: bytes, width: int, height: int) -> None:
        """PortSIP_sendVideoStreamToRemote: one I420 frame of ``width`` x ``height`` pixels
        (``width * height * 3 // 2`` bytes) to send in the call."""
        frame = _args.data("data", data)
        self._call(
            self._c.PortSIP_sendVideoStreamToRemote,
            session_id=session_id,
            data=frame,
            data_length=len(frame),
            width=width,
            height=height,
        )
