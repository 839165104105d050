"""Valid positional arguments for each public method of portsip/_api/recording.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "start_record": (1, "/tmp", "call.wav", True, 1, 3, -1, 0),
    "stop_record": (1,),
    "play_audio_file_to_remote": (1, "/tmp/prompt.wav", 16000, False),
    "stop_play_audio_file_to_remote": (1,),
    "play_audio_file_to_remote_as_background": (1, "/tmp/music.wav", 8000),
    "stop_play_audio_file_to_remote_as_background": (1,),
    "play_video_file_to_remote": (1, "/tmp/clip.avi", False, True),
    "stop_play_video_file_to_remote": (1,),
    "enable_send_pcm_stream_to_remote": (1, True, 16000),
    "send_pcm_stream_to_remote": (1, b"\x00\x01" * 320),
    "enable_send_video_stream_to_remote": (1, True),
    "send_video_stream_to_remote": (1, bytes(4 * 2 * 3 // 2), 4, 2),
}
