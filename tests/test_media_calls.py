"""Table-driven checks of the media, device, header and network API: each method makes its C call with its
arguments, and the functions of a call refuse a session that does not exist, with the vendor's code.

What differs from function to function is tested in test_media.py, test_recording.py and test_headers.py.
"""

from __future__ import annotations

import inspect
import runpy
from pathlib import Path
from typing import Any

import pytest
from support import method_name

from portsip import NotFoundError, PortSIPLib, SDKError
from portsip.testing import StubControl

import abi

MODULES = ["codecs", "audio", "video", "devices", "recording", "headers", "network"]
VALID: dict[str, tuple[Any, ...]] = {
    method: args
    for module in MODULES
    for method, args in runpy.run_path(str(Path(__file__).parent / "valid_args" / f"{module}.py"))["VALID"].items()
}
_, FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))


def c_function(method: str) -> abi.Declaration:
    """The PortSIP_* function a method is named after."""
    [function] = [f for f in FUNCTIONS if f.name.startswith("PortSIP_") and method_name(f.name) == method]
    return function


def _as_recorded(value: object) -> object:
    return 0 if value is None else value  # a NULL handle is recorded as address 0


def _is_subsequence(wanted: list[object], recorded: list[object]) -> bool:
    remaining = iter(recorded)
    return all(any(type(w) in (type(r), int) and w == r for r in remaining) for w in wanted)


@pytest.mark.parametrize("method", sorted(VALID))
def test_each_method_makes_its_call_with_its_arguments(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str
) -> None:
    stub_control.clear_process_calls()
    try:
        getattr(portsip_lib, method)(*VALID[method])
    except SDKError:
        pass  # e.g. no session 1: the call was still made, and recorded
    function = c_function(method)
    takes_sdk = bool(function.params) and function.params[0].name == "sdk"
    calls = stub_control.calls if takes_sdk else stub_control.process_calls
    call = calls[-1]
    assert call.function == function.name
    # Every recorded name is a C parameter of the function, in the header's order ...
    names = [p.name for p in function.params]
    assert list(call.args) == sorted(call.args, key=names.index)
    # ... and the Python arguments arrive in their order (lengths and out-buffers the binding adds aside).
    wanted = [_as_recorded(value) for value in VALID[method]]
    assert _is_subsequence(wanted, list(call.args.values())), (wanted, call.args)


SESSION_METHODS = sorted(
    method
    for method in VALID
    if list(inspect.signature(getattr(PortSIPLib, method)).parameters)[1:2] == ["session_id"]
    and c_function(method).returns != "void"  # a void function has no way to say so
)


def test_the_session_table_is_complete() -> None:
    # v17.1's 23 (3 audio, 6 video, 12 recording/playback/streams, 2 headers), and any added since
    assert {"set_audio_bitrate", "set_video_bitrate", "start_record", "add_sip_message_header"} <= set(SESSION_METHODS)
    assert len(SESSION_METHODS) >= 23


@pytest.mark.parametrize("method", SESSION_METHODS)
def test_call_functions_refuse_an_unknown_session(portsip_lib: PortSIPLib, stub_control: StubControl, method: str) -> None:
    open_session = stub_control.open_session()
    args = (open_session + 1000, *VALID[method][1:])
    with pytest.raises(NotFoundError) as raised:
        getattr(portsip_lib, method)(*args)
    assert (raised.value.name, raised.value.function) == ("ECoreInviteSessionNotFound", c_function(method).name)
    assert stub_control.calls[-1].args["sessionId"] == open_session + 1000


@pytest.mark.parametrize(
    "method, args, error",
    [
        ("set_speaker_volume", (-1,), ValueError),
        ("set_mic_volume", (2**32,), ValueError),
        ("get_recording_device_name", (-2,), ValueError),
        ("get_video_capture_device_name", (-2,), ValueError),
        ("set_local_video_window", (-1,), ValueError),
        ("set_remote_video_window", (1, 2**64), ValueError),
        ("set_local_video_window", ("0x1234",), TypeError),
        ("set_rtp_port_range", (10000, 70000, 20000, 20100), ValueError),
        ("show_video_capture_settings_dialog_box", ("stub-camera-0", "t", None, -1, 0), ValueError),
        ("add_audio_codec", (7,), ValueError),
        ("add_video_codec", (0,), ValueError),
        ("start_record", (1, "/tmp", "a.wav", False, 5, 0, -1, 0), ValueError),
        ("add_sip_message_header", (-1, "ALL", 4, "X-A", "1"), ValueError),
        ("set_srtp_policy", (3, False), ValueError),
    ],
)
def test_out_of_range_values_raise_before_any_c_call(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, args: tuple[Any, ...], error: type
) -> None:
    before = len(stub_control.calls)
    with pytest.raises(error):
        getattr(portsip_lib, method)(*args)
    assert len(stub_control.calls) == before
