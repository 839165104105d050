"""Chat between two stub instances: receipts (sync and async), typing indicators, plain peers, hostile bodies.

The raw MESSAGE bodies are read back from the stub's journal and parsed independently of
portsip.bodies: the CPIM envelope with the standard library's email parser (CPIM's headers and
its MIME part are RFC 822-style header blocks), the XML with xml.etree.
"""

from __future__ import annotations

import asyncio
import email
import email.parser
import email.policy
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

import pytest
from pytest_mock import MockerFixture
from waiting import wait_until

from portsip import (
    Chat,
    ChatMessage,
    ChatNotification,
    ChatReceipt,
    ComposingState,
    HandlerError,
    InvalidStateError,
    NotificationError,
    PortSIPLib,
    SendFailedError,
)
from portsip.bodies import CpimMessage, ImdnNotification, IsComposing
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import StubControl

ALICE, BOB = "sip:alice@example.com", "sip:bob@example.com"
IMDN = "{urn:ietf:params:xml:ns:imdn}"
ISCOMPOSING = "{urn:ietf:params:xml:ns:im-iscomposing}"


@pytest.fixture
def alice(portsip_lib: PortSIPLib) -> PortSIPLib:
    return portsip_lib


def sent_bodies(lib: PortSIPLib) -> list[tuple[str, bytes]]:
    """(MIME type, body) of every out-of-dialog MESSAGE ``lib`` sent, from the stub's journal."""
    calls = StubControl(lib).calls_to("PortSIP_sendOutOfDialogMessage")
    return [(f"{c.args['mimeType']}/{c.args['subMimeType']}", c.args["message"]) for c in calls]  # type: ignore[misc]


def read_cpim(body: bytes) -> tuple[email.message.Message, email.message.Message, bytes]:
    """(CPIM headers, the encapsulated part's MIME headers, its content), parsed by the standard
    library's header parser (which would take message/imdn+xml content for a nested message)."""
    envelope = email.message_from_bytes(body, policy=email.policy.compat32)
    payload = envelope.get_payload(decode=True)
    assert isinstance(payload, bytes)
    part = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(payload)
    return envelope, part, payload.split(b"\r\n\r\n", 1)[1]


def test_done_when_receipts_resolve_and_the_bodies_are_valid(alice: PortSIPLib, bob: PortSIPLib) -> None:
    alice_chat = Chat(alice, local_uri=ALICE)
    bob_chat = Chat(bob, local_uri=BOB)
    received: list[ChatMessage] = []
    bob_chat.on_message(received.append)

    receipt = alice_chat.send(BOB, "Hi Bob 👋", notify=("delivered", "displayed"))
    assert receipt.sent.result(timeout=5).to_uri == BOB
    delivered = receipt.delivered(timeout=5)  # bob's code did nothing
    assert (delivered.status, delivered.from_uri, delivered.message_id) == ("delivered", BOB, receipt.message_id)
    bob.drain()
    [message] = received
    assert (message.from_uri, message.text, message.message_id) == (ALICE, "Hi Bob 👋", receipt.message_id)
    assert message.notify == {"delivered", "displayed"} and message.sent_at is not None
    assert not receipt.done("displayed")
    bob_chat.mark_displayed(message)
    assert receipt.displayed(timeout=5).status == "displayed"

    # The message, as the stub saw it, read by other parsers than ours.
    [(mime, body)] = sent_bodies(alice)
    assert mime == "message/cpim"
    headers, part, content = read_cpim(body)
    assert headers["From"] == f"<{ALICE}>" and headers["To"] == f"<{BOB}>"
    assert headers["NS"] == "imdn <urn:ietf:params:imdn>"
    assert headers["imdn.Message-ID"] == receipt.message_id
    assert headers["imdn.Disposition-Notification"] == "positive-delivery, display"
    assert datetime.fromisoformat(headers["DateTime"].replace("Z", "+00:00")).tzinfo is not None
    assert part.get_content_type() == "text/plain" and part.get_content_charset() == "utf-8"
    assert content.decode(part.get_content_charset()) == "Hi Bob 👋"

    # Bob's two notifications.
    notifications = sent_bodies(bob)
    assert [mime for mime, _ in notifications] == ["message/cpim", "message/cpim"]
    for (_, body), kind, status in zip(notifications, ("delivery", "display"), ("delivered", "displayed"), strict=True):
        headers, part, content = read_cpim(body)
        assert headers["imdn.Message-ID"] and headers["imdn.Message-ID"] != receipt.message_id
        assert part.get_content_type() == "message/imdn+xml" and part["Content-Disposition"] == "notification"
        root = ET.fromstring(content)
        assert root.tag == f"{IMDN}imdn"
        assert root.findtext(f"{IMDN}message-id") == receipt.message_id
        assert root.find(f"{IMDN}{kind}-notification/{IMDN}status/{IMDN}{status}") is not None
        assert root.findtext(f"{IMDN}original-recipient-uri") == BOB


def test_receipts_and_messages_in_asyncio(alice: PortSIPLib, bob: PortSIPLib) -> None:
    alice_chat = Chat(alice, local_uri=ALICE)
    bob_chat = Chat(bob, local_uri=BOB)

    async def main() -> tuple[ChatNotification, ChatNotification, list[str]]:
        texts: list[str] = []

        async def read() -> None:
            async for message in bob_chat:
                texts.append(message.text)
                bob_chat.mark_displayed(message)
                if len(texts) == 2:
                    return

        reader = asyncio.ensure_future(read())
        await asyncio.sleep(0.05)
        first = alice_chat.send(BOB, "one")
        second = alice_chat.send(BOB, "two", notify=["displayed"])
        delivered = await first.delivered_async(timeout=5)
        displayed = await second.displayed_async(timeout=5)
        await asyncio.wait_for(reader, 5)
        with pytest.raises(TimeoutError):
            await alice_chat.send(BOB, "three", notify=["displayed"]).displayed_async(timeout=0.2)  # bob no longer marks
        return delivered, displayed, texts

    delivered, displayed, texts = asyncio.run(main())
    assert (delivered.status, displayed.status, texts) == ("delivered", "displayed", ["one", "two"])


def test_messages_end_when_the_chat_closes(alice: PortSIPLib) -> None:
    chat = Chat(alice)

    async def main() -> list[ChatMessage]:
        stream = chat.messages()
        asyncio.get_running_loop().call_later(0.05, chat.close)
        return [message async for message in stream]

    assert asyncio.run(main()) == []


def test_a_notification_finds_its_message_even_before_send_returns(alice: PortSIPLib, bob: PortSIPLib, mocker: MockerFixture) -> None:
    alice_chat, bob_chat = Chat(alice, local_uri=ALICE), Chat(bob, local_uri=BOB)
    found: list[ChatReceipt | None] = []
    alice_chat.on_notification(lambda notification: found.append(alice_chat.sent_message(notification.message_id)))
    send = alice.send_out_of_dialog_message_with_receipt

    def send_then_wait_for_the_notification(*args: Any, **kwargs: Any) -> Any:
        sent = send(*args, **kwargs)
        sent.result(timeout=5)
        alice.wait_for(RecvOutOfDialogMessage)  # bob's "delivered", before chat.send has returned
        alice.drain()
        return sent

    mocker.patch.object(alice, "send_out_of_dialog_message_with_receipt", send_then_wait_for_the_notification)
    receipt = alice_chat.send(BOB, "fast", notify=("delivered",))
    assert found == [receipt] and receipt.text == "fast"
    assert alice_chat.sent_message("no such id") is None
    del bob_chat


def test_plain_text_peers_still_chat(alice: PortSIPLib, bob: PortSIPLib) -> None:
    chat = Chat(alice)
    received: list[ChatMessage] = []
    chat.on_message(received.append)
    bob.send_text(ALICE, "plain hello").result(timeout=5)  # bob's outcome: it may come before alice has the MESSAGE
    alice.wait_for(RecvOutOfDialogMessage)
    alice.drain()
    [message] = received
    assert (message.text, message.message_id, message.notify, message.content_type) == ("plain hello", None, frozenset(), "text/plain")
    receipt = chat.send(BOB, "plain answer", notify=())
    assert receipt.message_id is None and receipt.sent.result(timeout=5)
    assert sent_bodies(alice) == [("text/plain", b"plain answer")]
    with pytest.raises(InvalidStateError, match="without asking"):
        receipt.delivered()


def test_the_delivery_notification_policy(alice: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    chat = Chat(alice)
    Chat(bob, send_delivered=False)
    Chat(carol, send_delivered=lambda message: message.text != "secret")
    with pytest.raises(TimeoutError):
        chat.send(BOB, "hi").delivered(timeout=0.3)
    assert chat.send("sip:carol@example.com", "hello").delivered(timeout=5).status == "delivered"
    with pytest.raises(TimeoutError):
        chat.send("sip:carol@example.com", "secret").delivered(timeout=0.3)


def test_a_failed_send_fails_its_notifications(alice: PortSIPLib, stub_control: StubControl) -> None:
    chat = Chat(alice)
    stub_control.fail_next_send(480, "Temporarily Unavailable", delay=0.1)
    receipt = chat.send(BOB, "hi")
    started = time.monotonic()
    with pytest.raises(SendFailedError) as failure:
        receipt.delivered(timeout=10)
    assert failure.value.code == 480 and time.monotonic() - started < 5
    with pytest.raises(SendFailedError):
        chat.send("sip:nobody@example.com", "hi").displayed(timeout=10)  # 404


def test_negative_and_forged_notifications(alice: PortSIPLib, stub_control: StubControl) -> None:
    chat = Chat(alice, local_uri=ALICE)
    stub_control.script_next_send(200, "OK")  # dave is not on the stub: as if the network took it
    receipt = chat.send("sip:dave@example.net", "are you there?")
    assert receipt.message_id is not None
    now = datetime.now(timezone.utc)

    def notification(sender: str, status: str) -> RecvOutOfDialogMessage:
        imdn = ImdnNotification(receipt.message_id or "", now, "delivery", status)
        body = CpimMessage.notification(imdn, from_uri=sender, to_uri=ALICE, message_id="n1", date_time=now).to_bytes()
        return RecvOutOfDialogMessage("", sender, "", ALICE, "message", "cpim", body)

    stub_control.emit(notification("sip:mallory@example.net", "delivered"))  # not the recipient: ignored
    stub_control.emit(notification("sip:dave@example.net", "failed"))
    with pytest.raises(NotificationError, match="failed") as raised:
        receipt.delivered(timeout=5)
    assert raised.value.notification.from_uri == "sip:dave@example.net"


def test_typing_indicators_refresh_and_idle_timeout(alice: PortSIPLib, bob: PortSIPLib) -> None:
    alice_chat = Chat(alice, composing_refresh=2, composing_idle=0.6)
    bob_chat = Chat(bob)
    states: list[ComposingState] = []
    bob_chat.on_composing(states.append)

    alice_chat.set_composing(BOB, True)
    wait_until(lambda: bob_chat.is_composing(ALICE))
    alice_chat.set_composing(BOB, True)  # still typing: nothing new is sent
    assert len(sent_bodies(alice)) == 1
    started = time.monotonic()
    while time.monotonic() - started < 1.3:  # typing on, a key every 0.2 s: a refresh once half of composing_refresh passed
        time.sleep(0.2)
        alice_chat.set_composing(BOB, True)
    assert len(sent_bodies(alice)) == 2
    wait_until(lambda: not bob_chat.is_composing(ALICE))  # composing_idle after the last call: "idle"
    bodies = sent_bodies(alice)
    assert [mime for mime, _ in bodies] == ["application/im-iscomposing+xml"] * 3
    states_sent = []
    for _, body in bodies:
        root = ET.fromstring(body)
        assert root.tag == f"{ISCOMPOSING}isComposing"
        states_sent.append((root.findtext(f"{ISCOMPOSING}state"), root.findtext(f"{ISCOMPOSING}refresh")))
    assert states_sent == [("active", "2"), ("active", "2"), ("idle", None)]
    bob.drain()
    assert [s.active for s in states] == [True, False]
    assert bob_chat.composing["alice@example.com"].active is False


def test_sending_ends_typing_without_an_idle_status(alice: PortSIPLib, bob: PortSIPLib) -> None:
    alice_chat = Chat(alice)
    bob_chat = Chat(bob)
    alice_chat.set_composing(BOB)
    wait_until(lambda: bob_chat.is_composing(ALICE))
    alice_chat.send(BOB, "done typing").sent.result(timeout=5)
    wait_until(lambda: not bob_chat.is_composing(ALICE))  # the message itself ends it at the receiver
    time.sleep(0.2)
    assert [mime for mime, _ in sent_bodies(alice)] == ["application/im-iscomposing+xml", "message/cpim"]
    alice_chat.set_composing(BOB, False)  # not composing any more: nothing to send
    assert len(sent_bodies(alice)) == 2


def test_an_unrefreshed_typing_status_expires(alice: PortSIPLib, stub_control: StubControl) -> None:
    chat = Chat(alice)
    states: list[ComposingState] = []
    chat.on_composing(states.append)
    active = IsComposing("active", "text/plain", refresh=1).to_xml()
    stub_control.emit(RecvOutOfDialogMessage("", "sip:pjsip@example.org", "", ALICE, "application", "im-iscomposing+xml", active))
    wait_until(lambda: chat.is_composing("sip:pjsip@example.org"))
    started = time.monotonic()
    wait_until(lambda: not chat.is_composing("sip:pjsip@example.org"))
    assert 0.5 < time.monotonic() - started < 3
    assert [s.active for s in states] == [True, False]


def test_hostile_bodies_are_refused_and_the_handler_thread_goes_on(alice: PortSIPLib, stub_control: StubControl) -> None:
    chat = Chat(alice)
    received: list[ChatMessage] = []
    chat.on_message(received.append)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>&b;</state></isComposing>')
    hostile = [
        ("application", "im-iscomposing+xml", laughs),
        ("message", "cpim", b"From: <sip:x@y>\r\n\r\nContent-Type: message/imdn+xml\r\n\r\n" + laughs.replace(b"isComposing", b"imdn")),
        ("message", "cpim", b"not cpim at all"),
        ("message", "imdn+xml", b"<imdn" + b" " * 70_000 + b"/>"),
    ]
    for mime_type, sub_mime_type, body in hostile:
        stub_control.emit(RecvOutOfDialogMessage("", "sip:mallory@example.net", "", ALICE, mime_type, sub_mime_type, body))
    stub_control.emit(RecvOutOfDialogMessage("", "sip:bob@example.com", "", ALICE, "text", "plain", b"still here"))
    wait_until(lambda: received)
    assert [m.text for m in received] == ["still here"]
    assert chat.refused_bodies == len(hostile)
    alice.check_errors()  # nothing reached the binding's error record


def test_the_types_it_reads_are_registered_and_callbacks_errors_are_recorded(alice: PortSIPLib, bob: PortSIPLib) -> None:
    chat = Chat(alice)
    registered = [(c.args["mimeType"], c.args["subMimeType"]) for c in StubControl(alice).calls_to("PortSIP_addSupportedMimeType")]
    assert registered == [("message", "cpim"), ("application", "im-iscomposing+xml"), ("message", "imdn+xml")]

    def broken(message: ChatMessage) -> None:
        raise RuntimeError("boom")

    seen: list[ChatMessage] = []
    chat.on_message(broken)
    chat.on_message(seen.append)
    Chat(bob).send(ALICE, "hi").delivered(timeout=5)
    alice.drain()
    assert len(seen) == 1
    with pytest.raises(HandlerError, match="boom"):
        alice.check_errors()


def test_bad_arguments(alice: PortSIPLib) -> None:
    chat = Chat(alice)
    with pytest.raises(TypeError):
        chat.send(BOB, b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        chat.send(BOB, "hi", notify=["read"])
    with pytest.raises(TypeError):
        chat.send(BOB, "hi", notify="delivered")
    with pytest.raises(ValueError):
        chat.send("sip:bob\x00@example.com", "hi")
    with pytest.raises(TypeError):
        chat.set_composing(BOB, "yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Chat(alice, composing_refresh=10, composing_idle=6)
    with pytest.raises(TypeError):
        chat.send(BOB, "hi").delivered(timeout=None)  # type: ignore[arg-type]
    chat.close()
    with pytest.raises(Exception, match="closed"):
        chat.send(BOB, "hi")
