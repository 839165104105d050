"""One test per event the wire stub produces, each on UDP and on TCP, against real SIP parts on loopback."""

from __future__ import annotations

import pytest
from wire_support import TIMEOUT, register, subscribed_at_sipp

from portsip import PortSIPLib, SendFailedError
from portsip.events import (
    DialogStateUpdated,
    PresenceOffline,
    PresenceOnline,
    PresenceRecvSubscribe,
    ReceivedSignaling,
    RecvOutOfDialogMessage,
    RegisterFailure,
    SendingSignaling,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
    WaitingFaxMessage,
    WaitingVoiceMessage,
)
from portsip.testing import StubControl, peer_uri
from portsip.testing.fixtures import SippFactory, WireLibFactory
from portsip.testing.servers import Kamailio


def test_register_success(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    success = register(alice, 120)
    assert (success.status_code, success.status_text) == (200, "OK")
    assert success.sip_message.startswith("SIP/2.0 200 OK\r\n")
    assert "CSeq: " in success.sip_message and " REGISTER\r\n" in success.sip_message
    assert f"RX REGISTER sip:{kamailio.domain}" in kamailio.log


def test_register_failure(kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio_auth, transport=transport, password="wrong")
    alice.register_server(120)
    failure = alice.wait_for(RegisterFailure, timeout=TIMEOUT)
    assert (failure.status_code, failure.status_text) == (403, "Forbidden")
    assert failure.sip_message.startswith("SIP/2.0 403 Forbidden\r\n")


def registered_pair(server: Kamailio, factory: WireLibFactory, transport: str) -> tuple[PortSIPLib, PortSIPLib]:
    alice = factory("alice", server=server, transport=transport)
    bob = factory("bob", server=server, transport=transport)
    register(alice)
    register(bob)
    return alice, bob


def test_send_out_of_dialog_message_success(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, _ = registered_pair(kamailio, wire_lib_factory, transport)
    message_id = alice.send_out_of_dialog_message("sip:bob@example.test", "text", "plain", b"hi")
    success = alice.wait_for(SendOutOfDialogMessageSuccess, timeout=TIMEOUT)
    assert success.message_id == message_id
    assert (success.from_display_name, success.from_uri, success.to_uri) == ("Alice", "sip:alice@example.test", "sip:bob@example.test")


def test_send_out_of_dialog_message_failure(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, _ = registered_pair(kamailio, wire_lib_factory, transport)
    message_id = alice.send_out_of_dialog_message("sip:nobody@example.test", "text", "plain", b"anyone?")
    failure = alice.wait_for(SendOutOfDialogMessageFailure, timeout=TIMEOUT)
    assert (failure.message_id, failure.code, failure.reason) == (message_id, 404, "Not Found")
    with pytest.raises(SendFailedError) as raised:  # the receipt says the same
        alice.send_text("sip:nobody@example.test", "anyone?").result(timeout=TIMEOUT)
    assert raised.value.code == 404


def test_recv_out_of_dialog_message(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob = registered_pair(kamailio, wire_lib_factory, transport)
    bob.add_supported_mime_type("MESSAGE", "application", "octet-stream")
    body = bytes(range(256)) * 4  # every byte value, NULs included
    alice.send_out_of_dialog_message("sip:bob@example.test", "application", "octet-stream", body)
    received = bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    assert received.data == body
    assert (received.mime_type, received.sub_mime_type) == ("application", "octet-stream")
    assert (received.from_display_name, received.from_uri, received.to_uri) == ("Alice", "sip:alice@example.test", "sip:bob@example.test")


def p2p_subscription(factory: WireLibFactory, transport: str) -> tuple[PortSIPLib, PortSIPLib, PresenceRecvSubscribe]:
    """alice watches bob, peer to peer: bob's PresenceRecvSubscribe."""
    alice = factory("alice", transport=transport)
    bob = factory("bob", transport=transport)
    alice.presence_subscribe(peer_uri(bob, "bob", transport), "may I?")
    return alice, bob, bob.wait_for(PresenceRecvSubscribe, timeout=TIMEOUT)


def test_presence_recv_subscribe(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, _, incoming = p2p_subscription(wire_lib_factory, transport)
    assert incoming.subscribe_id > 0
    assert (incoming.from_display_name, incoming.subject) == ("Alice", "may I?")
    assert incoming.from_uri == peer_uri(alice, "alice", transport)


def test_presence_online(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob, incoming = p2p_subscription(wire_lib_factory, transport)
    bob.presence_accept_subscribe(incoming.subscribe_id)
    bob.set_presence_status(incoming.subscribe_id, "Busy <coding> & testing")  # markup in the note survives
    online = alice.wait_for(PresenceOnline, timeout=TIMEOUT)
    assert online.state_text == "Busy <coding> & testing"
    assert online.from_uri == peer_uri(bob, "bob", transport)


def test_presence_offline(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob, incoming = p2p_subscription(wire_lib_factory, transport)
    bob.presence_reject_subscribe(incoming.subscribe_id)
    offline = alice.wait_for(PresenceOffline, timeout=TIMEOUT)
    assert offline.from_uri == peer_uri(bob, "bob", transport)


def unsolicited_summary(sipp: SippFactory, factory: WireLibFactory, transport: str) -> PortSIPLib:
    """alice, who gets a voicemail server's unsolicited message-summary NOTIFY from SIPp."""
    alice = factory("alice", transport=transport)
    run = sipp("uac_notify", remote=f"127.0.0.1:{StubControl(alice).local_sip_port}", transport=transport, service="alice")
    assert run.wait() == 0, run.errors
    return alice


def test_waiting_voice_message(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = unsolicited_summary(sipp, wire_lib_factory, transport)
    voice = alice.wait_for(WaitingVoiceMessage, timeout=TIMEOUT)
    assert (voice.new_message_count, voice.old_message_count) == (2, 8)
    assert (voice.urgent_new_message_count, voice.urgent_old_message_count) == (0, 2)
    assert voice.message_account.startswith("sip:alice@127.0.0.1")


def test_waiting_fax_message(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = unsolicited_summary(sipp, wire_lib_factory, transport)
    fax = alice.wait_for(WaitingFaxMessage, timeout=TIMEOUT)
    assert (fax.new_message_count, fax.old_message_count, fax.urgent_new_message_count) == (1, 3, 0)


def test_dialog_state_updated(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, server, subscription = subscribed_at_sipp(sipp, wire_lib_factory, transport, "uas_subscribe_dialog", "100", "dialog")
    update = alice.wait_for(DialogStateUpdated, timeout=TIMEOUT)
    assert (update.blf_monitored_uri, update.blf_dialog_id) == ("sip:100@127.0.0.1", "call-7")
    assert (update.blf_dialog_state, update.blf_dialog_direction) == ("early", "recipient")
    alice.terminate_subscription(subscription)  # SIPp expects the unSUBSCRIBE, and ends
    assert server.wait() == 0, server.errors


def test_sending_signaling(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    alice.enable_callback_signaling(True, False)
    register(alice)
    sent = alice.wait_for(SendingSignaling, timeout=TIMEOUT)
    assert sent.signaling.startswith(f"REGISTER sip:{kamailio.domain} SIP/2.0\r\n")
    assert f"Via: SIP/2.0/{transport.upper()} 127.0.0.1:" in sent.signaling
    assert sent.signaling.endswith("\r\n\r\n")


def test_received_signaling(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    alice.enable_callback_signaling(False, True)
    register(alice)
    received = alice.wait_for(ReceivedSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("SIP/2.0 200"))
    assert "CSeq: " in received.signaling and " REGISTER\r\n" in received.signaling
    with pytest.raises(TimeoutError):  # sending was not asked for
        alice.wait_for(SendingSignaling, timeout=0.3)
