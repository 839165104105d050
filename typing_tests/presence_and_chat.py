"""What Roster, Chat and portsip.bodies give a type checker."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from typing_extensions import assert_type

from portsip import (
    Chat,
    ChatMessage,
    ChatNotification,
    ChatReceipt,
    ComposingState,
    Contact,
    PortSIPLib,
    PresenceMode,
    Receipt,
    Roster,
    RosterSnapshot,
    Watcher,
)
from portsip.bodies import BodyError, CpimMessage, ImdnNotification, IsComposing, Pidf
from portsip.events import PresenceRecvSubscribe, SendOutOfDialogMessageSuccess
from portsip.roster import UriMap


def roster(lib: PortSIPLib) -> None:
    def policy(request: PresenceRecvSubscribe) -> bool | None:
        return request.from_uri.endswith("@example.com") or None

    for accept in (True, ["sip:bob@example.com"], policy, ("sip:a@b", "sip:c@d")):
        Roster(lib, accept=accept)
    r = Roster(lib, accept=True, mode=PresenceMode.AGENT, status="Available", backoff=(1, 60))
    assert_type(r.add("sip:bob@example.com", "Bob"), Contact)
    assert_type(r.contacts, UriMap[Contact])
    assert_type(r.contacts["bob@example.com"].online, bool)
    assert_type(r.watchers["sip:alice@example.com"], Watcher)
    assert_type(r.wait_for("sip:bob@example.com", online=True, timeout=5), Contact)
    assert_type(r.snapshot(), RosterSnapshot)
    assert_type(Roster.from_json(lib, r.to_json()), Roster)

    @r.on_change
    def changed(change: Contact | Watcher) -> None:
        if isinstance(change, Contact):
            assert_type(change.subscription, Literal["pending", "active", "terminated"])

    r.set_status(42)  # type: ignore[arg-type]
    r.add(b"sip:bob@example.com")  # type: ignore[arg-type]
    Roster(lib, accept="sip:bob@example.com")  # type: ignore[arg-type]


async def roster_async(r: Roster) -> None:
    assert_type(await r.wait_for_async("sip:bob@example.com"), Contact)


def chat(lib: PortSIPLib) -> None:
    c = Chat(lib, local_uri="sip:alice@example.com", send_delivered=lambda message: message.text != "", composing_refresh=60)
    receipt = c.send("sip:bob@example.com", "Hi", notify=("delivered", "displayed"))
    assert_type(receipt, ChatReceipt)
    assert_type(receipt.sent, Receipt[SendOutOfDialogMessageSuccess])
    assert_type(receipt.delivered(timeout=5), ChatNotification)
    assert_type(receipt.message_id, str | None)

    @c.on_message
    def show(message: ChatMessage) -> None:
        assert_type(message.sent_at, datetime | None)
        assert_type(c.mark_displayed(message), Receipt[SendOutOfDialogMessageSuccess] | None)

    @c.on_composing
    def typing(state: ComposingState) -> None:
        assert_type(state.active, bool)

    c.set_composing("sip:bob@example.com", True)
    c.send("sip:bob@example.com", b"bytes")  # type: ignore[arg-type]
    c.on_message(lambda message: message.nonexistent)  # type: ignore[attr-defined]


async def chat_async(c: Chat) -> None:
    async for message in c:
        assert_type(message, ChatMessage)
    receipt = c.send("sip:bob@example.com", "Hi")
    assert_type(await receipt.displayed_async(timeout=5), ChatNotification)


def bodies(data: bytes) -> None:
    try:
        assert_type(CpimMessage.from_bytes(data).message_id, str | None)
        assert_type(IsComposing.from_xml(data).state, Literal["active", "idle"])
        assert_type(ImdnNotification.from_xml(data).date_time, datetime)
        assert_type(Pidf.from_xml(data).open, bool)
    except BodyError as error:
        assert_type(error, BodyError)
        too_wide: ValueError = error  # a BodyError is a ValueError
        str(too_wide)
