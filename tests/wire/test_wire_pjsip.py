"""Interoperability with an independent SIP stack: PJSIP 2.15 (pjsua2-python), peer to peer, both ways."""

from __future__ import annotations

from wire_support import TIMEOUT, PjsipPeer

from portsip.events import PresenceOnline, PresenceRecvSubscribe, RecvOutOfDialogMessage
from portsip.testing import peer_uri
from portsip.testing.fixtures import WireLibFactory


def test_pjsip_receives_our_message(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    success = alice.send_text(pjsip.uri, "hello PJSIP").result(timeout=TIMEOUT)
    assert success.to_uri == pjsip.uri
    received = pjsip.expect("message")
    assert (received["body"], received["content_type"]) == ("hello PJSIP", "text/plain")
    assert received["from"] == '"Alice" <sip:alice@127.0.0.1>'  # PJSIP prints From/To URIs without the port


def test_we_receive_pjsips_message(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    pjsip.send("message", to=peer_uri(bob, "bob", transport), body="hello portsip")
    received = bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    assert (received.text, received.mime_type, received.sub_mime_type) == ("hello portsip", "text", "plain")
    assert pjsip.expect("message_status")["code"] == 200


def test_pjsip_reads_our_pidf(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    pjsip.send("subscribe", to=peer_uri(bob, "bob", transport))
    incoming = bob.wait_for(PresenceRecvSubscribe, timeout=TIMEOUT)
    bob.presence_accept_subscribe(incoming.subscribe_id)
    bob.set_presence_status(incoming.subscribe_id, "Busy coding")
    status = pjsip.expect("buddy", online=True)
    assert status["note"] == "Busy coding"


def test_we_read_pjsips_pidf(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    pjsip.send("status", online=True, note="Out for lunch")
    alice.presence_subscribe(pjsip.uri, "")
    pjsip.expect("subscribed")
    # PJSIP NOTIFYs "closed" first, then its status: open, with its note in the tuple
    status = alice.wait_for(PresenceOnline, timeout=TIMEOUT)
    assert (status.from_uri, status.state_text) == ("sip:carol@127.0.0.1", "Out for lunch")
