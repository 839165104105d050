"""Events injected from the stub's native thread arrive as typed objects, equal field for field."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from portsip import PortSIPLib, events
from portsip.events import EVENT_TYPES, Event
from portsip.testing import StubControl

#: The events this release covers end to end (presence, messaging, registration).
CORE_EVENTS = [
    events.PresenceRecvSubscribe,
    events.PresenceOnline,
    events.PresenceOffline,
    events.RecvMessage,
    events.RecvOutOfDialogMessage,
    events.SendMessageSuccess,
    events.SendMessageFailure,
    events.SendOutOfDialogMessageSuccess,
    events.SendOutOfDialogMessageFailure,
    events.RegisterSuccess,
    events.RegisterFailure,
]

ONE_MIB = bytes(range(256)) * 4096

#: name -> (string value, data value). None means a NULL pointer.
PAYLOADS = {
    "ascii": ("hello sip:bob@example.com", b"plain ascii body"),
    "utf8": ("Zoë 張偉 — 🙂", "Grüße, 你好 🙂".encode()),
    "invalid-utf8": (b"bad \xff\xfe \xc3(".decode("utf-8", "surrogateescape"), b"\xff\xfe\xc3("),
    "empty": ("", b""),
    "null": (None, None),
    "nul-bytes": ("no NULs in C strings", b"a\x00b\x00\x00c"),
    "1MiB": ("x" * 1024, ONE_MIB),
}


def make_event(event_type: type[Event], text: str | None, data: bytes | None, seed: int = 7) -> Event:
    values: dict[str, object] = {}
    for kind, field in zip(event_type.signature, dataclasses.fields(event_type), strict=True):
        if kind == "s":
            values[field.name] = text
        elif kind == "d":
            values[field.name] = data
        elif kind == "b":
            values[field.name] = seed % 2 == 1
        elif kind == "l":
            values[field.name] = 2**31 - 1 - seed  # fits a Windows long too
        else:
            values[field.name] = -seed if "code" not in field.name else 480 + seed
    return event_type(**values)  # type: ignore[arg-type]


def expected(event: Event) -> Event:
    """What arrives: NULL strings as "", NULL buffers as b""."""
    changes = {}
    for kind, field in zip(type(event).signature, dataclasses.fields(event), strict=True):
        if getattr(event, field.name) is None:
            changes[field.name] = "" if kind == "s" else b""
    return dataclasses.replace(event, **changes)


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
@pytest.mark.parametrize("event_type", CORE_EVENTS, ids=lambda t: t.__name__)
def test_core_event_round_trip(portsip_lib: PortSIPLib, stub_control: StubControl, event_type: type[Event], payload: str) -> None:
    text, data = PAYLOADS[payload]
    sent = make_event(event_type, text, data)
    stub_control.emit(sent)
    # Equal field for field, so every string is the exact bytes sent (surrogateescape keeps
    # invalid UTF-8) and every buffer the exact bytes, NUL bytes included.
    assert portsip_lib.wait_for(event_type) == expected(sent)


def test_every_one_of_the_40_events_is_delivered(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    sent = [make_event(t, f"{t.vendor_name}-é", t.vendor_name.encode() + b"\x00", seed=i) for i, t in enumerate(EVENT_TYPES)]
    for event in sent:
        stub_control.emit(event)
    for event in sent:
        assert portsip_lib.wait_for(type(event)) == event


def test_events_arrive_from_the_stub_thread_and_handlers_run_on_ours(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    seen: list[str] = []
    portsip_lib.on(events.RegisterSuccess, lambda e: seen.append(threading.current_thread().name))
    stub_control.emit(events.RegisterSuccess("OK", 200, ""))
    portsip_lib.wait_for(events.RegisterSuccess)
    stub_control.wait_idle()
    assert stub_control.callbacks_fired == 1
    assert stub_control.callbacks_nonzero == 0
    portsip_lib.close()
    assert seen and seen[0].startswith("portsip-") and seen[0] != threading.current_thread().name


@pytest.mark.parametrize("length", [-1, 0, -(2**31)])
def test_non_positive_length_gives_empty_bytes(portsip_lib: PortSIPLib, stub_control: StubControl, length: int) -> None:
    stub_control.emit(events.RecvMessage(1, "text", "plain", b"ignored"), data_length=length)
    assert portsip_lib.wait_for(events.RecvMessage).data == b""


def test_null_buffer_with_positive_length_gives_empty_bytes(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(events.RecvMessage(1, "text", "plain", None), data_length=100)  # type: ignore[arg-type]
    assert portsip_lib.wait_for(events.RecvMessage).data == b""


def test_length_shorter_than_buffer_is_respected(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(events.RecvMessage(1, "text", "plain", b"abcdef"), data_length=3)
    assert portsip_lib.wait_for(events.RecvMessage).data == b"abc"


def test_text_uses_the_charset_of_the_sub_mime_type(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(events.RecvMessage(1, "text", "plain;charset=ISO-8859-1", "café".encode("latin-1")))
    stub_control.emit(events.RecvMessage(2, "text", "plain", "café".encode()))
    stub_control.emit(events.RecvMessage(3, "text", "plain; charset=no-such-codec", b"caf\xff"))
    latin, utf8, unknown = (portsip_lib.wait_for(events.RecvMessage) for _ in range(3))
    assert latin.text == "café" and latin.charset == "iso8859-1"
    assert utf8.text == "café"
    assert unknown.text.encode("utf-8", "surrogateescape") == b"caf\xff"


def test_emit_rejects_what_c_cannot_carry(stub_control: StubControl) -> None:
    with pytest.raises(ValueError, match="NUL"):
        stub_control.emit(events.RecvInfo("a\x00b"))
    with pytest.raises(TypeError):
        stub_control.emit("not an event")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        stub_control.emit(events.RecvDtmfTone(1, 2**40))
