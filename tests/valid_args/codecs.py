"""Valid positional arguments for each public method of portsip/_api/codecs.py (see tests/test_api.py)."""

from typing import Any

VALID: dict[str, tuple[Any, ...]] = {
    "add_audio_codec": (0,),
    "add_video_codec": (125,),
    "is_audio_codec_empty": (),
    "is_video_codec_empty": (),
    "set_audio_codec_payload_type": (105, 111),
    "set_video_codec_payload_type": (125, 126),
    "clear_audio_codec": (),
    "clear_video_codec": (),
    "set_audio_codec_parameter": (98, "mode-set=0; octet-align=1"),
    "set_video_codec_parameter": (125, "profile-level-id=420033; packetization-mode=0"),
}
