"""Valid positional arguments for each public method of portsip/_api/streams.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "enable_audio_stream_callback": (1, True, 2),
    "enable_video_stream_callback": (1, 2),
    "set_rtp_callback": (True,),
}
