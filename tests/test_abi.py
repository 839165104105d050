"""The header agrees with the vendor's import library, so a licensee's real DLL gets exactly what it expects."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from portsip import errors
from portsip.enums import (
    AudioCodec,
    AudioFileFormat,
    AudioStreamCallbackMode,
    DtmfMethod,
    LogLevel,
    PresenceMode,
    RecordMode,
    SessionRefreshMode,
    SipMessageType,
    SrtpPolicy,
    TransportType,
    VideoCodec,
    VideoStreamCallbackMode,
)
from portsip.events import EVENT_TYPES, SIPCallbackEvents

import abi

DATA = Path(__file__).parent / "data"


def _tsv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _split_params(text: str) -> list[str]:
    """A parameter list split at its top-level commas (not those inside a function-pointer type)."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    return [*parts, text[start:].strip()]


_FUNCTION_POINTER = re.compile(r"(?P<returns>[\w\s*]+?)\s*\(\s*\*\s*\w*\s*\)\s*\((?P<args>.*)\)", re.S)


def _pointer_type(returns: str, arg_types: list[str]) -> str:
    """One spelling of a function-pointer type, e.g. 'int(*)(void*, long, bool, unsigned char*, int)'."""
    return f"{returns}(*)({', '.join(arg_types)})"


def _vendor_params(text: str) -> list[str]:
    """Parameter types of a tsv row, comments (/*AUDIOCODEC_TYPE*/) dropped; an inline function-pointer
    parameter (its arguments unnamed in the tsv) becomes its _pointer_type."""
    text = re.sub(r"/\*.*?\*/", "", text).strip()
    if not text:
        return []
    types = []
    for param in _split_params(text):
        pointer = _FUNCTION_POINTER.fullmatch(param)
        if pointer:
            args = [abi.normalise_type(a) for a in _split_params(pointer["args"])]
            types.append(_pointer_type(abi.normalise_type(pointer["returns"]), args))
        else:
            types.append(abi.normalise_type(re.sub(r"\s*\b\w+$", "", param)))
    return types


ROWS = _tsv("portsip-sdk-v17.1-abi.tsv")
VENDOR_FUNCTIONS = {r["name"]: r for r in ROWS if r["kind"] == "function"}
VENDOR_EVENTS = {r["name"]: r for r in ROWS if r["kind"] == "event"}
EXPORTS = set((DATA / "portsip-sdk-v17.1-exports.txt").read_text().split())
TYPEDEFS, FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))
CALLBACKS = abi.event_typedefs(TYPEDEFS)
#: The media stream callback typedefs (raw audio/video, RTP), by name: what each stands for.
STREAM_CALLBACKS = {
    t.name: _pointer_type(t.returns, [p.c_type for p in t.params]) for t in TYPEDEFS if t not in CALLBACKS
}


def test_facts_are_complete() -> None:
    # the export list and the decorated names agree (182 names in v17.1): a function added to the
    # facts is added to both, and no count here needs changing
    assert len(EXPORTS) > 0 and set(VENDOR_FUNCTIONS) == EXPORTS
    assert len(VENDOR_EVENTS) == 40


def test_every_export_is_declared() -> None:
    """All of them (182 in v17.1): the header declares every function the real DLL exports, and nothing else."""
    assert {f.name for f in FUNCTIONS} == EXPORTS
    assert len(FUNCTIONS) == len(EXPORTS)  # each declared once


@pytest.mark.parametrize("decl", FUNCTIONS, ids=lambda d: d.name)
def test_every_declared_function_is_exported_with_the_vendor_types(decl: abi.Declaration) -> None:
    assert decl.name in EXPORTS
    vendor = VENDOR_FUNCTIONS[decl.name]
    assert decl.returns == abi.normalise_type(vendor["returns"])
    ours = [STREAM_CALLBACKS.get(p.c_type, p.c_type) for p in decl.params]
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


def test_stream_callback_typedefs_are_the_vendor_delegates_and_all_used() -> None:
    assert set(STREAM_CALLBACKS) == {"audioRawCallback", "videoRawCallback", "receivedRTPCallback", "sendingRTPCallback"}
    used = {p.c_type for f in FUNCTIONS for p in f.params}
    assert set(STREAM_CALLBACKS) <= used
    # Every function-pointer parameter of the import library is one of them (none left inline or missed).
    vendor_pointers = [t for f in VENDOR_FUNCTIONS.values() for t in _vendor_params(f["parameters"]) if "(*)" in t]
    assert len(vendor_pointers) == 4 and set(vendor_pointers) == set(STREAM_CALLBACKS.values())


def test_stream_callbacks_as_cffi_calls_them(portsip_stub_library: str) -> None:
    from portsip._loader import load_library

    loaded = load_library(portsip_stub_library)
    ffi, lib = loaded.ffi, loaded.lib
    void_p, long_, bool_ = ffi.typeof("void*"), ffi.typeof("long"), ffi.typeof("bool")
    for name in STREAM_CALLBACKS:
        args = ffi.typeof(name).args
        assert (args[0], args[1]) == (void_p, long_), name  # callbackObject is a pointer, sessionId a long
    assert ffi.typeof("receivedRTPCallback").args[2] is bool_
    # ... while enableAudioStreamCallback takes the session id as an int, and the handler by its typedef.
    enable = ffi.typeof(lib.PortSIP_enableAudioStreamCallback)
    assert enable.args[1] is ffi.typeof("int") and enable.args[5] is ffi.typeof("audioRawCallback")


def test_error_header_matches_vendor_codes() -> None:
    theirs = {r["name"]: int(r["code"]) for r in _tsv("error-codes.tsv")}
    assert abi.parse_enum_values(abi.read(abi.ERRORS_HEADER)) == theirs
    # ... and the names the binding gives codes at run time, which cffi reads from that header
    for name, code in theirs.items():
        if code < 0:
            assert (errors.error_name(code), errors.code_of(name)) == (name, code)


@pytest.mark.parametrize(
    "enum_type, vendor_enum, prefix",
    [
        (TransportType, "TRANSPORT_TYPE", "TRANSPORT_"),
        (LogLevel, "PORTSIP_LOG_LEVEL", "PORTSIP_LOG_"),
        (DtmfMethod, "DTMF_METHOD", "DTMF_"),
        (SessionRefreshMode, "SESSION_REFRESH_MODE", "SESSION_REFERESH_"),
        (AudioCodec, "AUDIOCODEC_TYPE", "AUDIOCODEC_"),
        (VideoCodec, "VIDEOCODEC_TYPE", "VIDEO_CODEC_"),
        (AudioFileFormat, "AUDIO_FILE_FORMAT", "FILEFORMAT_"),
        (RecordMode, "RECORD_MODE", "RECORD_"),
        (SrtpPolicy, "SRTP_POLICY", "SRTP_POLICY_"),
        (AudioStreamCallbackMode, "AUDIOSTREAM_CALLBACK_MODE", "AUDIOSTREAM_"),
        (VideoStreamCallbackMode, "VIDEOSTREAM_CALLBACK_MODE", "VIDEOSTREAM_"),
    ],
)
def test_python_enums_match_vendor_values(enum_type: type, vendor_enum: str, prefix: str) -> None:
    vendor = {r["name"].removeprefix(prefix): int(r["value"]) for r in _tsv("enums.tsv") if r["enum"] == vendor_enum}
    assert {m.name: m.value for m in enum_type} == vendor  # type: ignore[attr-defined]
    assert [m.value for m in PresenceMode] == [0, 1]


def test_sip_message_type_is_the_manuals_numbering() -> None:
    assert {m.name: m.value for m in SipMessageType} == {"REQUEST": 1, "RESPONSE": 2, "BOTH": 3}
