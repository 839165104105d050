"""Valid positional arguments for each public method of portsip/_api/audio.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "enable_aec": (True,),
    "enable_agc": (True,),
    "enable_ans": (False,),
    "enable_cng": (True,),
    "enable_vad": (False,),
    "enable_audio_qos": (True,),
    "set_audio_samples": (20, 60),
    "set_audio_bitrate": (1, 105, 32),
    "set_audio_rtcp_bandwidth": (1, 1000, 800, 64),
    "set_channel_input_volume_scaling": (1, 150),
    "set_channel_output_volume_scaling": (1, 80),
    "get_audio_statistics": (1,),
}
