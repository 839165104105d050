"""The header agrees with the vendor's import library, so a licensee's real DLL gets exactly what it expects."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from portsip import errors
from portsip.enums import LogLevel, PresenceMode, TransportType
from portsip.events import EVENT_TYPES, SIPCallbackEvents

import abi

DATA = Path(__file__).parent / "data"


def _tsv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _vendor_params(text: str) -> list[str]:
    """Parameter types of a tsv row, comments (/*AUDIOCODEC_TYPE*/) dropped."""
    text = re.sub(r"/\*.*?\*/", "", text).strip()
    if not text:
        return []
    return [abi.normalise_type(re.sub(r"\s*\b\w+$", "", p.strip())) for p in text.split(",")]


ROWS = _tsv("portsip-sdk-v17.1-abi.tsv")
VENDOR_FUNCTIONS = {r["name"]: r for r in ROWS if r["kind"] == "function"}
VENDOR_EVENTS = {r["name"]: r for r in ROWS if r["kind"] == "event"}
EXPORTS = set((DATA / "portsip-sdk-v17.1-exports.txt").read_text().split())
CALLBACKS, FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))


def test_facts_are_complete() -> None:
    assert len(EXPORTS) == 182
    assert set(VENDOR_FUNCTIONS) == EXPORTS
    assert len(VENDOR_EVENTS) == 40


@pytest.mark.parametrize("decl", FUNCTIONS, ids=lambda d: d.name)
def test_every_declared_function_is_exported_with_the_vendor_types(decl: abi.Declaration) -> None:
    assert decl.name in EXPORTS
    vendor = VENDOR_FUNCTIONS[decl.name]
    assert decl.returns == abi.normalise_type(vendor["returns"])
    ours = [p.c_type for p in decl.params]
    theirs = []
    for vendor_type in _vendor_params(vendor["parameters"]):
        # A handler<event> parameter is our <event>Handler typedef.
        theirs.append(re.sub(r"handler<(\w+)>", r"\1Handler", vendor_type))
    assert ours == theirs


@pytest.mark.parametrize("decl", CALLBACKS, ids=lambda d: d.name)
def test_every_callback_type_matches_the_vendor_event(decl: abi.Declaration) -> None:
    vendor = VENDOR_EVENTS[decl.name.removesuffix("Handler")]
    assert decl.returns == vendor["returns"] == "int"
    assert [p.c_type for p in decl.params] == _vendor_params(vendor["parameters"])
    # The routing ids are the vendor's long, never a pointer.
    assert [(p.c_type, p.name) for p in decl.params[:2]] == [("long", "callbackIndex"), ("long", "callbackObject")]


def test_all_40_events_have_a_setter_class_and_handler() -> None:
    declared = {f.name for f in FUNCTIONS}
    setters = {n for n in EXPORTS if n.startswith("PSCallback_set")}
    assert len(setters) == 40
    assert setters <= declared
    assert {"PSCallback_createCallbackDispatcher", "PSCallback_releaseCallbackDispatcher"} <= declared
    assert [t.vendor_name for t in EVENT_TYPES] == [c.name.removesuffix("Handler") for c in CALLBACKS]
    # The C names the run-time uses are generated into the event classes, not derived again.
    assert [t.typedef_name for t in EVENT_TYPES] == [c.name for c in CALLBACKS]
    assert {t.setter_name for t in EVENT_TYPES} == setters
    assert all(callable(getattr(SIPCallbackEvents, t.handler_name)) for t in EVENT_TYPES)


def test_ids_are_long_and_bool_is_one_byte(portsip_stub_library: str) -> None:
    """What cffi actually parsed and will call with, not only what the header text says."""
    from portsip._loader import load_library

    loaded = load_library(portsip_stub_library)
    ffi, lib = loaded.ffi, loaded.lib
    long_, bool_ = ffi.typeof("long"), ffi.typeof("bool")
    assert ffi.sizeof(bool_) == 1
    handler = ffi.typeof("registerSuccessHandler")
    assert handler.args[0] is long_ and handler.args[1] is long_
    for name in ("PortSIP_sendMessage", "PortSIP_sendOutOfDialogMessage", "PortSIP_presenceSubscribe", "PortSIP_sendSubscription"):
        assert ffi.typeof(getattr(lib, name)).result is long_, name
    assert ffi.typeof(lib.PortSIP_sendOutOfDialogMessage).args[4] is bool_
    assert ffi.typeof(lib.PortSIP_sendMessage).args[1] is long_
    assert ffi.typeof(lib.PortSIP_terminateSubscription).result is ffi.typeof("void")


def test_error_header_matches_vendor_codes() -> None:
    theirs = {r["name"]: int(r["code"]) for r in _tsv("error-codes.tsv")}
    assert abi.parse_enum_values(abi.read(abi.ERRORS_HEADER)) == theirs
    # ... and the names the binding gives codes at run time, which cffi reads from that header
    for name, code in theirs.items():
        if code < 0:
            assert (errors.error_name(code), errors.code_of(name)) == (name, code)


@pytest.mark.parametrize(
    "enum_type, vendor_enum, prefix",
    [(TransportType, "TRANSPORT_TYPE", "TRANSPORT_"), (LogLevel, "PORTSIP_LOG_LEVEL", "PORTSIP_LOG_")],
)
def test_python_enums_match_vendor_values(enum_type: type, vendor_enum: str, prefix: str) -> None:
    vendor = {r["name"].removeprefix(prefix): int(r["value"]) for r in _tsv("enums.tsv") if r["enum"] == vendor_enum}
    assert {m.name: m.value for m in enum_type} == vendor  # type: ignore[attr-defined]
    assert [m.value for m in PresenceMode] == [0, 1]
