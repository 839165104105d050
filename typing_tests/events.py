"""What wait_for, async_events, on and attach give a type checker."""

from __future__ import annotations

from typing_extensions import assert_type

from portsip import PortSIPLib, SIPCallbackEvents
from portsip.events import (
    Event,
    PresenceOffline,
    PresenceOnline,
    RecvMessage,
    RecvOutOfDialogMessage,
    RegisterFailure,
    RegisterSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)


def wait_for(lib: PortSIPLib) -> None:
    assert_type(lib.wait_for(RegisterSuccess), RegisterSuccess)
    assert_type(lib.wait_for((RegisterSuccess,)), RegisterSuccess)
    assert_type(lib.wait_for((RegisterSuccess, RegisterFailure), timeout=None), RegisterSuccess | RegisterFailure)
    outcome = lib.wait_for(
        (SendOutOfDialogMessageSuccess, SendOutOfDialogMessageFailure), predicate=lambda e: e.message_id == 7
    )
    assert_type(outcome.message_id, int)  # a field both classes have
    if isinstance(outcome, SendOutOfDialogMessageFailure):
        assert_type(outcome.code, int)
    three = lib.wait_for((PresenceOnline, PresenceOffline, RecvMessage))
    assert_type(three, PresenceOnline | PresenceOffline | RecvMessage)
    six = lib.wait_for((PresenceOnline, PresenceOffline, RecvMessage, RegisterSuccess, RegisterFailure, Event))
    assert_type(six, PresenceOnline | PresenceOffline | RecvMessage | RegisterSuccess | RegisterFailure | Event)
    assert_type(lib.wait_for(Event), Event)
    assert_type(lib.wait_for(RecvMessage).text, str)  # MessageEvent's decoded body


def wait_for_mistakes(lib: PortSIPLib) -> None:
    lib.wait_for(RegisterSuccess).message_id  # type: ignore[attr-defined]
    lib.wait_for((SendOutOfDialogMessageSuccess, SendOutOfDialogMessageFailure)).code  # type: ignore[union-attr]
    lib.wait_for(RegisterSuccess, predicate=lambda e: e.message_id == 1)  # type: ignore[attr-defined]
    lib.wait_for(str)  # type: ignore[type-var]
    lib.wait_for(RegisterSuccess, timeout="10")  # type: ignore[call-overload]


async def async_events(lib: PortSIPLib) -> None:
    async for message in lib.async_events(RecvOutOfDialogMessage):
        assert_type(message, RecvOutOfDialogMessage)
        assert_type(message.from_uri, str)
    async for either in lib.async_events(PresenceOnline, PresenceOffline):
        assert_type(either, PresenceOnline | PresenceOffline)
        assert_type(either.from_uri, str)
    async for anything in lib.async_events():
        assert_type(anything, Event)
    async with lib.async_events(RegisterSuccess, RegisterFailure) as registrations:
        async for outcome in registrations:
            assert_type(outcome, RegisterSuccess | RegisterFailure)


async def async_events_mistakes(lib: PortSIPLib) -> None:
    async for message in lib.async_events(RecvOutOfDialogMessage):
        message.status_code  # type: ignore[attr-defined]
    lib.async_events(int)  # type: ignore[type-var]


def handlers(lib: PortSIPLib) -> None:
    @lib.on(RecvOutOfDialogMessage)
    def incoming(event: RecvOutOfDialogMessage) -> None:
        print(event.text)

    lib.on(RegisterFailure, lambda event: print(event.status_code))
    lib.on(Event, print)
    lib.on(RegisterFailure, lambda event: event.message_id)  # type: ignore[attr-defined]

    class Bot(SIPCallbackEvents):
        def on_recv_out_of_dialog_message(self, event: RecvOutOfDialogMessage) -> None:
            print(event.from_uri)

    lib.attach(Bot())
    lib.detach(Bot())


def events_are_frozen(event: RegisterSuccess) -> None:
    event.status_code = 500  # type: ignore[misc]
