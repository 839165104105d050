"""Valid positional arguments for each public method of portsip/_api/video.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "enable_video_qos": (True,),
    "set_video_mtu": (1400,),
    "set_video_nack_status": (True,),
    "set_video_resolution": (640, 480),
    "set_video_bitrate": (1, 800),
    "set_video_frame_rate": (1, 25),
    "set_video_rtcp_bandwidth": (1, 2000, 1500, 256),
    "set_local_video_window": (0x1234,),
    "set_remote_video_window": (1, 0x5678),
    "display_local_video": (True, False),
    "send_video": (1, True),
    "get_video_statistics": (1,),
}
