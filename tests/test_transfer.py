"""Call transfer (REFER) between instances on the stub: blind, attended, out of dialog, accepted and rejected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _calls import BOB, CAROL, absent, connect, journal_of, settle, vendor_code

from portsip import CallStateError, InvalidArgumentError, NotFoundError, PortSIPLib
from portsip.events import (
    ACTVTransferFailure,
    ACTVTransferSuccess,
    InviteAnswered,
    InviteClosed,
    InviteConnected,
    InviteFailure,
    InviteIncoming,
    InviteTrying,
    ReceivedRefer,
    ReferAccepted,
    ReferRejected,
    TransferRinging,
    TransferTrying,
)
from portsip.testing import StubCall, StubControl


def test_blind_transfer_accepted(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    a_b, b_a = connect(alice, bob, BOB)
    alice.refer(a_b, CAROL)
    refer = bob.wait_for(ReceivedRefer)
    assert (refer.session_id, refer.to_uri, refer.from_uri) == (b_a, CAROL, "sip:alice@example.com")
    assert refer.refer_id > 0 and refer.refer_sip_message.startswith(f"REFER {BOB} SIP/2.0\r\n")
    assert f"Refer-To: <{CAROL}>\r\n" in refer.refer_sip_message

    b_c = bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    assert b_c > 0 and b_c != b_a
    assert alice.wait_for(ReferAccepted).session_id == a_b
    assert alice.wait_for(TransferTrying).session_id == a_b
    assert bob.wait_for(InviteTrying).session_id == b_c
    at_carol = carol.wait_for(InviteIncoming)
    assert at_carol.caller == "sip:bob@example.com" and "Referred-By: <sip:alice@example.com>" in at_carol.sip_message
    assert alice.wait_for(TransferRinging).session_id == a_b
    settle(alice)
    assert absent(alice, ACTVTransferSuccess)

    carol.answer_call(at_carol.session_id)
    assert bob.wait_for(InviteConnected, predicate=lambda e: e.session_id == b_c)
    assert alice.wait_for(ACTVTransferSuccess).session_id == a_b
    # As in the vendor's sample: the transferor hangs up once the transfer succeeded.
    alice.hang_up(a_b)
    assert bob.wait_for(InviteClosed).session_id == b_a
    bob.hang_up(b_c)
    assert carol.wait_for(InviteClosed).session_id == at_carol.session_id


def test_refer_rejected(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB)
    portsip_lib.refer(a_b, CAROL)
    refer = bob.wait_for(ReceivedRefer)
    bob.reject_refer(refer.refer_id)
    rejected = portsip_lib.wait_for(ReferRejected)
    assert (rejected.session_id, rejected.code, rejected.reason) == (a_b, 603, "Decline")
    portsip_lib.hold(a_b)  # the call goes on
    with pytest.raises(NotFoundError):
        bob.accept_refer(refer.refer_id, refer.refer_sip_message)


@pytest.mark.parametrize("target, code", [("sip:nobody@example.com", 404), (CAROL, 486)])
def test_transfer_fails_when_the_target_call_fails(
    portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib, target: str, code: int
) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB)
    portsip_lib.refer(a_b, target)
    refer = bob.wait_for(ReceivedRefer)
    b_x = bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    if code == 486:
        carol.reject_call(carol.wait_for(InviteIncoming).session_id, 486)
    assert bob.wait_for(InviteFailure).session_id == b_x
    failure = portsip_lib.wait_for(ACTVTransferFailure)
    assert (failure.session_id, failure.code) == (a_b, code)


def test_cancelling_the_transfer_call_fails_the_transfer(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB)
    portsip_lib.refer(a_b, CAROL)
    refer = bob.wait_for(ReceivedRefer)
    b_c = bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    carol.wait_for(InviteIncoming)
    bob.hang_up(b_c)
    failure = portsip_lib.wait_for(ACTVTransferFailure)
    assert (failure.session_id, failure.code) == (a_b, 487)
    assert carol.wait_for(InviteClosed)


@pytest.mark.parametrize("variant", ["attended_refer", "attended_refer2"])
def test_attended_transfer_replaces_the_consultation_call(
    portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib, variant: str
) -> None:
    alice = portsip_lib
    a_b, b_a = connect(alice, bob, BOB)
    alice.hold(a_b)
    a_c, c_a = connect(alice, carol, CAROL)  # the consultation call
    if variant == "attended_refer":
        alice.attended_refer(a_b, a_c, CAROL)
    else:
        alice.attended_refer2(a_b, a_c, "INVITE", BOB, CAROL)
    refer = bob.wait_for(ReceivedRefer)
    assert "?Replaces=" in refer.refer_sip_message
    b_c = bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    # Carol's call with Alice is taken over by Bob's, connected at once (stub's choice).
    at_carol = carol.wait_for(InviteIncoming)
    assert "Replaces: " in at_carol.sip_message
    assert carol.wait_for(InviteConnected, predicate=lambda e: e.session_id == at_carol.session_id)
    assert bob.wait_for(InviteAnswered).session_id == b_c
    assert alice.wait_for(ACTVTransferSuccess).session_id == a_b
    assert alice.wait_for(InviteClosed).session_id == a_c
    assert carol.wait_for(InviteClosed).session_id == c_a
    alice.hang_up(a_b)
    assert bob.wait_for(InviteClosed).session_id == b_a


def test_attended_transfer_to_the_wrong_user_fails_with_481(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB)
    a_c, _ = connect(portsip_lib, carol, CAROL)
    portsip_lib.attended_refer(a_b, a_c, BOB)  # Bob cannot replace a call Bob does not have
    refer = bob.wait_for(ReceivedRefer)
    bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    failure = portsip_lib.wait_for(ACTVTransferFailure)
    assert (failure.session_id, failure.code) == (a_b, 481)


def test_out_of_dialog_refer(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    a_c, c_a = connect(alice, carol, CAROL)
    alice.out_of_dialog_refer(a_c, "INVITE", BOB, CAROL)
    refer = bob.wait_for(ReceivedRefer)
    assert (refer.session_id, refer.to_uri) == (0, CAROL)
    assert refer.refer_sip_message.startswith(f"REFER {BOB} SIP/2.0\r\n")
    b_c = bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    assert bob.wait_for(InviteConnected).session_id == b_c
    assert alice.wait_for(InviteClosed).session_id == a_c
    assert carol.wait_for(InviteClosed).session_id == c_a
    settle(alice)
    assert absent(alice, ReferAccepted) and absent(alice, ACTVTransferSuccess)


MISUSE: list[tuple[str, Callable[[PortSIPLib, PortSIPLib], Any], str]] = [
    ("refer a ringing call", lambda a, b: a.refer(a.call(BOB), CAROL), "ECoreCallNotEstablished"),
    ("refer an unknown session", lambda a, b: a.refer(999, CAROL), "ECoreInviteSessionNotFound"),
    ("refer to nobody", lambda a, b: a.refer(connect(a, b, BOB)[0], ""), "ECoreInvalidUri"),
    ("replace the call itself", lambda a, b: a.attended_refer(s := connect(a, b, BOB)[0], s, CAROL), "ECoreArgumentIncorrect"),
    ("replace an unknown call", lambda a, b: a.attended_refer(connect(a, b, BOB)[0], 999, CAROL), "ECoreInviteSessionNotFound"),
    ("out of dialog, unknown call", lambda a, b: a.out_of_dialog_refer(999, "INVITE", BOB, CAROL), "ECoreInviteSessionNotFound"),
    ("out of dialog to nobody", lambda a, b: a.out_of_dialog_refer(1, "INVITE", "", CAROL), "ECoreInvalidUri"),
    ("accept an unknown refer", lambda a, b: a.accept_refer(999, "REFER"), "ECoreCallIdNotFound"),
    ("reject an unknown refer", lambda a, b: a.reject_refer(999), "ECoreCallIdNotFound"),
]


@pytest.mark.parametrize("what, misuse, name", MISUSE, ids=[m[0] for m in MISUSE])
def test_misuse_gives_the_vendor_code(
    portsip_lib: PortSIPLib, bob: PortSIPLib, what: str, misuse: Callable[[PortSIPLib, PortSIPLib], Any], name: str
) -> None:
    assert vendor_code(lambda: misuse(portsip_lib, bob)) == name


def test_accepting_twice_is_not_found_and_errors_have_families(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB)
    portsip_lib.refer(a_b, "sip:nobody@example.com")
    refer = bob.wait_for(ReceivedRefer)
    bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    with pytest.raises(LookupError):
        bob.accept_refer(refer.refer_id, refer.refer_sip_message)
    with pytest.raises(CallStateError):
        portsip_lib.refer(portsip_lib.call(BOB), CAROL)
    with pytest.raises(InvalidArgumentError):
        portsip_lib.refer(a_b, "")


JOURNAL: list[tuple[str, tuple[Any, ...], str, dict[str, object]]] = [
    ("refer", (5, CAROL), "PortSIP_refer", {"sessionId": 5, "referTo": CAROL}),
    ("attended_refer", (5, 6, CAROL), "PortSIP_attendedRefer", {"sessionId": 5, "replaceSessionId": 6, "referTo": CAROL}),
    (
        "attended_refer2", (5, 6, "BYE", BOB, CAROL), "PortSIP_attendedRefer2",
        {"sessionId": 5, "replaceSessionId": 6, "replaceMethod": "BYE", "target": BOB, "referTo": CAROL},
    ),
    (
        "out_of_dialog_refer", (6, "INVITE", BOB, CAROL), "PortSIP_outOfDialogRefer",
        {"replaceSessionId": 6, "replaceMethod": "INVITE", "target": BOB, "referTo": CAROL},
    ),
    ("accept_refer", (7, "REFER x"), "PortSIP_acceptRefer", {"referId": 7, "referSignaling": "REFER x"}),
    ("reject_refer", (7,), "PortSIP_rejectRefer", {"referId": 7}),
]


@pytest.mark.parametrize("method, args, function, recorded", JOURNAL, ids=[j[0] for j in JOURNAL])
def test_each_method_makes_its_call(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, args: tuple[Any, ...], function: str, recorded: dict[str, object]
) -> None:
    assert journal_of(stub_control, lambda: getattr(portsip_lib, method)(*args)) == [StubCall(function, recorded)]
