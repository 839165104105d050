"""Presence on the wire: agent mode through Kamailio's presence server (PUBLISH, its SIP-ETag refresh, removal on
close), peer to peer (accept, reject, terminate from either side), and generic subscriptions (MWI)."""

from __future__ import annotations

import time

import pytest
from wire_support import TIMEOUT, eventually, register, subscribed_at_sipp

from portsip import PortSIPLib, SDKError
from portsip.enums import PresenceMode
from portsip.events import PresenceOffline, PresenceOnline, PresenceRecvSubscribe, SendingSignaling, WaitingVoiceMessage
from portsip.testing import peer_uri
from portsip.testing.fixtures import SippFactory, WireLibFactory
from portsip.testing.servers import Kamailio


def agents(server: Kamailio, factory: WireLibFactory, transport: str) -> tuple[PortSIPLib, PortSIPLib]:
    """alice and bob, registered, in presence-agent mode."""
    alice = factory("alice", server=server, transport=transport)
    bob = factory("bob", server=server, transport=transport)
    for lib in (alice, bob):
        register(lib)
        lib.set_presence_mode(PresenceMode.AGENT)
    return alice, bob


@pytest.mark.parametrize("authenticated", [False, True])
def test_an_agent_mode_status_reaches_a_watcher_through_the_server(
    kamailio: Kamailio, kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str, authenticated: bool
) -> None:
    alice, bob = agents(kamailio_auth if authenticated else kamailio, wire_lib_factory, transport)
    bob.set_presence_status(0, "Available for tests")  # PUBLISH to the presence server
    time.sleep(0.2)  # the server has it before alice asks (else her first state is "nothing published")
    status = alice.presence_subscribe_with_receipt("sip:bob@example.test", "hello").result(timeout=TIMEOUT)
    assert isinstance(status, PresenceOnline)
    assert (status.from_uri, status.state_text) == ("sip:bob@example.test", "Available for tests")
    bob.set_presence_status(0, "In a meeting")  # a new state reaches the watcher too
    assert alice.wait_for(PresenceOnline, timeout=TIMEOUT, predicate=lambda e: e.state_text == "In a meeting")
    bob.set_presence_status(0, "Offline")  # manual: "Offline" makes one appear offline
    assert alice.wait_for(PresenceOffline, timeout=TIMEOUT).from_uri == "sip:bob@example.test"


def test_a_watcher_of_someone_who_published_nothing_sees_offline(kamailio: Kamailio, wire_lib_factory: WireLibFactory) -> None:
    alice, _ = agents(kamailio, wire_lib_factory, "udp")
    status = alice.presence_subscribe_with_receipt("sip:bob@example.test").result(timeout=TIMEOUT)
    assert isinstance(status, PresenceOffline)


def test_the_publication_is_refreshed_with_its_entity_tag(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob = agents(kamailio, wire_lib_factory, transport)
    bob.set_default_publication_time(2)  # refreshed at 90%: after 1.8 s
    bob.enable_callback_signaling(True, False)
    bob.set_presence_status(0, "Here for a while")
    refresh = bob.wait_for(
        SendingSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("PUBLISH ") and "SIP-If-Match: " in e.signaling
    )
    assert "Content-Length: 0\r\n" in refresh.signaling  # a refresh carries the tag, not the state
    time.sleep(1.0)  # past the first publication's expiry: still there, refreshed
    status = alice.presence_subscribe_with_receipt("sip:bob@example.test").result(timeout=TIMEOUT)
    assert isinstance(status, PresenceOnline) and status.state_text == "Here for a while"


@pytest.mark.parametrize("authenticated", [False, True])
def test_closing_removes_the_publication(
    kamailio: Kamailio, kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str, authenticated: bool
) -> None:
    server = kamailio_auth if authenticated else kamailio  # the unPUBLISH is challenged too, and answered
    alice, bob = agents(server, wire_lib_factory, transport)
    bob.set_presence_status(0, "Leaving soon")
    time.sleep(0.2)
    assert isinstance(alice.presence_subscribe_with_receipt("sip:bob@example.test").result(timeout=TIMEOUT), PresenceOnline)
    bob.close()  # PUBLISH Expires: 0: the presence server drops bob's state and tells his watchers
    assert alice.wait_for(PresenceOffline, timeout=TIMEOUT).from_uri == "sip:bob@example.test"
    assert "RX PUBLISH" in server.log.rsplit("RX SUBSCRIBE", 1)[1]  # the removal came after alice subscribed


# ---- peer to peer --------------------------------------------------------------------------------


def watching(factory: WireLibFactory, transport: str) -> tuple[PortSIPLib, PortSIPLib, int, int]:
    """alice watches bob peer to peer and bob accepted: (alice, bob, alice's subscribe id, bob's)."""
    alice = factory("alice", transport=transport)
    bob = factory("bob", transport=transport)
    mine = alice.presence_subscribe(peer_uri(bob, "bob", transport), "")
    theirs = bob.wait_for(PresenceRecvSubscribe, timeout=TIMEOUT).subscribe_id
    bob.presence_accept_subscribe(theirs)
    bob.set_presence_status(theirs, "Ready")
    assert alice.wait_for(PresenceOnline, timeout=TIMEOUT).state_text == "Ready"
    return alice, bob, mine, theirs


def test_status_before_accepting_is_refused(wire_lib_factory: WireLibFactory) -> None:
    alice = wire_lib_factory("alice")
    bob = wire_lib_factory("bob")
    alice.presence_subscribe(peer_uri(bob, "bob"), "")
    incoming = bob.wait_for(PresenceRecvSubscribe, timeout=TIMEOUT)
    with pytest.raises(SDKError) as raised:
        bob.set_presence_status(incoming.subscribe_id, "too early")
    assert raised.value.name == "ECoreArgumentIncorrect"


def test_the_watcher_ends_its_subscription(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob, mine, theirs = watching(wire_lib_factory, transport)
    alice.presence_terminate_subscribe(mine)  # SUBSCRIBE Expires: 0: bob's record of alice goes

    def forgotten() -> str:
        with pytest.raises(SDKError) as raised:
            bob.set_presence_status(theirs, "Anyone?")
        return raised.value.name

    assert eventually(forgotten) == "ECoreNotFoundSubscribeId"
    with pytest.raises(TimeoutError):
        alice.wait_for(PresenceOnline, timeout=0.3, predicate=lambda e: e.state_text == "Anyone?")


def test_the_watched_ends_the_subscription(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob, _, theirs = watching(wire_lib_factory, transport)
    bob.presence_terminate_subscribe(theirs)  # NOTIFY terminated: alice no longer knows bob's state
    assert alice.wait_for(PresenceOffline, timeout=TIMEOUT).from_uri == peer_uri(bob, "bob", transport)


def test_a_status_change_and_offline(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, bob, _, theirs = watching(wire_lib_factory, transport)
    bob.set_presence_status(theirs, "Lunch")
    assert alice.wait_for(PresenceOnline, timeout=TIMEOUT, predicate=lambda e: e.state_text == "Lunch")
    bob.set_presence_status(theirs, "Offline")
    assert alice.wait_for(PresenceOffline, timeout=TIMEOUT)


# ---- generic subscriptions -----------------------------------------------------------------------


def test_a_message_summary_subscription(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice, server, subscription = subscribed_at_sipp(sipp, wire_lib_factory, transport, "uas_subscribe_mwi", "alice", "message-summary")
    voice = alice.wait_for(WaitingVoiceMessage, timeout=TIMEOUT)
    counts = (voice.new_message_count, voice.old_message_count, voice.urgent_new_message_count, voice.urgent_old_message_count)
    assert counts == (3, 5, 1, 0)
    assert voice.message_account == "sip:alice@127.0.0.1"
    alice.terminate_subscription(subscription)
    assert server.wait() == 0, server.errors
