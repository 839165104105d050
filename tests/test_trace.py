"""Traces (portsip.trace): writing them while an app runs, reading them back, and what never reaches them."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import PACKAGE_PARENT

from portsip import InvalidStateError, PortSIPLib, SendFailedError
from portsip.events import (
    PresenceOnline,
    ReceivedSignaling,
    RecvOutOfDialogMessage,
    RegisterSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)
from portsip.testing import StubControl
from portsip.trace import (
    FORMAT_VERSION,
    TracedCall,
    TracedEvent,
    TraceError,
    TraceHeader,
    event_from_record,
    event_json,
    read_trace,
    schema,
)

SECRET = "s3cr3t-pa55"
LICENSE = "LICENSE-KEY-0123"
SIGNALING = (
    "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n"
    'Authorization: Digest username="alice", response="0123456789abcdef"\r\n'
    "proxy-authorization:Digest response=feedface\r\nContent-Length: 0\r\n\r\n"
)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_session_recorded_holds_its_events_and_calls_and_no_secret(
    tmp_path: Path, portsip_stub_library: str, bob: PortSIPLib
) -> None:
    out = tmp_path / "session.jsonl"
    with PortSIPLib(portsip_stub_library, record=out) as alice:
        alice.initialize(local_sip_port=0)
        alice.set_license_key(LICENSE)
        alice.set_user("alice", password=SECRET, sip_domain="example.com", sip_server_addr="127.0.0.1")
        control = StubControl(alice)
        alice.register_server(reg_expires=60)
        alice.wait_for(RegisterSuccess)
        alice.send_text("sip:bob@example.com", "hi bob").result(10)
        with pytest.raises(SendFailedError):  # its outcome is what the trace keeps
            alice.send_text("sip:nobody@example.com", "anyone?").result(10)
        bob.send_text("sip:alice@example.com", "hi alice").result(10)
        alice.wait_for(RecvOutOfDialogMessage)
        control.emit(ReceivedSignaling(0, SIGNALING))
        alice.wait_for(ReceivedSignaling)
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text and LICENSE not in text and "0123456789abcdef" not in text and "feedface" not in text
    items = list(read_trace(out))
    header = items[0]
    assert isinstance(header, TraceHeader) and header.version == FORMAT_VERSION and header.sdk_version == "17.1"
    events = [item.event for item in items if isinstance(item, TracedEvent)]
    assert [type(e) for e in events if not isinstance(e, ReceivedSignaling)] == [
        RegisterSuccess, SendOutOfDialogMessageSuccess, SendOutOfDialogMessageFailure, RecvOutOfDialogMessage,
    ]  # fmt: skip
    signaling = next(e for e in events if isinstance(e, ReceivedSignaling))
    assert "Authorization: [redacted]" in signaling.signaling and "proxy-authorization: [redacted]" in signaling.signaling
    calls = [item for item in items if isinstance(item, TracedCall)]
    sends = [call for call in calls if call.function == "PortSIP_sendOutOfDialogMessage"]
    assert [call.args["to"] for call in sends] == ["sip:bob@example.com", "sip:nobody@example.com"]
    assert sends[0].result > 0 and sends[0].args["data"] == "hi bob"
    times = [item.t for item in items if not isinstance(item, TraceHeader)]
    assert all(t is not None for t in times) and times == sorted(t for t in times if t is not None)


def _jsonschema() -> Any:
    """jsonschema (in [test]); its Rust part (rpds) does not load under the Wine of the Windows lane: skip there, with why."""
    try:
        import jsonschema
    except ImportError as error:
        if isinstance(error, ModuleNotFoundError):
            raise  # a missing [test] dependency is a broken set-up, not a skip
        pytest.skip(f"jsonschema does not load here ({error}); the same schema is checked on Linux")
    return jsonschema


def test_every_line_is_valid_against_the_shipped_schema(tmp_path: Path, portsip_lib: PortSIPLib) -> None:
    jsonschema = _jsonschema()
    out = tmp_path / "t.jsonl"
    with portsip_lib.record(out):
        with pytest.raises(SendFailedError):
            portsip_lib.send_text("sip:nobody@example.com", "x").result(10)
    validator = jsonschema.Draft202012Validator(schema())
    for record in lines(out):
        validator.validate(record)


def test_redact_gives_each_user_one_pseudonym(tmp_path: Path, portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    out = tmp_path / "shared.jsonl"
    with portsip_lib.record(out, redact=True):
        for _ in range(2):
            bob.send_text("sip:alice@example.com", "hello").result(10)
            portsip_lib.wait_for(RecvOutOfDialogMessage)
    text = out.read_text(encoding="utf-8")
    assert "alice" not in text and "bob" not in text
    events = [item.event for item in read_trace(out) if isinstance(item, TracedEvent)]
    assert len(events) == 2 and events[0] == events[1]  # the same users, the same pseudonyms
    assert isinstance(events[0], RecvOutOfDialogMessage) and events[0].from_uri.startswith("sip:user-")
    assert events[0].from_uri.endswith("@example.com") and events[0].from_uri != events[0].to_uri


def test_one_recording_at_a_time_and_close_ends_it(tmp_path: Path, portsip_lib: PortSIPLib) -> None:
    recording = portsip_lib.record(tmp_path / "a.jsonl")
    with pytest.raises(InvalidStateError):
        portsip_lib.record(tmp_path / "b.jsonl")
    recording.stop()
    recording.stop()  # idempotent
    with portsip_lib.record(io.StringIO()) as second:
        assert second.dropped == 0
    with pytest.raises(TypeError):
        portsip_lib.record(tmp_path / "c.jsonl", redact="yes")  # type: ignore[arg-type]
    third = portsip_lib.record(tmp_path / "d.jsonl")
    portsip_lib.close()
    assert isinstance(next(iter(read_trace(tmp_path / "d.jsonl"))), TraceHeader)
    third.stop()


def test_watch_json_output_reads_as_a_trace_of_events() -> None:
    event = RecvOutOfDialogMessage("Bob", "sip:bob@example.com", "", "sip:alice@example.com", "text", "plain", b"\xffhi")
    items = list(read_trace(io.StringIO(event_json(event) + "\n" + event_json(PresenceOnline("B", "sip:b@x", "Away")) + "\n")))
    assert items == [TracedEvent(None, event), TracedEvent(None, PresenceOnline("B", "sip:b@x", "Away"))]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"trace": "portsip", "version": 99}\n', "line 1: trace format version 99"),
        ('{"trace": "other", "version": 1}\n', "line 1: not a portsip trace"),
        ('{"event": "RecvInfo", "info_message": "a"}\nnot json\n{"event": "RecvInfo", "info_message": "b"}\n', "line 2: not JSON"),
        ('{"event": "NoSuchEvent"}\n', "line 1: unknown event"),
        ('{"event": "RecvInfo"}\n', "line 1: RecvInfo: no 'info_message'"),
        ('{"event": "RecvMessage", "session_id": 1, "mime_type": "t", "sub_mime_type": "p", "data": "***"}\n', "not base64"),
        ('{"event": "RecvInfo", "info_message": "a"}\n{"trace": "portsip", "version": 1}\n', "line 2: a header after the first line"),
        ('{"t": -1, "event": "RecvInfo", "info_message": "a"}\n', "line 1: t must be"),
        ("[1, 2]\n", "line 1: a JSON object expected"),
        ('{"what": 1}\n', "line 1: neither a header"),
    ],
)
def test_a_bad_line_is_reported_by_its_number(text: str, message: str) -> None:
    with pytest.raises(TraceError, match=message.replace("(", r"\(")):
        list(read_trace(io.StringIO(text)))


def test_a_last_line_cut_short_is_skipped_but_a_broken_middle_line_is_not() -> None:
    whole = '{"event": "RecvInfo", "info_message": "a"}\n'
    assert len(list(read_trace(io.StringIO(whole + '{"event": "RecvIn')))) == 1
    with pytest.raises(TraceError):
        list(read_trace(io.StringIO('{"event": "RecvIn\n' + whole)))


def test_events_round_trip_through_their_json(portsip_lib: PortSIPLib) -> None:
    from test_event_roundtrip import make_event

    from portsip.events import EVENT_TYPES

    for event_type in EVENT_TYPES:
        event = make_event(event_type, "t\udcff\u00e9", b"\x00\xff")
        assert event_from_record(json.loads(event_json(event))) == event


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_recorder_killed_mid_run_leaves_a_readable_trace(tmp_path: Path, portsip_stub_library: str) -> None:
    out = tmp_path / "killed.jsonl"
    code = f"""
        import sys, time
        from portsip import PortSIPLib
        from portsip.events import RecvInfo
        from portsip.testing import StubControl
        lib = PortSIPLib({portsip_stub_library!r}, record={str(out)!r})
        lib.initialize(local_sip_port=0)
        control = StubControl(lib)
        control.flood(RecvInfo("x" * 200), 10**6, threads=1, rate=20_000, wait=False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the recorder has written 1,000 events (it may lag behind delivery)
            with open({str(out)!r}, encoding="utf-8") as trace:
                if trace.read().count('"event": "RecvInfo"') > 1000:  # one more: the last may be half written
                    break
            time.sleep(0.01)
        print("recording", flush=True)
        time.sleep(60)
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True, cwd=str(PACKAGE_PARENT),
        env=dict(os.environ, PYTHONPATH=str(PACKAGE_PARENT)),
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stdout.readline() == "recording\n"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    items = list(read_trace(out))
    assert isinstance(items[0], TraceHeader)
    assert sum(isinstance(item, TracedEvent) for item in items) >= 1000


def test_the_example_in_the_docs_is_a_valid_trace() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "traces.md").read_text(encoding="utf-8")
    example = docs.split("```json\n", 1)[1].split("```", 1)[0]
    items = list(read_trace(io.StringIO(example)))
    assert isinstance(items[0], TraceHeader) and [type(item) for item in items[1:]] == [TracedEvent, TracedCall, TracedEvent]
    jsonschema = _jsonschema()
    for line in example.splitlines():
        jsonschema.Draft202012Validator(schema()).validate(json.loads(line))
