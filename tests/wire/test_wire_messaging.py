"""MESSAGE on the wire: through a server (with and without digest authentication) and peer to peer, any
MIME type, bodies byte for byte, isSMS, the real final status (SIPp answers 200, 404, 486, 503), 415."""

from __future__ import annotations

import threading

import pytest
from wire_support import TIMEOUT, register

from portsip import PortSIPLib, SDKError, SendFailedError
from portsip.events import (
    ReceivedSignaling,
    RecvOutOfDialogMessage,
    SendingSignaling,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)
from portsip.testing import StubControl, peer_uri
from portsip.testing.fixtures import SippFactory, WireLibFactory
from portsip.testing.servers import Kamailio


def test_send_text_resolves_with_the_exact_bytes_delivered(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio, transport=transport)
    register(alice)
    register(bob)
    text = "Grüße, 你好 — \U0001f44b"
    success = alice.send_text("sip:bob@example.test", text).result(timeout=TIMEOUT)
    received = bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    assert received.data == text.encode() and received.text == text
    assert success.to_uri == "sip:bob@example.test"


def test_through_a_server_that_authenticates(kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio_auth, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio_auth, transport=transport)
    register(alice)
    register(bob)
    alice.enable_callback_signaling(False, True)
    alice.send_text("sip:bob@example.test", "with credentials").result(timeout=TIMEOUT)  # after a 407
    assert bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT).data == b"with credentials"
    alice.wait_for(ReceivedSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("SIP/2.0 407"))


def test_peer_to_peer_any_type(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    bob.add_supported_mime_type("MESSAGE", "application", "json")
    body = b'{"hello": "bob", "n": [1, 2, 3]}'
    alice.send_out_of_dialog_message_with_receipt(peer_uri(bob, "bob", transport), "application", "json", body).result(timeout=TIMEOUT)
    received = bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    assert (received.mime_type, received.sub_mime_type, received.data) == ("application", "json", body)
    assert received.from_uri == peer_uri(alice, "alice", transport)


def test_a_type_the_receiver_does_not_accept_is_415(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    bob.add_supported_mime_type("MESSAGE", "application", "json")
    bob.enable_callback_signaling(True, False)
    with pytest.raises(SendFailedError) as raised:
        alice.send_out_of_dialog_message_with_receipt(peer_uri(bob, "bob", transport), "image", "png", b"\x89PNG").result(timeout=TIMEOUT)
    assert (raised.value.code, raised.value.reason) == (415, "Unsupported Media Type")
    answer = bob.wait_for(SendingSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("SIP/2.0 415"))
    assert "Accept: text/plain, application/json\r\n" in answer.signaling  # RFC 3261: what it takes instead
    with pytest.raises(TimeoutError):
        bob.wait_for(RecvOutOfDialogMessage, timeout=0.3)


def test_is_sms_marks_the_to_header(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    bob.enable_callback_signaling(False, True)
    to = peer_uri(bob, "bob", transport)
    alice.send_out_of_dialog_message_with_receipt(to, "text", "plain", b"sms", is_sms=True).result(timeout=TIMEOUT)
    request = bob.wait_for(ReceivedSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("MESSAGE "))
    assert f"To: <{to}>;messagetype=SMS\r\n" in request.signaling


@pytest.mark.parametrize(("code", "reason"), [(200, "OK"), (404, "Not Found"), (486, "Busy Here"), (503, "Service Unavailable")])
def test_the_sender_gets_the_final_status_sipp_answers(
    sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str, code: int, reason: str
) -> None:
    server = sipp("uas_message", transport=transport, code=code, reason=reason)
    alice = wire_lib_factory("alice", transport=transport)
    suffix = ";transport=tcp" if transport == "tcp" else ""
    message_id = alice.send_out_of_dialog_message(f"sip:bob@127.0.0.1:{server.port}{suffix}", "text", "plain", b"status?")
    outcome = alice.wait_for((SendOutOfDialogMessageSuccess, SendOutOfDialogMessageFailure), timeout=TIMEOUT)
    assert outcome.message_id == message_id
    if code == 200:
        assert isinstance(outcome, SendOutOfDialogMessageSuccess)
    else:
        assert isinstance(outcome, SendOutOfDialogMessageFailure)
        assert (outcome.code, outcome.reason) == (code, reason)
    assert server.wait() == 0, server.errors
    assert "status?" in server.messages


def test_a_message_from_sipp_arrives(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    client = sipp("uac_message", remote=f"127.0.0.1:{StubControl(bob).local_sip_port}", transport=transport, service="bob")
    assert client.wait() == 0, client.errors  # SIPp got its 200
    received = bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    assert received.data == b"hello from sipp\r\n"  # exactly what SIPp sent: it ends each line with CRLF
    assert (received.sub_mime_type, received.from_display_name) == ("plain;charset=utf-8", "SIPp")


def test_messages_from_many_threads_all_get_their_outcome(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio, transport=transport)
    register(alice)
    register(bob)
    results: list[int] = []

    def send(thread: int) -> None:
        for n in range(25):
            results.append(alice.send_text("sip:bob@example.test", f"{thread}:{n}").result(timeout=TIMEOUT).message_id)

    threads = [threading.Thread(target=send, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 100
    bodies = {bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT).text for _ in range(100)}
    assert bodies == {f"{t}:{n}" for t in range(4) for n in range(25)}


@pytest.mark.parametrize(
    ("to", "mime", "sub", "data", "error"),
    [
        ("bob@example.test", "text", "plain", b"x", "ECoreInvalidUri"),  # no scheme
        ("sip:bob@example.test\r\nX: y", "text", "plain", b"x", "ECoreInvalidUri"),  # a header smuggled in
        ("tel:+123", "text", "plain", b"x", "ECoreInvalidUri"),
        ("sip:bob@example.test", "text/x", "plain", b"x", "ECoreMimeTypeUnknown"),
        ("sip:bob@example.test", "text", "plain\r\nX: y", b"x", "ECoreMimeTypeUnknown"),
        ("sip:bob@example.test", "text", "plain", b"x" * 65537, "ECoreDataSizeTooLarge"),
    ],
)
def test_what_cannot_go_on_the_wire_is_refused_at_once(
    wire_lib_factory: WireLibFactory, to: str, mime: str, sub: str, data: bytes, error: str
) -> None:
    alice = wire_lib_factory("alice")
    with pytest.raises(SDKError) as raised:
        alice.send_out_of_dialog_message(to, mime, sub, data)
    assert raised.value.name == error


def test_a_body_of_64_kib_goes_through(wire_lib_factory: WireLibFactory) -> None:
    alice: PortSIPLib = wire_lib_factory("alice", transport="tcp")
    bob = wire_lib_factory("bob", transport="tcp")
    body = bytes(range(256)) * 200  # 51,200 bytes: over UDP's datagrams libre reads, within a TCP stream's 64 KiB
    bob.add_supported_mime_type("MESSAGE", "application", "octet-stream")
    alice.send_out_of_dialog_message_with_receipt(peer_uri(bob, "bob", "tcp"), "application", "octet-stream", body).result(timeout=TIMEOUT)
    assert bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT).data == body
