"""SIP MESSAGE in and out of dialog, between two instances on the stub."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from portsip import InvalidArgumentError, NotFoundError, PortSIPLib
from portsip.events import (
    RecvMessage,
    RecvOutOfDialogMessage,
    SendMessageFailure,
    SendMessageSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)
from portsip.testing import StubControl

BODY = b"\x00binary\xff body \x00 with NULs\x00"


@pytest.fixture
def bob(portsip_lib_factory: Callable[..., PortSIPLib]) -> PortSIPLib:
    return portsip_lib_factory("bob")


def test_text_message_round_trip_and_recorded_call(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    alice, control = portsip_lib, StubControl(portsip_lib)
    body = "Grüße 🙂".encode()
    message_id = alice.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", body)
    received = bob.wait_for(RecvOutOfDialogMessage)
    assert (received.from_uri, received.from_display_name) == ("sip:alice@example.com", "Alice")
    assert received.to_uri == "sip:bob@example.com" and received.to_display_name == "Bob"
    assert (received.mime_type, received.sub_mime_type, received.data, received.text) == ("text", "plain", body, "Grüße 🙂")
    assert alice.wait_for(SendOutOfDialogMessageSuccess).message_id == message_id
    [call] = control.calls_to("PortSIP_sendOutOfDialogMessage")
    assert call.args == {
        "to": "sip:bob@example.com",
        "mimeType": "text",
        "subMimeType": "plain",
        "isSMS": False,
        "message": body,
        "messageLength": len(body),
    }


@pytest.mark.parametrize(
    "target", ["bob@example.com", "<sip:bob@example.com>", '"Bob" <sip:bob@EXAMPLE.com;transport=udp>', "sip:bob@example.com:5060"]
)
def test_uri_forms_route_to_the_same_user(portsip_lib: PortSIPLib, bob: PortSIPLib, target: str) -> None:
    portsip_lib.send_out_of_dialog_message(target, "text", "plain", b"hi")
    assert bob.wait_for(RecvOutOfDialogMessage).data == b"hi"


def test_binary_body_needs_the_mime_type_whitelisted(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    refused = portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "application", "json", b"{}")
    failure = portsip_lib.wait_for(SendOutOfDialogMessageFailure)
    assert (failure.message_id, failure.code) == (refused, 415)
    bob.add_supported_mime_type("MESSAGE", "application", "json")
    accepted = portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "application", "json", BODY)
    received = bob.wait_for(RecvOutOfDialogMessage)
    assert (received.mime_type, received.sub_mime_type, received.data) == ("application", "json", BODY)
    assert portsip_lib.wait_for(SendOutOfDialogMessageSuccess).message_id == accepted


def test_unknown_target_fails_with_404(portsip_lib: PortSIPLib) -> None:
    message_id = portsip_lib.send_out_of_dialog_message("sip:nobody@example.com", "text", "plain", b"?")
    failure = portsip_lib.wait_for(SendOutOfDialogMessageFailure)
    assert (failure.message_id, failure.code, failure.to_uri) == (message_id, 404, "sip:nobody@example.com")


def test_scripted_failure_with_delay(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.fail_next_send(486, "Busy Here", delay=0.2)
    started = time.monotonic()
    message_id = portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"x")
    failure = portsip_lib.wait_for(SendOutOfDialogMessageFailure)
    assert time.monotonic() - started >= 0.15
    assert (failure.message_id, failure.code, failure.reason) == (message_id, 486, "Busy Here")
    with pytest.raises(TimeoutError):
        bob.wait_for(RecvOutOfDialogMessage, timeout=0.1)
    # Only the next send was scripted.
    portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"y")
    assert bob.wait_for(RecvOutOfDialogMessage).data == b"y"


def test_message_ids_increase(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    ids = [portsip_lib.send_out_of_dialog_message("sip:bob@example.com", "text", "plain", b"%d" % i) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    outcomes = [portsip_lib.wait_for(SendOutOfDialogMessageSuccess).message_id for _ in ids]
    assert sorted(outcomes) == ids


def test_in_dialog_message_between_connected_sessions(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    mine, theirs = stub_control.open_session_with(bob)
    message_id = portsip_lib.send_message(mine, "text", "plain", BODY)
    received = bob.wait_for(RecvMessage)
    assert (received.session_id, received.data) == (theirs, BODY)
    success = portsip_lib.wait_for(SendMessageSuccess)
    assert (success.session_id, success.message_id) == (mine, message_id)
    [call] = stub_control.calls_to("PortSIP_sendMessage")
    assert call.args == {"sessionId": mine, "mimeType": "text", "subMimeType": "plain", "message": BODY, "messageLength": len(BODY)}


def test_in_dialog_scripted_failure(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    session = stub_control.open_session()
    stub_control.fail_next_send(408, "Request Timeout")
    message_id = portsip_lib.send_message(session, "text", "plain", b"x")
    failure = portsip_lib.wait_for(SendMessageFailure)
    assert (failure.session_id, failure.message_id, failure.code, failure.reason) == (session, message_id, 408, "Request Timeout")


def test_unknown_session_is_a_vendor_error(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(NotFoundError) as raised:
        portsip_lib.send_message(12345, "text", "plain", b"x")
    assert raised.value.name == "ECoreInviteSessionNotFound"
    assert raised.value.code == -60062 and raised.value.function == "PortSIP_sendMessage"


def test_empty_target_is_a_vendor_error(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        portsip_lib.send_out_of_dialog_message("", "text", "plain", b"x")
    assert raised.value.name == "ECoreInvalidUri"
