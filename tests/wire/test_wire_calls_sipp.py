"""Calls with SIPp as the peer (scenarios in portsip/testing/data/sipp): a callee that answers and hangs up,
one that refuses, a caller that calls us and hangs up; and bad input from the network: an offer that is not
SDP, a callee that vanishes without a BYE."""

from __future__ import annotations

import pytest
from wire_support import TIMEOUT

from portsip.events import InviteAnswered, InviteClosed, InviteConnected, InviteFailure, InviteIncoming, InviteRinging
from portsip.testing import peer_uri
from portsip.testing.fixtures import SippFactory, WireLibFactory


def sipp_uri(port: int, transport: str) -> str:
    return f"sip:bob@127.0.0.1:{port}{';transport=tcp' if transport == 'tcp' else ''}"


def test_sipp_answers_then_hangs_up(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    server = sipp("uas_invite", transport=transport)
    alice = wire_lib_factory("alice", transport=transport)
    session = alice.call(sipp_uri(server.port, transport), True, False)
    assert alice.wait_for(InviteRinging, timeout=TIMEOUT).session_id == session
    answered = alice.wait_for(InviteAnswered, timeout=TIMEOUT)
    assert (answered.session_id, answered.exists_audio, answered.audio_codec_names) == (session, True, "PCMU")
    alice.wait_for(InviteConnected, timeout=TIMEOUT)
    assert alice.wait_for(InviteClosed, timeout=TIMEOUT).session_id == session  # SIPp's BYE
    assert server.wait(TIMEOUT) == 0, server.errors


def test_sipp_refuses(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    server = sipp("uas_invite_reject", transport=transport, code=486, reason="Busy Here")
    alice = wire_lib_factory("alice", transport=transport)
    session = alice.call(sipp_uri(server.port, transport), True, False)
    failure = alice.wait_for(InviteFailure, timeout=TIMEOUT)
    assert (failure.session_id, failure.code, failure.reason) == (session, 486, "Busy Here")
    assert server.wait(TIMEOUT) == 0, server.errors  # and libre ACKed it


def test_sipp_calls_us(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    server = sipp("uac_invite", transport=transport, remote=f"127.0.0.1:{peer_uri(bob, 'bob').rsplit(':', 1)[1]}")
    incoming = bob.wait_for(InviteIncoming, timeout=TIMEOUT)
    assert (incoming.caller_display_name, incoming.audio_codec_names, incoming.exists_audio) == ("SIPp", "PCMA", True)
    bob.answer_call(incoming.session_id)
    assert bob.wait_for(InviteConnected, timeout=TIMEOUT).session_id == incoming.session_id
    assert bob.wait_for(InviteClosed, timeout=TIMEOUT).session_id == incoming.session_id
    assert server.wait(TIMEOUT) == 0, server.errors


def test_an_offer_that_is_not_sdp_is_refused_488(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    server = sipp("uac_invite_bad_sdp", transport=transport, remote=f"127.0.0.1:{peer_uri(bob, 'bob').rsplit(':', 1)[1]}")
    assert server.wait(TIMEOUT) == 0, server.errors
    with pytest.raises(TimeoutError):  # nothing reached the application
        bob.wait_for(InviteIncoming, timeout=0.5)


def test_a_callee_that_vanishes(sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str) -> None:
    # No BYE, and nothing answers our BYE any more: hanging up and closing neither crash nor hang.
    server = sipp("uas_invite_vanish", transport=transport)
    alice = wire_lib_factory("alice", transport=transport)
    session = alice.call(sipp_uri(server.port, transport), True, False)
    alice.wait_for(InviteConnected, timeout=TIMEOUT)
    assert server.wait(TIMEOUT) == 0, server.errors
    alice.hold(session)  # a re-INVITE to nobody
    alice.hang_up(session)
    alice.close()  # within the close grace, whatever the BYE's fate
