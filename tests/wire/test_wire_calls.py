"""Calls on the wire: two wire-stub instances calling each other through Kamailio (with digest
authentication) and peer to peer, on UDP and TCP. Signaling only: the SDP names port 9 and no RTP flows."""

from __future__ import annotations

import pytest
from wire_support import TIMEOUT, register

from portsip import PortSIPLib
from portsip.enums import DtmfMethod
from portsip.errors import PortSIPError
from portsip.events import (
    InviteAnswered,
    InviteClosed,
    InviteConnected,
    InviteFailure,
    InviteIncoming,
    InviteRinging,
    InviteTrying,
    RecvDtmfTone,
    RecvInfo,
    RecvMessage,
    RemoteHold,
    RemoteUnHold,
    SendMessageSuccess,
)
from portsip.testing import peer_uri
from portsip.testing.fixtures import WireLibFactory
from portsip.testing.servers import Kamailio


def ringing(alice: PortSIPLib, bob: PortSIPLib, to: str) -> tuple[int, InviteIncoming]:
    """alice calls ``to`` (bob): alice's session once it rings, and bob's InviteIncoming."""
    session = alice.call(to, True, False)
    assert alice.wait_for(InviteTrying, timeout=TIMEOUT).session_id == session
    incoming = bob.wait_for(InviteIncoming, timeout=TIMEOUT)
    ring = alice.wait_for(InviteRinging, timeout=TIMEOUT)
    assert (ring.session_id, ring.status_code) == (session, 180)
    return session, incoming


def connected(alice: PortSIPLib, bob: PortSIPLib, to: str) -> tuple[int, int]:
    """alice calls bob, bob answers, both are connected: (alice's session, bob's session)."""
    session, incoming = ringing(alice, bob, to)
    bob.answer_call(incoming.session_id)
    answered = alice.wait_for(InviteAnswered, timeout=TIMEOUT)
    assert answered.session_id == session
    assert alice.wait_for(InviteConnected, timeout=TIMEOUT).session_id == session
    assert bob.wait_for(InviteConnected, timeout=TIMEOUT).session_id == incoming.session_id
    return session, incoming.session_id


def test_a_call_through_kamailio(kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio_auth, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio_auth, transport=transport)
    register(alice)
    register(bob)
    session, incoming = ringing(alice, bob, kamailio_auth.uri("bob"))  # the INVITE is challenged (407) first
    assert (incoming.caller_display_name, incoming.caller, incoming.callee) == ("Alice", "sip:alice@example.test", "sip:bob@example.test")
    assert (incoming.exists_audio, incoming.exists_video, incoming.audio_codec_names) == (True, False, "PCMU#PCMA")
    assert incoming.sip_message.startswith("INVITE sip:bob@") and "m=audio 9 RTP/AVP" in incoming.sip_message
    bob.answer_call(incoming.session_id)
    answered = alice.wait_for(InviteAnswered, timeout=TIMEOUT)
    assert (answered.session_id, answered.callee, answered.exists_audio) == (session, "sip:bob@example.test", True)
    assert answered.sip_message.startswith("SIP/2.0 200 OK")
    alice.wait_for(InviteConnected, timeout=TIMEOUT)
    bob_session = bob.wait_for(InviteConnected, timeout=TIMEOUT).session_id
    assert bob_session == incoming.session_id

    alice.hold(session)
    assert bob.wait_for(RemoteHold, timeout=TIMEOUT).session_id == bob_session
    alice.un_hold(session)
    unhold = bob.wait_for(RemoteUnHold, timeout=TIMEOUT)
    assert (unhold.session_id, unhold.exists_audio) == (bob_session, True)

    message_id = alice.send_message(session, "text", "plain", b"in the call")
    received = bob.wait_for(RecvMessage, timeout=TIMEOUT)
    assert (received.session_id, received.data) == (bob_session, b"in the call")
    assert alice.wait_for(SendMessageSuccess, timeout=TIMEOUT).message_id == message_id

    bob.send_dtmf(bob_session, DtmfMethod.INFO, 10)
    tone = alice.wait_for(RecvDtmfTone, timeout=TIMEOUT)
    assert (tone.session_id, tone.tone) == (session, 10)
    bob.send_info(bob_session, "application", "json", '{"x": 1}')
    info = alice.wait_for(RecvInfo, timeout=TIMEOUT)
    assert info.info_message.startswith("INFO sip:alice@") and info.info_message.endswith('{"x": 1}')

    alice.hang_up(session)
    assert bob.wait_for(InviteClosed, timeout=TIMEOUT).session_id == bob_session
    with pytest.raises(PortSIPError):  # gone at both ends
        bob.hold(bob_session)


def test_a_rejected_call_fails_with_its_code(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio, transport=transport)
    register(alice)
    register(bob)
    session, incoming = ringing(alice, bob, kamailio.uri("bob"))
    bob.reject_call(incoming.session_id, 486)
    failure = alice.wait_for(InviteFailure, timeout=TIMEOUT)
    assert (failure.session_id, failure.code, failure.reason) == (session, 486, "Busy Here")
    assert failure.sip_message.startswith("SIP/2.0 486 Busy Here")


def test_calling_an_unregistered_user_gets_the_servers_404(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    register(alice)
    session = alice.call(kamailio.uri("nobody"), True, False)
    failure = alice.wait_for(InviteFailure, timeout=TIMEOUT)
    assert (failure.session_id, failure.code) == (session, 404)


def test_the_caller_hangs_up_before_the_answer(wire_lib_factory: WireLibFactory, transport: str) -> None:
    # A CANCEL: the callee's ringing session closes; the caller gets no event of its own.
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    session, incoming = ringing(alice, bob, peer_uri(bob, "bob", transport))
    alice.hang_up(session)
    assert bob.wait_for(InviteClosed, timeout=TIMEOUT).session_id == incoming.session_id
    with pytest.raises(TimeoutError):
        alice.wait_for((InviteFailure, InviteClosed), timeout=1)


def test_the_callee_hangs_up_and_calls_back_without_sdp(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    session, bob_session = connected(alice, bob, peer_uri(bob, "bob", transport))
    bob.hang_up(bob_session)
    assert alice.wait_for(InviteClosed, timeout=TIMEOUT).session_id == session
    # An INVITE without SDP: bob's 200 offers, alice's ACK answers
    back = bob.call(peer_uri(alice, "alice", transport), False, False)
    incoming = alice.wait_for(InviteIncoming, timeout=TIMEOUT)
    assert (incoming.exists_audio, incoming.audio_codec_names) == (False, "")
    alice.answer_call(incoming.session_id)
    assert bob.wait_for(InviteConnected, timeout=TIMEOUT).session_id == back
    alice.wait_for(InviteConnected, timeout=TIMEOUT)
    bob.hang_up(back)
    alice.wait_for(InviteClosed, timeout=TIMEOUT)


def test_what_the_wire_does_not_carry_fails_clearly(wire_lib_factory: WireLibFactory) -> None:
    alice = wire_lib_factory("alice")
    bob = wire_lib_factory("bob")
    session, _ = connected(alice, bob, peer_uri(bob, "bob"))
    for attempt in (
        lambda: alice.refer(session, peer_uri(bob, "carol")),
        lambda: alice.update_call(session, True, True),
        lambda: alice.send_dtmf(session, DtmfMethod.RFC2833, 5),  # RFC 2833 tones travel in RTP: none here
    ):
        with pytest.raises(PortSIPError) as raised:
            attempt()
        assert raised.value.name in ("ECoreNotSupportCallbackMode", "ECoreCodecNotSupport")


def test_close_hangs_up_live_calls(wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    _, bob_session = connected(alice, bob, peer_uri(bob, "bob", transport))
    alice.close()  # a BYE, within the close grace
    assert bob.wait_for(InviteClosed, timeout=TIMEOUT).session_id == bob_session
