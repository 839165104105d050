"""Valid positional arguments for each public method of portsip/_api/video.py (see tests/test_api.py).

None stands for an optional native handle (an int or None): see test_api.bad_cases.
"""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "enable_video_qos": (True,),
    "set_video_mtu": (1400,),
    "set_video_nack_status": (True,),
    "set_video_resolution": (640, 480),
    "set_video_bitrate": (1, 800),
    "set_video_frame_rate": (1, 25),
    "set_video_rtcp_bandwidth": (1, 2000, 1500, 256),
    "set_local_video_window": (None,),
    "set_remote_video_window": (1, None),
    "display_local_video": (True, False),
    "send_video": (1, True),
    "get_video_statistics": (1,),
}
