"""Valid positional arguments for each public method of portsip/_api/devices.py (see tests/test_api.py).

None stands for an optional native handle (an int or None): see test_api.bad_cases.
"""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "get_num_of_recording_devices": (),
    "get_num_of_playout_devices": (),
    "get_recording_device_name": (0,),
    "get_playout_device_name": (0,),
    "set_audio_device_id": (0, 1),
    "set_speaker_volume": (200,),
    "get_speaker_volume": (),
    "set_mic_volume": (100,),
    "get_mic_volume": (),
    "mute_microphone": (True,),
    "mute_speaker": (False,),
    "audio_play_loopback_test": (True,),
    "get_num_of_video_capture_devices": (),
    "get_video_capture_device_name": (1,),
    "set_video_device_id": (1,),
    "show_video_capture_settings_dialog_box": ("stub-camera-0", "Camera settings", None, 10, 20),
}
