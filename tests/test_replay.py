"""Replay (StubControl.replay): a trace recorded while an app ran plays back into the same app on a
fresh instance, with the app's own ids; an app that now calls otherwise fails the replay."""

from __future__ import annotations

import dataclasses
import io
import json
import time
from pathlib import Path

import pytest

from portsip import PortSIPLib
from portsip.events import (
    Event,
    PresenceOnline,
    PresenceRecvSubscribe,
    RecvOutOfDialogMessage,
    RegisterSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)
from portsip.testing import LibFactory, ReplayMismatch, StubControl
from portsip.trace import event_json

BOB = "sip:bob@example.com"


class App:
    """The app under test: registers, follows bob's presence, answers every MESSAGE with an ack,
    and keeps every event it sees."""

    def __init__(self, lib: PortSIPLib, ack: bytes = b"ack: ") -> None:
        self.lib = lib
        self.seen: list[Event] = []
        self.ack = ack
        lib.on(Event, self.seen.append)
        lib.on(RecvOutOfDialogMessage, self.answer)

    def answer(self, event: RecvOutOfDialogMessage) -> None:
        self.lib.send_out_of_dialog_message(event.from_uri, "text", "plain", self.ack + event.data)

    def start(self) -> None:
        self.lib.register_server(reg_expires=60)
        self.lib.wait_for(RegisterSuccess)
        self.lib.presence_subscribe(BOB, "alice")


def record_session(tmp_path: Path, portsip_lib_factory: LibFactory) -> tuple[Path, list[Event]]:
    """Alice's app, recorded, while bob watches her, accepts her and sends two messages."""
    trace = tmp_path / "session.jsonl"
    bob = portsip_lib_factory("bob")

    @bob.on(PresenceRecvSubscribe)
    def accept(event: PresenceRecvSubscribe) -> None:
        bob.presence_accept_subscribe(event.subscribe_id)
        bob.set_presence_status(event.subscribe_id, "Lunch")

    alice = portsip_lib_factory("alice")
    app = App(alice)
    with alice.record(trace):
        alice.set_user("alice", password="top-secret", sip_domain="example.com", sip_server_addr="127.0.0.1")
        app.start()
        alice.wait_for(PresenceOnline)
        for text in (b"one", b"two"):
            bob.send_out_of_dialog_message("sip:alice@example.com", "text", "plain", text)
            alice.wait_for(SendOutOfDialogMessageSuccess)
        alice.drain()
    bob.close()
    alice.close()
    return trace, app.seen


def without_ids(events: list[Event]) -> list[Event]:
    return [dataclasses.replace(e, message_id=0) if isinstance(e, SendOutOfDialogMessageSuccess) else e for e in events]


def test_a_recorded_session_replays_into_a_fresh_instance_with_its_own_ids(
    tmp_path: Path, portsip_lib_factory: LibFactory
) -> None:
    trace, recorded = record_session(tmp_path, portsip_lib_factory)
    assert "top-secret" not in trace.read_text(encoding="utf-8")
    fresh = portsip_lib_factory("alice")
    for _ in range(5):  # the stub's message ids of this instance start elsewhere than the recorded ones
        fresh.send_out_of_dialog_message("sip:nobody@example.com", "text", "plain", b"warm-up")
    for _ in range(5):
        fresh.wait_for(SendOutOfDialogMessageFailure)
    app = App(fresh)
    sent_ids: list[int] = []
    fresh._call_watchers = (*fresh._call_watchers, lambda f, a, r: sent_ids.append(r) if f == "PortSIP_sendOutOfDialogMessage" else None)
    report = StubControl(fresh).replay(trace, speed=0, timeout=10, during=app.start)
    assert report.events == len(recorded) and report.calls == 3  # presenceSubscribe, two sends
    replayed = [e for e in app.seen if not isinstance(e, SendOutOfDialogMessageSuccess) or e.message_id in sent_ids]
    assert [type(e) for e in replayed] == [type(e) for e in recorded]
    assert without_ids(replayed) == without_ids(recorded)
    outcomes = [e.message_id for e in replayed if isinstance(e, SendOutOfDialogMessageSuccess)]
    assert outcomes == sent_ids[-2:] and min(outcomes) > 5  # the app's own ids, not the recorded 1 and 2


def test_an_app_that_now_calls_otherwise_fails_the_replay(tmp_path: Path, portsip_lib_factory: LibFactory) -> None:
    trace, _ = record_session(tmp_path, portsip_lib_factory)
    fresh = portsip_lib_factory("alice")
    app = App(fresh, ack=b"changed: ")  # answers with other bodies now
    with pytest.raises(ReplayMismatch) as failure:
        StubControl(fresh).replay(trace, speed=0, timeout=5, during=app.start)
    message = str(failure.value)
    assert "expected (from the trace)" in message and "ack: one" in message and "changed: one" in message


def test_a_call_the_app_never_makes_fails_the_replay_after_its_timeout(tmp_path: Path, portsip_lib_factory: LibFactory) -> None:
    trace, _ = record_session(tmp_path, portsip_lib_factory)
    fresh = portsip_lib_factory("alice")
    App(fresh)  # never started: no presence_subscribe
    began = time.monotonic()
    with pytest.raises(ReplayMismatch, match=r"did not call PortSIP_presenceSubscribe within 0\.5 s"):
        StubControl(fresh).replay(trace, speed=0, timeout=0.5)
    assert time.monotonic() - began < 5


def test_while_replaying_the_stub_simulates_nothing_for_the_instance(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    trace = io.StringIO(event_json(RecvOutOfDialogMessage("B", BOB, "", "sip:alice@example.com", "text", "plain", b"x")) + "\n")
    sent = []

    def send_then_replay() -> None:
        sent.append(portsip_lib.send_out_of_dialog_message("sip:nobody@example.com", "text", "plain", b"?"))

    stub_control._replaying(True)
    send_then_replay()  # would get a 404 failure from the stub: not while replaying
    stub_control._replaying(False)
    stub_control.wait_idle()
    portsip_lib.drain()
    assert portsip_lib.stats["events_delivered"] == 0
    with pytest.raises(ReplayMismatch, match="after the last one"):  # a watch --json trace has no calls
        stub_control.replay(trace, speed=0, timeout=2, during=send_then_replay)


def test_watch_json_output_replays_as_events(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    events = [PresenceOnline("Bob", BOB, f"status {i}") for i in range(50)]
    report = stub_control.replay(io.StringIO("".join(event_json(e) + "\n" for e in events)), speed=0)
    assert report.events == 50 and report.calls == 0
    assert [portsip_lib.wait_for(PresenceOnline, timeout=5) for _ in events] == events


def test_recorded_spacing_is_kept_unless_asked_otherwise(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    lines = [json.dumps({"t": 0.3 * i, **json.loads(event_json(PresenceOnline("Bob", BOB, str(i))))}) for i in range(3)]
    trace = "\n".join(lines) + "\n"
    began = time.monotonic()
    stub_control.replay(io.StringIO(trace))
    assert time.monotonic() - began >= 0.55
    began = time.monotonic()
    stub_control.replay(io.StringIO(trace), speed=0)
    assert time.monotonic() - began < 0.5
    with pytest.raises(ValueError):
        stub_control.replay(io.StringIO(trace), speed=-1)
