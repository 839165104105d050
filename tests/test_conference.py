"""The conference on the stub: membership, the vendor's codes for misuse, and the calls made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _calls import BOB, CAROL, absent, connect, journal_of, settle

from portsip import CallStateError, InvalidArgumentError, NotFoundError, PortSIPLib, SDKError
from portsip.events import InviteClosed, InviteIncoming, RemoteHold, RemoteUnHold
from portsip.testing import StubCall, StubConference, StubControl


def test_conference_join_and_leave(portsip_lib: PortSIPLib, stub_control: StubControl, bob: PortSIPLib, carol: PortSIPLib) -> None:
    alice = portsip_lib
    a_b, b_a = connect(alice, bob, BOB)
    alice.hold(a_b)
    bob.wait_for(RemoteHold)
    a_c, c_a = connect(alice, carol, CAROL)
    assert stub_control.conference is None

    alice.create_audio_conference()
    assert stub_control.conference == StubConference(video=False, session_ids=())
    alice.join_to_conference(a_b)
    # Manual: a call on hold is taken off hold when it joins; Bob hears it as an un-hold.
    assert bob.wait_for(RemoteUnHold).session_id == b_a
    alice.join_to_conference(a_c)
    alice.join_to_conference(a_c)  # joining twice changes nothing
    assert stub_control.conference == StubConference(video=False, session_ids=(a_b, a_c))
    settle(carol)
    assert absent(carol, RemoteUnHold)  # Carol's call was not on hold: no signalling at all

    alice.remove_from_conference(a_b)
    assert stub_control.conference == StubConference(video=False, session_ids=(a_c,))
    carol.hang_up(c_a)
    alice.wait_for(InviteClosed)
    assert stub_control.conference == StubConference(video=False, session_ids=())
    alice.join_to_conference(a_b)
    alice.destroy_conference()
    assert stub_control.conference is None
    alice.hold(a_b)  # the call goes on outside the conference
    assert bob.wait_for(RemoteHold).session_id == b_a


def test_video_conference_and_its_window(portsip_lib: PortSIPLib, stub_control: StubControl, bob: PortSIPLib) -> None:
    a_b, _ = connect(portsip_lib, bob, BOB, video=True)
    portsip_lib.create_video_conference(0x1F00, 640, 480, False)
    portsip_lib.join_to_conference(a_b)
    assert stub_control.conference == StubConference(video=True, session_ids=(a_b,))
    portsip_lib.set_conference_video_window(None)
    portsip_lib.set_conference_video_window(2**32 + 5)  # a 64-bit handle travels whole
    assert [c.args for c in stub_control.calls_to("PortSIP_setConferenceVideoWindow")] == [
        {"videoWindow": 0},
        {"videoWindow": 2**32 + 5},
    ]
    with pytest.raises(SDKError) as raised:  # one conference at a time
        portsip_lib.create_audio_conference()
    assert raised.value.name == "EAudioCreateAudioConferenceFailure"


def _ringing(alice: PortSIPLib, bob: PortSIPLib) -> int:
    session = alice.call(BOB)
    bob.wait_for(InviteIncoming)
    return session


MISUSE: list[tuple[str, Callable[[PortSIPLib, PortSIPLib], Any], type[Exception], str]] = [
    ("join without a conference", lambda a, b: a.join_to_conference(connect(a, b, BOB)[0]), InvalidArgumentError, "ECoreArgumentIncorrect"),
    (
        "join a ringing call",
        lambda a, b: (a.create_audio_conference(), a.join_to_conference(_ringing(a, b))),
        CallStateError,
        "ECoreCallNotEstablished",
    ),
    (
        "join an unknown call",
        lambda a, b: (a.create_audio_conference(), a.join_to_conference(999)),
        NotFoundError,
        "ECoreInviteSessionNotFound",
    ),
    (
        "remove a non-member",
        lambda a, b: (a.create_audio_conference(), a.remove_from_conference(connect(a, b, BOB)[0])),
        InvalidArgumentError,
        "ECoreArgumentIncorrect",
    ),
    (
        "remove without a conference",
        lambda a, b: a.remove_from_conference(connect(a, b, BOB)[0]),
        InvalidArgumentError,
        "ECoreArgumentIncorrect",
    ),
    (
        "video conference of no size",
        lambda a, b: a.create_video_conference(None, 0, 480, True),
        InvalidArgumentError,
        "ECoreArgumentIncorrect",
    ),
    (
        "two video conferences",
        lambda a, b: [a.create_video_conference(None, 320, 240, True) for _ in range(2)],
        SDKError,
        "EAudioCreateAudioConferenceFailure",
    ),
]


@pytest.mark.parametrize("what, misuse, family, name", MISUSE, ids=[m[0] for m in MISUSE])
def test_misuse_gives_the_vendor_code(
    portsip_lib: PortSIPLib, bob: PortSIPLib, what: str, misuse: Callable[[PortSIPLib, PortSIPLib], Any], family: type[Exception], name: str
) -> None:
    with pytest.raises(family) as raised:
        misuse(portsip_lib, bob)
    assert isinstance(raised.value, SDKError) and raised.value.name == name


JOURNAL: list[tuple[str, tuple[Any, ...], str, dict[str, object]]] = [
    ("create_audio_conference", (), "PortSIP_createAudioConference", {}),
    (
        "create_video_conference",
        (0x42, 1280, 720, True),
        "PortSIP_createVideoConference",
        {"conferenceVideoWindow": 0x42, "width": 1280, "height": 720, "displayLocalVideoInConference": True},
    ),
    (
        "create_video_conference",
        (None, 352, 288, False),
        "PortSIP_createVideoConference",
        {"conferenceVideoWindow": 0, "width": 352, "height": 288, "displayLocalVideoInConference": False},
    ),
    ("destroy_conference", (), "PortSIP_destroyConference", {}),
    ("set_conference_video_window", (0x43,), "PortSIP_setConferenceVideoWindow", {"videoWindow": 0x43}),
    ("join_to_conference", (5,), "PortSIP_joinToConference", {"sessionId": 5}),
    ("remove_from_conference", (5,), "PortSIP_removeFromConference", {"sessionId": 5}),
]


@pytest.mark.parametrize("method, args, function, recorded", JOURNAL, ids=[f"{j[0]}{j[1]}" for j in JOURNAL])
def test_each_method_makes_its_call(
    portsip_lib: PortSIPLib, stub_control: StubControl, method: str, args: tuple[Any, ...], function: str, recorded: dict[str, object]
) -> None:
    assert journal_of(stub_control, lambda: getattr(portsip_lib, method)(*args)) == [StubCall(function, recorded)]
