"""Roster and Chat against an independent SIP stack, PJSIP 2.15 (pjsua2-python), peer to peer, UDP and TCP
(issue 15): typing indicators (RFC 3994) both ways, messages with a peer that does not speak CPIM, presence
both ways.

What PJSIP does, as these tests find it (docs/presence-and-chat.md, "Peers without CPIM: PJSIP"):
* it reports a peer's isComposing as ``onTypingIndication(isTyping)`` alone: the refresh is not reported, and
  PJSIP keeps no expiry of its own; its own status carries no ``<refresh>``, so a Chat holds PJSIP's "active"
  for RFC 3994's 120 s unless an "idle" or a message ends it;
* it answers a MESSAGE of any type 200 and hands the body to its user as it is: our ``message/cpim`` arrives
  as the raw CPIM document and no IMDN ever comes back. ``send(to, text, notify=())`` is the mode for it.
"""

from __future__ import annotations

import queue
import threading
import time
import xml.etree.ElementTree as ElementTree

import pytest
from wire_support import TIMEOUT, PjsipPeer, eventually

import portsip.chat
from portsip import Chat, ChatMessage, ComposingState, Contact, InvalidStateError, PortSIPLib, Roster, Watcher
from portsip.events import RecvOutOfDialogMessage, SendingSignaling
from portsip.testing import peer_uri
from portsip.testing.fixtures import WireLibFactory

ISCOMPOSING_TYPE = "application/im-iscomposing+xml"


def chat_for(lib: PortSIPLib, user: str, transport: str, composing_refresh: int = 60, composing_idle: float = 15.0) -> Chat:
    """A Chat on ``lib`` whose CPIM From is its P2P address."""
    return Chat(lib, local_uri=peer_uri(lib, user, transport), composing_refresh=composing_refresh, composing_idle=composing_idle)


def iscomposing_fields(body: bytes) -> dict[str, str]:
    """An isComposing document's elements (local name -> text), read with ElementTree, not portsip.bodies."""
    root = ElementTree.fromstring(body)
    assert root.tag == "{urn:ietf:params:xml:ns:im-iscomposing}isComposing"
    return {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in root}


def next_state(states: queue.Queue[ComposingState]) -> ComposingState:
    return states.get(timeout=TIMEOUT)


def typing_reports(pjsip: PjsipPeer, count: int) -> list[bool]:
    """The next ``count`` typing indications PJSIP reported (onTypingIndication), in order."""
    return [bool(pjsip.expect("typing")["typing"]) for _ in range(count)]


# ---- 1. typing indicators, both ways ------------------------------------------------------------------


def test_our_typing_reaches_pjsip_active_then_idle(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    chat.set_composing(pjsip.uri, True)
    active = pjsip.expect("typing")
    assert active["typing"] is True and "sip:bob@127.0.0.1" in active["from"]
    chat.set_composing(pjsip.uri, True)  # still typing: nothing new to say (the refresh is 30 s away)
    chat.set_composing(pjsip.uri, False)
    assert typing_reports(pjsip, 1) == [False]


def test_our_typing_refresh_and_idle_timeout_reach_pjsip(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    bob.enable_callback_signaling(True, False)
    sent: list[str] = []
    bob.on(SendingSignaling, lambda event: sent.append(event.signaling) if ISCOMPOSING_TYPE in event.signaling else None)
    chat = chat_for(bob, "bob", transport, composing_refresh=4, composing_idle=1.5)
    typing_since = time.monotonic()
    while time.monotonic() - typing_since < 2.6:  # keeps typing past half the refresh (2 s): one refresh
        chat.set_composing(pjsip.uri, True)
        time.sleep(0.2)
    # ... then stops without saying so: "idle" goes by itself composing_idle after the last keystroke
    assert typing_reports(pjsip, 3) == [True, True, False]

    def bodies() -> list[dict[str, str]]:
        requests = [text for text in dict.fromkeys(sent) if text.startswith("MESSAGE ")]  # a UDP retransmission is one
        assert len(requests) == 3
        return [iscomposing_fields(text.split("\r\n\r\n", 1)[1].encode()) for text in requests]

    active, refreshed, idle = eventually(bodies)
    assert active["state"] == refreshed["state"] == "active" and active["refresh"] == refreshed["refresh"] == "4"
    assert idle["state"] == "idle" and "refresh" not in idle and idle["lastactive"]


def test_pjsips_typing_reaches_our_chat_active_then_idle(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    states: queue.Queue[ComposingState] = queue.Queue()
    chat.on_composing(states.put)
    pjsip.send("typing", to=peer_uri(bob, "bob", transport), typing=True)
    active = next_state(states)
    assert (active.uri, active.active) == ("sip:carol@127.0.0.1", True)
    assert chat.is_composing(pjsip.uri) and chat.composing[pjsip.uri].active  # PJSIP's From has no port: one peer
    pjsip.send("typing", to=peer_uri(bob, "bob", transport), typing=False)
    idle = next_state(states)
    assert (idle.uri, idle.active) == ("sip:carol@127.0.0.1", False)
    assert not chat.is_composing(pjsip.uri)


def test_pjsips_typing_has_no_refresh_and_expires_by_itself(
    pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portsip.chat, "DEFAULT_COMPOSING_EXPIRY", 1)  # RFC 3994's 120 s, shortened to be seen
    bob = wire_lib_factory("bob", transport=transport)
    received: list[RecvOutOfDialogMessage] = []
    bob.on(RecvOutOfDialogMessage, received.append)
    chat = chat_for(bob, "bob", transport)
    states: queue.Queue[ComposingState] = queue.Queue()
    chat.on_composing(states.put)
    pjsip.send("typing", to=peer_uri(bob, "bob", transport), typing=True)
    active = next_state(states)
    assert active.active and chat.is_composing(pjsip.uri)
    expired = next_state(states)  # PJSIP never says idle here: the chat's timer does
    assert not expired.active and not chat.is_composing(pjsip.uri)
    assert (expired.since - active.since).total_seconds() >= 0.9
    (body,) = [event.data for event in received if f"{event.mime_type}/{event.sub_mime_type}" == ISCOMPOSING_TYPE]
    assert iscomposing_fields(body) == {"state": "active"}  # no <refresh>: the receiver's default applies


def test_a_pjsip_message_ends_its_typing(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    seen: queue.Queue[ComposingState | ChatMessage] = queue.Queue()
    chat.on_composing(seen.put)
    chat.on_message(seen.put)
    pjsip.send("typing", to=peer_uri(bob, "bob", transport), typing=True)
    pjsip.send("message", to=peer_uri(bob, "bob", transport), body="done typing")
    typing, ended, message = (seen.get(timeout=TIMEOUT) for _ in range(3))
    assert isinstance(typing, ComposingState) and typing.active
    assert isinstance(ended, ComposingState) and not ended.active  # RFC 3994 section 3.3: the message ends it
    assert isinstance(message, ChatMessage) and message.text == "done typing"
    assert not chat.is_composing(pjsip.uri)


def test_our_message_ends_our_typing_at_pjsip_without_an_idle(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport, composing_idle=1.0)
    chat.set_composing(pjsip.uri, True)
    assert typing_reports(pjsip, 1) == [True]
    chat.set_composing(pjsip.uri, True)  # the last keystroke, then the send: its idle timer restarts here
    chat.send(pjsip.uri, "here it is", notify=()).sent.result(timeout=TIMEOUT)
    assert pjsip.expect("message")["body"] == "here it is"
    # RFC 3994 section 3.2: the message itself ends "active"; PJSIP reports nothing more (a pjsua2 app
    # clears its typing mark in onInstantMessage), and the idle timer was stopped with the send
    with pytest.raises(TimeoutError):
        pjsip.expect("typing", timeout=2.5)


# ---- 2. messages with a peer that does not speak CPIM -------------------------------------------------


def test_pjsips_text_plain_becomes_a_chat_message(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    messages: queue.Queue[ChatMessage] = queue.Queue()
    chat.on_message(messages.put)
    text = "Grüße aus PJSIP ✓ 你好"
    pjsip.send("message", to=peer_uri(bob, "bob", transport), body=text)
    message = messages.get(timeout=TIMEOUT)
    assert (message.from_uri, message.text, message.content_type, message.data) == (
        "sip:carol@127.0.0.1",
        text,
        "text/plain",
        text.encode(),
    )
    assert message.message_id is None and message.notify == frozenset() and message.sent_at is None
    assert chat.mark_displayed(message) is None  # nothing was asked for: nothing is sent
    assert pjsip.expect("message_status")["code"] == 200
    assert chat.refused_bodies == 0


def test_pjsip_reads_our_plain_text(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    text = "Grüße an PJSIP ✓ 你好"
    receipt = chat.send(pjsip.uri, text, notify=())
    assert receipt.sent.result(timeout=TIMEOUT).to_uri == pjsip.uri
    received = pjsip.expect("message")
    assert (received["content_type"], received["body"]) == ("text/plain", text)
    assert receipt.message_id is None
    with pytest.raises(InvalidStateError):
        receipt.delivered(timeout=0.1)  # not asked for: text/plain cannot carry the request


def test_cpim_reaches_pjsip_raw_and_no_receipt_comes(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    """What a user sees sending CPIM (Chat's default) to PJSIP: the SIP send succeeds, PJSIP's user gets the
    CPIM document as text, and delivered()/displayed() time out. notify=() is the mode for such a peer."""
    bob = wire_lib_factory("bob", transport=transport)
    chat = chat_for(bob, "bob", transport)
    receipt = chat.send(pjsip.uri, "Lunch?")
    assert receipt.sent.result(timeout=TIMEOUT).to_uri == pjsip.uri  # PJSIP answers 200 to any type
    received = pjsip.expect("message")
    assert received["content_type"] == "message/cpim"
    outer, inner, text = received["body"].split("\r\n\r\n", 2)  # RFC 3862: headers, content headers, content
    headers = dict(line.split(": ", 1) for line in outer.split("\r\n"))
    assert headers["imdn.Message-ID"] == receipt.message_id
    assert headers["imdn.Disposition-Notification"] == "positive-delivery, display"
    assert inner.lower().startswith("content-type: text/plain") and text == "Lunch?"
    with pytest.raises(TimeoutError):
        receipt.delivered(timeout=1.0)
    with pytest.raises(TimeoutError):
        receipt.displayed(timeout=0.1)


# ---- 3. presence: our Roster and PJSIP's buddies -------------------------------------------------------


def set_pjsip_status(pjsip: PjsipPeer, online: bool, note: str) -> None:
    pjsip.send("status", online=online, note=note)
    pjsip.expect("done", command="status")  # PJSIP has it: a SUBSCRIBE from now on gets this status


def test_our_roster_follows_a_pjsip_buddy(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    set_pjsip_status(pjsip, True, "Out for lunch")
    roster = Roster(alice)
    roster.add(pjsip.uri, "Carol")  # pending, or already active: PJSIP may answer before add() returns
    pjsip.expect("subscribed")
    carol = roster.wait_for(pjsip.uri, online=True, timeout=TIMEOUT)
    assert (carol.subscription, carol.online, carol.status_text, carol.display_name) == ("active", True, "Out for lunch", "Carol")
    set_pjsip_status(pjsip, True, "Back at my desk")  # a NOTIFY on the same subscription
    carol = roster.wait_for(pjsip.uri, online=True, timeout=TIMEOUT, predicate=lambda contact: contact.status_text == "Back at my desk")
    assert roster.contacts["sip:carol@127.0.0.1"] == carol  # PJSIP's NOTIFY names it without the port: one contact


def test_our_roster_resubscribes_while_a_pjsip_buddy_is_offline(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    set_pjsip_status(pjsip, True, "Here")
    roster = Roster(alice, backoff=(0.5, 1.0))
    roster.add(pjsip.uri)
    pjsip.expect("subscribed")
    roster.wait_for(pjsip.uri, online=True, timeout=TIMEOUT)
    pjsip.send("status", online=False, note="")
    gone = roster.wait_for(pjsip.uri, online=False, timeout=TIMEOUT)
    assert (gone.subscription, gone.status_text) == ("terminated", "")
    pjsip.expect("subscribed")  # the roster SUBSCRIBEs again after its backoff (0.5 s +- 20 %)
    set_pjsip_status(pjsip, True, "Back")
    back = roster.wait_for(pjsip.uri, online=True, timeout=TIMEOUT, predicate=lambda contact: contact.status_text == "Back")
    assert back.subscription == "active"


def test_pjsip_watches_our_roster_and_reads_our_status(pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    roster = Roster(bob, accept=True)
    roster.set_status("In a meeting")  # before anyone watches: sent on acceptance
    pjsip.send("subscribe", to=peer_uri(bob, "bob", transport))
    seen = pjsip.expect("buddy", online=True)
    assert (seen["note"], seen["text"], seen["state"]) == ("In a meeting", "In a meeting", "ACTIVE")  # BuddyInfo.presStatus

    def accepted() -> Watcher:
        assert pjsip.uri in roster.watchers
        return roster.watchers[pjsip.uri]

    watcher = eventually(accepted)
    assert (watcher.uri, watcher.state) == ("sip:carol@127.0.0.1", "active")
    roster.set_status("Back at three")  # a NOTIFY to every accepted watcher
    assert pjsip.expect("buddy", online=True, note="Back at three")["text"] == "Back at three"
    roster.set_status("Offline")
    assert pjsip.expect("buddy", online=False)["text"] == "Offline"


def test_a_pjsip_watcher_refused_by_an_allow_list_never_sees_us_online(
    pjsip: PjsipPeer, wire_lib_factory: WireLibFactory, transport: str
) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    roster = Roster(bob, accept=["sip:dave@127.0.0.1"], status="In a meeting")
    changes: list[Contact | Watcher] = []
    decided = threading.Event()

    def changed(change: Contact | Watcher) -> None:
        changes.append(change)
        decided.set()

    roster.on_change(changed)
    pjsip.send("subscribe", to=peer_uri(bob, "bob", transport))
    seen = [pjsip.expect("buddy")]
    while seen[-1]["state"] != "TERMINATED":
        seen.append(pjsip.expect("buddy"))
    assert not any(state["online"] for state in seen)
    assert decided.wait(TIMEOUT)
    assert [(change.uri, change.state) for change in changes if isinstance(change, Watcher)] == [("sip:carol@127.0.0.1", "refused")]
    assert pjsip.uri not in roster.watchers
