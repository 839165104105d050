"""Valid positional arguments for each public method of portsip/_api/conference.py (see tests/test_api.py).

None stands for an optional native handle (an int or None): see test_api.bad_cases.
"""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "create_audio_conference": (),
    "create_video_conference": (None, 352, 288, True),
    "destroy_conference": (),
    "set_conference_video_window": (None,),
    "join_to_conference": (1,),
    "remove_from_conference": (1,),
}
