"""Calls with an independent SIP stack: PJSIP 2.15 (pjsua2-python, null audio device), peer to peer, both
ways: connected, hold and unhold, DTMF, hang up from either side."""

from __future__ import annotations

from wire_support import TIMEOUT, PjsipPeer

from portsip.enums import DtmfMethod
from portsip.events import (
    InviteAnswered,
    InviteClosed,
    InviteConnected,
    InviteFailure,
    InviteIncoming,
    InviteRinging,
    RemoteHold,
    RemoteUnHold,
)
from portsip.testing import peer_uri
from portsip.testing.fixtures import WireLibFactory


def test_pjsip_calls_us_and_we_hang_up(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    pjsip.send("call", to=peer_uri(bob, "bob", transport))
    incoming = bob.wait_for(InviteIncoming, timeout=TIMEOUT)
    assert incoming.caller.startswith("sip:carol@127.0.0.1") and incoming.exists_audio
    assert pjsip.expect("call_state", state="early")["code"] == 180
    bob.answer_call(incoming.session_id)
    pjsip.expect("call_state", state="confirmed")
    assert bob.wait_for(InviteConnected, timeout=TIMEOUT).session_id == incoming.session_id
    pjsip.send("hold")
    assert bob.wait_for(RemoteHold, timeout=TIMEOUT).session_id == incoming.session_id
    pjsip.send("unhold")
    assert bob.wait_for(RemoteUnHold, timeout=TIMEOUT).session_id == incoming.session_id
    bob.hang_up(incoming.session_id)
    assert pjsip.expect("call_state", state="disconnected")["code"] == 200


def test_we_call_pjsip_and_it_hangs_up(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    session = alice.call(pjsip.uri, True, False)
    pjsip.expect("incoming_call")
    assert alice.wait_for(InviteRinging, timeout=TIMEOUT).session_id == session
    pjsip.send("answer", code=200)
    answered = alice.wait_for(InviteAnswered, timeout=TIMEOUT)
    assert (answered.session_id, answered.exists_audio) == (session, True)
    assert alice.wait_for(InviteConnected, timeout=TIMEOUT).session_id == session
    pjsip.expect("call_state", state="confirmed")
    alice.send_dtmf(session, DtmfMethod.INFO, 7)
    assert pjsip.expect("dtmf")["digit"] == "7"
    pjsip.send("hangup")
    assert alice.wait_for(InviteClosed, timeout=TIMEOUT).session_id == session


def test_pjsip_refuses_our_call(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    session = alice.call(pjsip.uri, True, False)
    pjsip.expect("incoming_call")
    pjsip.send("answer", code=603)
    failure = alice.wait_for(InviteFailure, timeout=TIMEOUT)
    assert (failure.session_id, failure.code) == (session, 603)
