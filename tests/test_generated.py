"""The generated files are what the header implies (run tools/generate.py after editing the header),
and the reference page maps each C function to the Python method that really calls it."""

from __future__ import annotations

import inspect
from pathlib import Path

import generate
import pytest

from portsip import PortSIPLib
from portsip.events import EVENT_TYPES

import abi
from reference import Method, api_methods, python_for

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))[1]


def test_generated_files_are_current() -> None:
    """In this process (tools/ is on sys.path here, and not in a Windows embeddable Python's child)."""
    stale = [str(path.relative_to(ROOT)) for path in generate.stale_outputs()]
    assert not stale, f"out of date, run python tools/generate.py: {stale}"


def test_the_api_is_read_from_the_source_as_python_sees_it() -> None:
    methods = api_methods(ROOT)
    public = {name for name in dir(PortSIPLib) if not name.startswith("_") and callable(getattr(PortSIPLib, name))}
    assert set(methods) - {"__init__"} == public
    assert methods["send_out_of_dialog_message"].signature == (
        "(to: str, mime_type: str, sub_mime_type: str, data: bytes, is_sms: bool = False) -> int"
    )
    assert methods["send_out_of_dialog_message"].calls == {"PortSIP_sendOutOfDialogMessage"}
    documented = methods["__init__"].signature  # the reference shows the constructor as Python sees it
    assert [name for name in inspect.signature(PortSIPLib).parameters] == [
        part.split(":")[0].strip(" (*") for part in documented.split(") ->")[0].split(",") if part.strip(" (*")
    ]


def test_each_function_maps_to_the_method_the_naming_rule_names_or_that_calls_it() -> None:
    methods = api_methods(ROOT)
    by_name = {f.name: f for f in FUNCTIONS}
    assert [m.name for m in python_for(by_name["PortSIP_setUser"], methods)] == ["set_user"]
    assert [m.name for m in python_for(by_name["PortSIP_unRegisterServer"], methods)] == ["unregister_server", "close"]
    assert [m.name for m in python_for(by_name["PortSIP_unInitialize"], methods)] == ["close"]


def test_a_method_named_for_a_function_it_does_not_call_is_an_error() -> None:
    set_user = next(f for f in FUNCTIONS if f.name == "PortSIP_setUser")
    wrong = {"set_user": Method("set_user", "() -> None", "", frozenset({"PortSIP_setLicenseKey"}))}
    with pytest.raises(ValueError, match="set_user does not call PortSIP_setUser"):
        python_for(set_user, wrong)


def test_the_reference_names_every_function_and_event() -> None:
    page = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for function in FUNCTIONS:
        assert f"`{function.name}`" in page or function.name.startswith("PSCallback_set"), function.name
    for event_type in EVENT_TYPES:
        assert f"`{event_type.setter_name}`" in page and f"`SIPCallbackEvents.{event_type.handler_name}(event)`" in page
