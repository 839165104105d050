"""Calls between instances on the stub: the flows a softphone goes through, and the vendor's codes for misuse."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from _calls import BOB, CAROL, absent, connect, journal_of, settle, vendor_code

from portsip import CallStateError, DtmfMethod, InvalidArgumentError, NotFoundError, PortSIPLib, SessionRefreshMode
from portsip.events import (
    InviteAnswered,
    InviteBeginingForward,
    InviteClosed,
    InviteConnected,
    InviteFailure,
    InviteIncoming,
    InviteRinging,
    InviteSessionProgress,
    InviteTrying,
    InviteUpdated,
    RecvDtmfTone,
    RecvInfo,
    RecvMessage,
    RecvOptions,
    RemoteHold,
    RemoteUnHold,
    SendMessageSuccess,
)
from portsip.testing import StubCall, StubControl

# ---- flows ------------------------------------------------------------------------------------


def test_call_answered_held_unheld_and_hung_up(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    alice = portsip_lib
    session = alice.call(BOB)
    assert session > 0
    assert alice.wait_for(InviteTrying).session_id == session
    incoming = bob.wait_for(InviteIncoming)
    assert (incoming.caller_display_name, incoming.caller, incoming.callee_display_name, incoming.callee) == (
        "Alice", "sip:alice@example.com", "Bob", BOB,
    )
    assert (incoming.audio_codec_names, incoming.video_codec_names, incoming.exists_audio, incoming.exists_video) == (
        "PCMU#PCMA", "", True, False,
    )
    assert incoming.sip_message.startswith(f"INVITE {BOB} SIP/2.0\r\n")
    assert 'From: "Alice" <sip:alice@example.com>' in incoming.sip_message and "m=audio " in incoming.sip_message
    ringing = alice.wait_for(InviteRinging)
    assert (ringing.session_id, ringing.status_code, ringing.status_text) == (session, 180, "Ringing")
    assert ringing.sip_message.startswith("SIP/2.0 180 Ringing\r\n")

    bob.answer_call(incoming.session_id)
    answered = alice.wait_for(InviteAnswered)
    assert (answered.session_id, answered.callee, answered.callee_display_name, answered.exists_audio) == (session, BOB, "Bob", True)
    assert answered.sip_message.startswith("SIP/2.0 200 OK\r\n")
    assert alice.wait_for(InviteConnected).session_id == session
    assert bob.wait_for(InviteConnected).session_id == incoming.session_id

    alice.hold(session)
    assert bob.wait_for(RemoteHold).session_id == incoming.session_id
    alice.un_hold(session)
    unheld = bob.wait_for(RemoteUnHold)
    assert (unheld.session_id, unheld.audio_codec_names, unheld.exists_audio, unheld.exists_video) == (
        incoming.session_id, "PCMU#PCMA", True, False,
    )

    bob.hang_up(incoming.session_id)
    assert alice.wait_for(InviteClosed).session_id == session
    settle(alice, bob)
    # Manual: InviteClosed means "the remote side closed the call": the side that hung up gets none.
    assert absent(bob, InviteClosed)
    with pytest.raises(NotFoundError):
        alice.hang_up(session)


def test_message_inside_a_call(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    mine, theirs = connect(portsip_lib, bob, BOB)
    message_id = bob.send_message(theirs, "text", "plain", b"in the call")
    received = portsip_lib.wait_for(RecvMessage)
    assert (received.session_id, received.data) == (mine, b"in the call")
    assert bob.wait_for(SendMessageSuccess).message_id == message_id


def test_dtmf_tones_arrive_with_their_codes(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    mine, theirs = connect(portsip_lib, bob, BOB)
    for tone in range(17):
        portsip_lib.send_dtmf(mine, DtmfMethod.RFC2833 if tone % 2 else DtmfMethod.INFO, tone)
    received = [bob.wait_for(RecvDtmfTone) for _ in range(17)]
    assert [(e.session_id, e.tone) for e in received] == [(theirs, tone) for tone in range(17)]
    bob.send_dtmf(theirs, 1, 11, dtmf_duration=320, play_dtmf_tone=False)
    assert portsip_lib.wait_for(RecvDtmfTone).tone == 11


def test_info_arrives_as_the_whole_message(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    _, theirs = connect(portsip_lib, bob, BOB)
    bob.send_info(theirs, "application", "json", '{"volume": 3}')
    info = portsip_lib.wait_for(RecvInfo).info_message
    assert info.startswith("INFO sip:alice@example.com SIP/2.0\r\n")
    assert "Content-Type: application/json\r\n" in info and info.endswith('\r\n\r\n{"volume": 3}')
    assert 'From: "Bob" <sip:bob@example.com>' in info


def test_options_reach_the_target_outside_any_call(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    portsip_lib.send_options(BOB, "v=0\r\n")
    options = bob.wait_for(RecvOptions).options_message
    assert options.startswith(f"OPTIONS {BOB} SIP/2.0\r\n") and options.endswith("\r\n\r\nv=0\r\n")
    portsip_lib.send_options("sip:nobody@example.com")  # lost, like on the network: v17.1 reports nothing
    assert StubControl(portsip_lib).calls_to("PortSIP_sendOptions")[-1].args == {"to": "sip:nobody@example.com", "sdp": ""}


def test_rejected_call_fails_at_the_caller_with_the_code(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session = portsip_lib.call(BOB)
    incoming = bob.wait_for(InviteIncoming)
    bob.reject_call(incoming.session_id, 603)
    failure = portsip_lib.wait_for(InviteFailure)
    assert (failure.session_id, failure.code, failure.reason) == (session, 603, "Decline")
    assert failure.sip_message.startswith("SIP/2.0 603 Decline\r\n")
    with pytest.raises(NotFoundError):
        portsip_lib.hang_up(session)
    with pytest.raises(NotFoundError):
        bob.answer_call(incoming.session_id)


def test_call_to_an_unknown_user_fails_with_404(portsip_lib: PortSIPLib) -> None:
    session = portsip_lib.call("sip:nobody@example.com")
    assert portsip_lib.wait_for(InviteTrying).session_id == session
    failure = portsip_lib.wait_for(InviteFailure)
    assert (failure.session_id, failure.code, failure.reason) == (session, 404, "Not Found")
    assert "To: <sip:nobody@example.com>" in failure.sip_message


def test_two_calls_at_once_are_independent(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    to_bob, to_carol = alice.call(BOB), alice.call(CAROL)
    assert to_bob != to_carol
    at_bob, at_carol = bob.wait_for(InviteIncoming), carol.wait_for(InviteIncoming)
    carol.answer_call(at_carol.session_id)
    assert alice.wait_for(InviteConnected).session_id == to_carol
    bob.reject_call(at_bob.session_id, 486)
    assert alice.wait_for(InviteFailure).session_id == to_bob
    alice.send_dtmf(to_carol, DtmfMethod.RFC2833, 7)
    assert carol.wait_for(RecvDtmfTone).tone == 7
    alice.hold(to_carol)
    assert carol.wait_for(RemoteHold).session_id == at_carol.session_id
    settle(alice, bob, carol)
    assert absent(carol, InviteClosed) and absent(alice, InviteClosed)


def test_cancel_before_answer_closes_the_ringing_side(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session = portsip_lib.call(BOB)
    incoming = bob.wait_for(InviteIncoming)
    portsip_lib.wait_for(InviteRinging)
    portsip_lib.hang_up(session)
    assert bob.wait_for(InviteClosed).session_id == incoming.session_id
    with pytest.raises(NotFoundError):
        bob.answer_call(incoming.session_id)
    settle(portsip_lib)
    assert absent(portsip_lib, InviteFailure) and absent(portsip_lib, InviteClosed)


def test_hanging_up_a_ringing_incoming_call_declines_it(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session = portsip_lib.call(BOB)
    bob.hang_up(bob.wait_for(InviteIncoming).session_id)
    failure = portsip_lib.wait_for(InviteFailure)
    assert (failure.session_id, failure.code) == (session, 603)


def test_do_not_disturb_rejects_every_call_with_486(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    bob.set_do_not_disturb(True)
    session = portsip_lib.call(BOB)
    failure = portsip_lib.wait_for(InviteFailure)
    assert (failure.session_id, failure.code, failure.reason) == (session, 486, "Busy Here")
    settle(bob)
    assert absent(bob, InviteIncoming)
    bob.set_do_not_disturb(False)
    portsip_lib.call(BOB)
    bob.wait_for(InviteIncoming)
    assert [c.args for c in StubControl(bob).calls_to("PortSIP_setDoNotDisturb")] == [{"state": True}, {"state": False}]


def test_call_forwarding_always_and_when_busy(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    bob.enable_call_forward(False, CAROL)
    session = alice.call(BOB)
    assert bob.wait_for(InviteBeginingForward).forward_to == CAROL
    forwarded = carol.wait_for(InviteIncoming)
    assert forwarded.caller == "sip:alice@example.com"
    carol.answer_call(forwarded.session_id)
    assert alice.wait_for(InviteAnswered).callee == CAROL
    settle(bob)
    assert absent(bob, InviteIncoming)
    alice.hang_up(session)
    carol.wait_for(InviteClosed)

    bob.enable_call_forward(True, CAROL)  # only while bob is in a call
    first = alice.call(BOB)
    bob.answer_call(bob.wait_for(InviteIncoming).session_id)
    alice.wait_for(InviteConnected, predicate=lambda e: e.session_id == first)
    second = alice.call(BOB)
    assert bob.wait_for(InviteBeginingForward).forward_to == CAROL
    assert carol.wait_for(InviteIncoming).caller == "sip:alice@example.com"
    assert alice.wait_for(InviteRinging, predicate=lambda e: e.session_id == second)

    bob.disable_call_forward()
    alice.call(BOB)
    bob.wait_for(InviteIncoming)


def test_forwarding_in_a_loop_fails_with_482(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    bob.enable_call_forward(False, CAROL)
    carol.enable_call_forward(False, BOB)
    session = portsip_lib.call(BOB)
    failure = portsip_lib.wait_for(InviteFailure)
    assert (failure.session_id, failure.code) == (session, 482)


def test_forward_call_sends_a_ringing_call_on(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    session = portsip_lib.call(BOB)
    at_bob = bob.wait_for(InviteIncoming)
    bob.forward_call(at_bob.session_id, CAROL)
    at_carol = carol.wait_for(InviteIncoming)
    carol.answer_call(at_carol.session_id)
    assert portsip_lib.wait_for(InviteConnected).session_id == session
    with pytest.raises(NotFoundError):
        bob.hang_up(at_bob.session_id)
    portsip_lib.send_dtmf(session, DtmfMethod.RFC2833, 3)
    assert carol.wait_for(RecvDtmfTone).session_id == at_carol.session_id


def test_video_call_and_update_call(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session = portsip_lib.call(BOB, video_call=True)
    incoming = bob.wait_for(InviteIncoming)
    assert (incoming.exists_video, incoming.video_codec_names) == (True, "H264")
    bob.answer_call(incoming.session_id, video_call=False)  # audio only
    answered = portsip_lib.wait_for(InviteAnswered)
    assert (answered.exists_audio, answered.exists_video, answered.video_codec_names) == (True, False, "")
    portsip_lib.wait_for(InviteConnected)
    portsip_lib.update_call(session, True, True)
    updated = bob.wait_for(InviteUpdated)
    assert (updated.session_id, updated.exists_audio, updated.exists_video, updated.video_codec_names) == (
        incoming.session_id, True, True, "H264",
    )
    assert updated.sip_message.startswith(f"INVITE {BOB} SIP/2.0") and "m=video " in updated.sip_message


def test_invite_without_sdp(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    portsip_lib.call(BOB, send_sdp=False)
    incoming = bob.wait_for(InviteIncoming)
    assert (incoming.exists_audio, incoming.audio_codec_names) == (False, "")
    assert incoming.sip_message.endswith("Content-Length: 0\r\n\r\n")


def test_call_settings_shape_the_invite(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    alice = portsip_lib
    alice.enable_early_media(True)
    alice.enable_reliable_provisional(True)
    alice.enable_session_timer(120, SessionRefreshMode.UAS)
    session = alice.call(BOB)
    invite = bob.wait_for(InviteIncoming).sip_message
    assert "Require: 100rel\r\n" in invite and "Session-Expires: 120;refresher=uas\r\n" in invite
    progress = alice.wait_for(InviteSessionProgress)
    assert (progress.session_id, progress.exists_early_media, progress.exists_audio) == (session, True, True)
    assert progress.sip_message.startswith("SIP/2.0 183 Session Progress\r\n")
    alice.wait_for(InviteRinging)

    alice.enable_early_media(False)
    alice.enable_reliable_provisional(False)
    alice.disable_session_timer()
    second = alice.call(BOB)
    invite = bob.wait_for(InviteIncoming).sip_message
    assert "Supported: 100rel\r\n" in invite and "Session-Expires" not in invite
    alice.wait_for(InviteRinging, predicate=lambda e: e.session_id == second)
    settle(alice)
    assert absent(alice, InviteSessionProgress, second)


def test_mute_session_is_local(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    mine, _ = connect(portsip_lib, bob, BOB)
    settle(bob)
    fired = StubControl(bob).callbacks_fired
    portsip_lib.mute_session(mine, mute_outgoing_audio=True)
    settle(bob)
    assert StubControl(bob).callbacks_fired == fired
    assert StubControl(portsip_lib).calls_to("PortSIP_muteSession")[-1].args == {
        "sessionId": mine,
        "muteIncomingAudio": False,
        "muteOutgoingAudio": True,
        "muteIncomingVideo": False,
        "muteOutgoingVideo": False,
    }


def test_pickup_blf_call_takes_over_a_ringing_call(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    session = alice.call(BOB)
    ringing_at_bob = bob.wait_for(InviteIncoming)
    match = re.search(r"^Call-ID: (\S+)\r$", ringing_at_bob.sip_message, re.M)
    assert match
    picked = carol.pickup_blf_call(match.group(1))
    assert carol.wait_for(InviteTrying).session_id == picked
    assert carol.wait_for(InviteConnected).session_id == picked
    assert bob.wait_for(InviteClosed).session_id == ringing_at_bob.session_id
    assert alice.wait_for(InviteAnswered).session_id == session
    alice.send_dtmf(session, DtmfMethod.RFC2833, 9)
    assert carol.wait_for(RecvDtmfTone).session_id == picked

    gone = carol.pickup_blf_call(match.group(1))  # no longer ringing
    failure = carol.wait_for(InviteFailure)
    assert (failure.session_id, failure.code) == (gone, 481)


def test_max_call_sessions_is_respected(portsip_stub_library: str, bob: PortSIPLib, carol: PortSIPLib) -> None:
    with PortSIPLib(portsip_stub_library) as dave:
        dave.initialize(local_sip_port=0, max_call_sessions=1)
        dave.set_user("dave", sip_domain="example.com")
        dave.call(BOB)
        with pytest.raises(CallStateError) as raised:
            dave.call(CAROL)
        assert raised.value.name == "ECoreNoFreeDialogSession"
        session = carol.call("sip:dave@example.com")  # dave is full: busy
        failure = carol.wait_for(InviteFailure)
        assert (failure.session_id, failure.code) == (session, 486)


def test_closing_an_instance_ends_its_calls(portsip_lib: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    mine, _ = connect(portsip_lib, bob, BOB)
    ringing = carol.call(BOB)
    bob.wait_for(InviteIncoming)
    bob.close()
    assert portsip_lib.wait_for(InviteClosed).session_id == mine
    failure = carol.wait_for(InviteFailure)
    assert (failure.session_id, failure.code) == (ringing, 480)
    with pytest.raises(NotFoundError):
        portsip_lib.hold(mine)


def test_an_injected_incoming_call_can_be_answered(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(InviteIncoming(77, "Ext", "sip:ext@pbx", "Alice", "sip:alice@example.com", "PCMU", "", True, False, ""))
    portsip_lib.wait_for(InviteIncoming)
    portsip_lib.answer_call(77)
    assert portsip_lib.wait_for(InviteConnected).session_id == 77
    portsip_lib.hang_up(77)


# ---- the vendor's codes for misuse ----------------------------------------------------------------


def _ringing(alice: PortSIPLib, bob: PortSIPLib) -> tuple[int, int]:
    session = alice.call(BOB)
    return session, bob.wait_for(InviteIncoming).session_id


MISUSE: list[tuple[str, Callable[[PortSIPLib, PortSIPLib], Any], str]] = [
    ("answer an outgoing call", lambda a, b: a.answer_call(_ringing(a, b)[0]), "ECoreNotIncomingCall"),
    ("answer twice", lambda a, b: (b.answer_call(s := _ringing(a, b)[1]), b.answer_call(s)), "ECoreNotIncomingCall"),
    ("reject an outgoing call", lambda a, b: a.reject_call(_ringing(a, b)[0]), "ECoreNotIncomingCall"),
    ("reject an answered call", lambda a, b: b.reject_call(connect(a, b, BOB)[1]), "ECoreNotIncomingCall"),
    ("forward an answered call", lambda a, b: b.forward_call(connect(a, b, BOB)[1], CAROL), "ECoreNotIncomingCall"),
    ("hold a ringing call", lambda a, b: a.hold(_ringing(a, b)[0]), "ECoreCallNotEstablished"),
    ("hold twice", lambda a, b: (a.hold(s := connect(a, b, BOB)[0]), a.hold(s)), "ECoreCallAlreadyHold"),
    ("un-hold a call not on hold", lambda a, b: a.un_hold(connect(a, b, BOB)[0]), "ECoreCallNotHold"),
    ("update a ringing call", lambda a, b: a.update_call(_ringing(a, b)[0], True, True), "ECoreCallNotEstablished"),
    ("DTMF in a ringing call", lambda a, b: a.send_dtmf(_ringing(a, b)[0], 0, 1), "ECoreCallNotEstablished"),
    ("INFO in a ringing call", lambda a, b: b.send_info(_ringing(a, b)[1], "text", "plain", "x"), "ECoreCallNotEstablished"),
    ("call nobody", lambda a, b: a.call(""), "ECoreCalleeEmpty"),
    ("call without a user", lambda a, b: (a.remove_user(), a.call(BOB)), "ECoreUserNameAuthNameEmpty"),
    ("forward to nowhere", lambda a, b: b.forward_call(_ringing(a, b)[1], ""), "ECoreInvalidUri"),
    ("forward all to nowhere", lambda a, b: a.enable_call_forward(False, ""), "ECoreInvalidUri"),
    ("OPTIONS to nowhere", lambda a, b: a.send_options(""), "ECoreInvalidUri"),
    ("pick up no dialog", lambda a, b: a.pickup_blf_call(""), "ECoreArgumentIncorrect"),
]

UNKNOWN_SESSION: list[tuple[str, Callable[[PortSIPLib], Any]]] = [
    ("answer_call", lambda a: a.answer_call(999)),
    ("reject_call", lambda a: a.reject_call(999)),
    ("hang_up", lambda a: a.hang_up(999)),
    ("hold", lambda a: a.hold(999)),
    ("un_hold", lambda a: a.un_hold(999)),
    ("update_call", lambda a: a.update_call(999, True, False)),
    ("mute_session", lambda a: a.mute_session(999, True)),
    ("forward_call", lambda a: a.forward_call(999, CAROL)),
    ("send_dtmf", lambda a: a.send_dtmf(999, DtmfMethod.RFC2833, 1)),
    ("send_info", lambda a: a.send_info(999, "text", "plain", "x")),
]


@pytest.mark.parametrize("what, misuse, name", MISUSE, ids=[m[0] for m in MISUSE])
def test_misuse_gives_the_vendor_code(
    portsip_lib: PortSIPLib, bob: PortSIPLib, what: str, misuse: Callable[[PortSIPLib, PortSIPLib], Any], name: str
) -> None:
    assert vendor_code(lambda: misuse(portsip_lib, bob)) == name


@pytest.mark.parametrize("method, misuse", UNKNOWN_SESSION, ids=[m[0] for m in UNKNOWN_SESSION])
def test_unknown_session_ids_are_not_found(portsip_lib: PortSIPLib, method: str, misuse: Callable[[PortSIPLib], Any]) -> None:
    with pytest.raises(NotFoundError) as raised:
        misuse(portsip_lib)
    assert raised.value.name == "ECoreInviteSessionNotFound"


def test_call_state_errors_are_runtime_errors(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    with pytest.raises(RuntimeError):
        portsip_lib.answer_call(_ringing(portsip_lib, bob)[0])
    with pytest.raises(InvalidArgumentError):
        portsip_lib.call("")


def test_python_checks_what_the_manual_states(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    for bad in (
        lambda: portsip_lib.send_dtmf(1, DtmfMethod.RFC2833, 17),  # tones are 0-16
        lambda: portsip_lib.send_dtmf(1, 2, 1),  # no such DTMF_METHOD
        lambda: portsip_lib.enable_session_timer(89, SessionRefreshMode.UAC),  # at least 90 s
        lambda: portsip_lib.enable_session_timer(90, 4),
        lambda: portsip_lib.reject_call(1, 200),  # a rejection is a 3xx-6xx
    ):
        with pytest.raises(ValueError):
            bad()
    assert stub_control.calls_to("PortSIP_sendDtmf") == stub_control.calls_to("PortSIP_enableSessionTimer") == []


# ---- the call each method makes ----------------------------------------------------------------

JOURNAL: list[tuple[str, tuple[Any, ...], dict[str, Any], str, dict[str, object]]] = [
    ("call", (BOB,), {}, "PortSIP_call", {"callTo": BOB, "sendSdp": True, "videoCall": False}),
    ("call", (BOB, False, True), {}, "PortSIP_call", {"callTo": BOB, "sendSdp": False, "videoCall": True}),
    ("answer_call", (5,), {"video_call": True}, "PortSIP_answerCall", {"sessionId": 5, "videoCall": True}),
    ("reject_call", (5,), {}, "PortSIP_rejectCall", {"sessionId": 5, "code": 486}),
    ("reject_call", (5, 480), {}, "PortSIP_rejectCall", {"sessionId": 5, "code": 480}),
    ("hang_up", (5,), {}, "PortSIP_hangUp", {"sessionId": 5}),
    ("hold", (5,), {}, "PortSIP_hold", {"sessionId": 5}),
    ("un_hold", (5,), {}, "PortSIP_unHold", {"sessionId": 5}),
    ("update_call", (5, False, True), {}, "PortSIP_updateCall", {"sessionId": 5, "enableAudio": False, "enableVideo": True}),
    (
        "mute_session", (5,), {"mute_incoming_video": True}, "PortSIP_muteSession",
        {"sessionId": 5, "muteIncomingAudio": False, "muteOutgoingAudio": False, "muteIncomingVideo": True, "muteOutgoingVideo": False},
    ),
    ("forward_call", (5, CAROL), {}, "PortSIP_forwardCall", {"sessionId": 5, "forwardTo": CAROL}),
    ("pickup_blf_call", ("dlg-1",), {}, "PortSIP_pickupBLFCall", {"replaceDialogId": "dlg-1", "videoCall": False}),
    (
        "send_dtmf", (5, DtmfMethod.INFO, 10), {}, "PortSIP_sendDtmf",
        {"sessionId": 5, "dtmfMethod": 1, "code": 10, "dtmfDuration": 160, "playDtmfTone": True},
    ),
    (
        "send_info", (5, "application", "dtmf-relay", "Signal=1"), {}, "PortSIP_sendInfo",
        {"sessionId": 5, "mimeType": "application", "subMimeType": "dtmf-relay", "infoContents": "Signal=1"},
    ),
    ("send_options", (BOB,), {}, "PortSIP_sendOptions", {"to": BOB, "sdp": ""}),
    ("enable_call_forward", (True, CAROL), {}, "PortSIP_enableCallForward", {"forBusyOnly": True, "forwardTo": CAROL}),
    ("disable_call_forward", (), {}, "PortSIP_disableCallForward", {}),
    ("set_do_not_disturb", (True,), {}, "PortSIP_setDoNotDisturb", {"state": True}),
    ("enable_early_media", (True,), {}, "PortSIP_enableEarlyMedia", {"enable": True}),
    ("enable_reliable_provisional", (False,), {}, "PortSIP_enableReliableProvisional", {"enable": False}),
    (
        "enable_session_timer", (1800, SessionRefreshMode.REMOTE), {}, "PortSIP_enableSessionTimer",
        {"timerSeconds": 1800, "refreshMode": 3},
    ),
    ("disable_session_timer", (), {}, "PortSIP_disableSessionTimer", {}),
]


@pytest.mark.parametrize("method, args, kwargs, function, recorded", JOURNAL, ids=[f"{j[0]}{j[1]}" for j in JOURNAL])
def test_each_method_makes_its_call(
    portsip_lib: PortSIPLib,
    stub_control: StubControl,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    function: str,
    recorded: dict[str, object],
) -> None:
    assert journal_of(stub_control, lambda: getattr(portsip_lib, method)(*args, **kwargs)) == [StubCall(function, recorded)]
