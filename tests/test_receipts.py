"""Receipts: the outcome of a send, in sync and asyncio code, without racing the send's return.

Each test drives the public API as a licensee would (alice sends to bob on the stub); the book's
sizes (``lib._receipts.sizes()``) are read to prove that nothing is left behind.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from _calls import connect
from support import LoopTicks

from portsip import ClosedError, InvalidStateError, NotFoundError, PortSIPError, PortSIPLib, Receipt, SendFailedError
from portsip._receipts import contact
from portsip.events import (
    PresenceOffline,
    PresenceOnline,
    PresenceRecvSubscribe,
    RecvMessage,
    RecvOutOfDialogMessage,
    SendMessageFailure,
    SendMessageSuccess,
    SendOutOfDialogMessageFailure,
    SendOutOfDialogMessageSuccess,
)
from portsip.testing import StubControl

BOB, NOBODY = "sip:bob@example.com", "sip:nobody@example.com"
EMPTY = {"pending": 0, "keys": 0, "early": 0, "in_flight": 0, "deadlines": 0}


@pytest.fixture
def bob(portsip_lib_factory: Callable[..., PortSIPLib]) -> PortSIPLib:
    return portsip_lib_factory("bob")


def book_sizes(lib: PortSIPLib) -> dict[str, int]:
    """What the instance's receipt book holds, without the timer thread (it lingers a while)."""
    sizes = lib._receipts.sizes()
    del sizes["timer"]
    return sizes


def settle(*libs: PortSIPLib) -> None:
    """Every event the stub queued so far has been fired and routed."""
    for lib in libs:
        StubControl(lib).wait_idle(10)
        lib.drain()


def allocated_blocks() -> int:
    """The interpreter's allocated memory blocks, after a full collection (it also empties free lists)."""
    gc.collect()
    return sys.getallocatedblocks()


def outcome(receipt: Receipt[SendOutOfDialogMessageSuccess]) -> tuple[int, int]:
    """(message id, SIP code) of a receipt's outcome: 200 for its success event, else the failure's."""
    try:
        return receipt.result(timeout=30).message_id, 200
    except SendFailedError as failed:
        return cast(SendOutOfDialogMessageFailure, failed.event).message_id, failed.code


def live_receipts() -> int:
    gc.collect()
    return sum(isinstance(obj, Receipt) for obj in gc.get_objects())


# ---- sync: success, failure, timeouts ---------------------------------------------------------


def test_send_text_returns_a_receipt_that_resolves_with_the_success_event(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    text = "Grüße 🙂\r\nline 2"
    receipt = portsip_lib.send_text(BOB, text)
    success = receipt.result()
    assert isinstance(success, SendOutOfDialogMessageSuccess)
    assert (success.message_id, success.to_uri) == (receipt.id, BOB)
    assert receipt.done() and receipt.result() is success  # result() may be asked again
    with pytest.raises(TypeError):
        receipt.result(timeout="soon")  # type: ignore[arg-type]
    received = bob.wait_for(RecvOutOfDialogMessage)
    assert (received.mime_type, received.sub_mime_type, received.data, received.text) == ("text", "plain", text.encode(), text)
    [call] = StubControl(portsip_lib).calls_to("PortSIP_sendOutOfDialogMessage")
    assert call.args["isSMS"] is False and call.args["message"] == text.encode()
    # The event still reaches wait_for: a receipt takes nothing away from the other consumers.
    assert portsip_lib.wait_for(SendOutOfDialogMessageSuccess).message_id == receipt.id
    assert book_sizes(portsip_lib) == EMPTY


def test_a_failure_raises_send_failed_error_with_the_sip_code_and_reason(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    stub_control.fail_next_send(486, "Busy Here", delay=0.1)
    receipt = portsip_lib.send_out_of_dialog_message_with_receipt(BOB, "text", "plain", b"x", is_sms=True)
    assert not receipt.done()
    with pytest.raises(SendFailedError) as raised:
        receipt.result()
    failure = raised.value
    assert isinstance(failure, PortSIPError)
    assert (failure.code, failure.reason, failure.function) == (486, "Busy Here", "PortSIP_sendOutOfDialogMessage")
    assert isinstance(failure.event, SendOutOfDialogMessageFailure) and failure.event.message_id == receipt.id
    assert str(failure) == f"message {receipt.id} failed: 486 Busy Here"
    with pytest.raises(SendFailedError):  # and again, with the same code
        receipt.result()
    assert receipt.done() and "failed: SendFailedError" in repr(receipt)
    assert StubControl(portsip_lib).calls_to("PortSIP_sendOutOfDialogMessage")[0].args["isSMS"] is True


def test_an_unknown_user_is_a_404_not_a_timeout(portsip_lib: PortSIPLib) -> None:
    with pytest.raises(SendFailedError) as raised:
        portsip_lib.send_text(NOBODY, "hello?").result(timeout=5)
    assert (raised.value.code, raised.value.reason) == (404, "Not Found")


def test_a_receipt_times_out_when_no_outcome_comes_and_ignores_a_late_one(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    stub_control.script_next_send(200, "OK", delay=1.0)  # the success comes after the receipt's timeout
    started = time.monotonic()
    receipt = portsip_lib.send_text(BOB, "slow", timeout=0.2)
    with pytest.raises(TimeoutError, match=r"within its timeout of 0\.2 s"):
        receipt.result()
    assert 0.15 <= time.monotonic() - started < 0.9
    assert receipt.done() and book_sizes(portsip_lib) == EMPTY
    late = portsip_lib.wait_for(SendOutOfDialogMessageSuccess)  # arrives, resolves nothing
    assert late.message_id == receipt.id
    with pytest.raises(TimeoutError):
        receipt.result()
    assert book_sizes(portsip_lib) == EMPTY


def test_a_short_wait_leaves_the_receipt_pending(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.script_next_send(200, "OK", delay=0.3)
    receipt = portsip_lib.send_text(BOB, "later")
    with pytest.raises(TimeoutError, match="still pending"):
        receipt.result(timeout=0.05)
    assert not receipt.done() and "pending" in repr(receipt)
    assert receipt.result(timeout=5).message_id == receipt.id


def test_bad_arguments_raise_before_any_c_call_and_leave_nothing_in_flight(
    portsip_lib: PortSIPLib, stub_control: StubControl
) -> None:
    attempts: list[tuple[Callable[[], object], type[Exception]]] = [
        (lambda: portsip_lib.send_text(BOB, b"bytes"), TypeError),  # type: ignore[arg-type]
        (lambda: portsip_lib.send_text(BOB, "\udc80\ud800"), ValueError),  # a lone surrogate is not UTF-8
        (lambda: portsip_lib.send_text(BOB, "a\x00b"), ValueError),  # text/plain cannot carry NUL
        (lambda: portsip_lib.send_text(BOB, "x", timeout=-1), ValueError),
        (lambda: portsip_lib.send_text(BOB, "x", timeout=float("inf")), ValueError),  # every receipt must end
        (lambda: portsip_lib.send_text(BOB, "x", timeout="1"), TypeError),  # type: ignore[arg-type]
        (lambda: portsip_lib.send_text(BOB, "x", is_sms=1), TypeError),  # type: ignore[arg-type]
        (lambda: portsip_lib.send_message_with_receipt("1", "text", "plain", b""), TypeError),  # type: ignore[arg-type]
        (lambda: portsip_lib.presence_subscribe_with_receipt(BOB, subject=None), TypeError),  # type: ignore[arg-type]
    ]
    for attempt, error in attempts:
        with pytest.raises(error):
            attempt()
    assert stub_control.calls_to("PortSIP_sendOutOfDialogMessage") == []
    assert stub_control.calls_to("PortSIP_sendMessage") == stub_control.calls_to("PortSIP_presenceSubscribe") == []
    with pytest.raises(NotFoundError):  # the SDK refuses: no receipt, nothing in flight
        portsip_lib.send_message_with_receipt(4242, "text", "plain", b"x")
    assert book_sizes(portsip_lib) == EMPTY


# ---- the race: outcome events before the send returns --------------------------------------------


def returning_late(
    lib: PortSIPLib, monkeypatch: pytest.MonkeyPatch, function: str, meanwhile: Callable[[], object] = lambda: None
) -> list[object]:
    """Make the C call ``function`` return to the binding only after ``meanwhile()`` and after the
    stub fired the outcome and the router handed it on: the race of the issue, every time. Returns
    what handlers of the outcome events had seen by then."""
    original = lib._call
    seen: list[object] = []
    everything: list[object] = []
    for outcome_type in (SendOutOfDialogMessageSuccess, SendOutOfDialogMessageFailure, SendMessageSuccess, PresenceOffline):
        lib.on(outcome_type, everything.append)
    inside = False

    def late(called: Any, *args: Any, **kwargs: Any) -> int:
        nonlocal inside
        sent_id = original(called, *args, **kwargs)
        if called == getattr(lib._c, function) and not inside:  # not for the sends meanwhile() makes
            inside = True
            meanwhile()
            settle(lib)
            seen.extend(everything)
            inside = False
        return sent_id

    monkeypatch.setattr(lib, "_call", late)
    return seen


def test_a_success_that_arrives_before_the_send_returns_resolves_the_receipt(
    portsip_lib: PortSIPLib, bob: PortSIPLib, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_before_return = returning_late(portsip_lib, monkeypatch, "PortSIP_sendOutOfDialogMessage")
    receipt = portsip_lib.send_text(BOB, "fast")
    # A handler saw the outcome before the send had returned the id to the caller ...
    assert [type(e) for e in seen_before_return] == [SendOutOfDialogMessageSuccess]
    # ... and the receipt got it all the same, at once.
    assert receipt.done() and receipt.result(timeout=0).message_id == receipt.id
    assert portsip_lib._receipts.early_claims == 1 and book_sizes(portsip_lib) == EMPTY


def test_a_failure_that_arrives_before_the_send_returns_raises(portsip_lib: PortSIPLib, monkeypatch: pytest.MonkeyPatch) -> None:
    returning_late(portsip_lib, monkeypatch, "PortSIP_sendOutOfDialogMessage")
    receipt = portsip_lib.send_text(NOBODY, "fast")
    with pytest.raises(SendFailedError) as raised:
        receipt.result(timeout=0)
    assert raised.value.code == 404 and book_sizes(portsip_lib) == EMPTY


def test_outcomes_of_sends_without_a_receipt_are_not_kept(
    portsip_lib: PortSIPLib, bob: PortSIPLib, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a receipt-send is in flight the router keeps unmatched outcomes; they are forgotten
    as soon as no send that could own them is in flight."""
    early_while_in_flight: list[int] = []

    def plain_sends() -> None:
        for _ in range(5):
            portsip_lib.send_out_of_dialog_message(NOBODY, "text", "plain", b"plain send, no receipt")
        settle(portsip_lib)
        early_while_in_flight.append(book_sizes(portsip_lib)["early"])

    returning_late(portsip_lib, monkeypatch, "PortSIP_sendOutOfDialogMessage", plain_sends)
    receipt = portsip_lib.send_text(BOB, "mine")
    assert receipt.result(timeout=0).message_id == receipt.id
    assert early_while_in_flight == [6]  # its own outcome and the five others
    assert book_sizes(portsip_lib) == EMPTY


def test_many_concurrent_sends_race_their_outcomes_and_none_is_lost(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    """Four threads send with receipts while a fifth sends without: on the stub the outcome often
    arrives before the send returns (the worker fires it at once). Every receipt gets its own."""
    failures: list[BaseException] = []

    def sender(target: str) -> None:
        try:
            for _ in range(5):
                receipts = [portsip_lib.send_text(target, "race") for _ in range(200)]
                for receipt in receipts:
                    assert outcome(receipt) == (receipt.id, 200 if target == BOB else 404)
        except BaseException as exc:
            failures.append(exc)

    def plain_sender() -> None:
        for _ in range(1000):
            portsip_lib.send_out_of_dialog_message(NOBODY, "text", "plain", b"no receipt")

    rounds = 0
    while rounds < 10:
        rounds += 1
        threads = [threading.Thread(target=sender, args=(target,)) for target in (BOB, NOBODY, BOB, NOBODY)]
        threads.append(threading.Thread(target=plain_sender))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures[0]
        if portsip_lib._receipts.early_claims:
            break
    assert portsip_lib._receipts.early_claims > 0, "the race never happened: this test proved nothing"
    settle(portsip_lib)
    assert book_sizes(portsip_lib) == EMPTY and portsip_lib.stats["dropped_events"] == 0


# ---- receipts nobody waits for ------------------------------------------------------------------


def test_receipts_never_awaited_leave_the_book_when_their_outcome_comes(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    before = live_receipts()
    for n in range(1000):
        portsip_lib.send_text(BOB if n % 2 else NOBODY, "fire and forget")
    settle(portsip_lib)
    assert book_sizes(portsip_lib) == EMPTY
    assert live_receipts() == before


def test_a_receipt_never_awaited_and_never_answered_expires(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    before = live_receipts()
    stub_control.script_next_send(200, "OK", delay=5.0)
    portsip_lib.send_text(BOB, "no one waits", timeout=0.1)
    assert book_sizes(portsip_lib)["pending"] == 1
    deadline = time.monotonic() + 5
    while book_sizes(portsip_lib) != EMPTY and time.monotonic() < deadline:
        time.sleep(0.02)
    assert book_sizes(portsip_lib) == EMPTY  # the timer thread expired it: nobody had to wait
    assert live_receipts() == before


def test_close_ends_pending_receipts_with_closed_error(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.script_next_send(200, "OK", delay=5.0)
    receipt = portsip_lib.send_text(BOB, "too late")
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            receipt.result()
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    portsip_lib.close()
    waiter.join(5)
    assert len(outcome) == 1 and isinstance(outcome[0], ClosedError)
    assert book_sizes(portsip_lib) == EMPTY
    with pytest.raises(ClosedError):
        portsip_lib.send_text(BOB, "after close")


def test_waiting_in_a_handler_is_refused(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    outcome: list[object] = []
    replied = threading.Event()
    StubControl(bob).script_next_send(200, "OK", delay=0.2)  # bob's reply is still pending in the handler

    def reply(event: RecvOutOfDialogMessage) -> None:
        receipt = bob.send_text(event.from_uri, "pong")
        try:
            receipt.result()
        except InvalidStateError as refused:
            outcome.append(refused)
        outcome.append(receipt)
        replied.set()

    bob.on(RecvOutOfDialogMessage, reply)
    portsip_lib.send_text(BOB, "ping").result()
    assert replied.wait(5)  # alice's success may come before bob's handler ran
    refused, receipt = outcome
    assert "Receipt.result() called from an event handler" in str(refused)
    assert isinstance(receipt, Receipt) and receipt.result(timeout=5).to_uri == "sip:alice@example.com"


# ---- asyncio ------------------------------------------------------------------------------------


def test_await_a_receipt(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    async def main() -> None:
        success = await portsip_lib.send_text(BOB, "async hello")
        assert isinstance(success, SendOutOfDialogMessageSuccess)
        with pytest.raises(SendFailedError) as raised:
            await portsip_lib.send_text(NOBODY, "async hello")
        assert raised.value.code == 404

    asyncio.run(main())


def test_awaiting_does_not_block_the_event_loop(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    async def main() -> int:
        async with LoopTicks() as ticks:
            stub_control.script_next_send(200, "OK", delay=0.3)
            await portsip_lib.send_text(BOB, "slow")
        return ticks.count

    assert asyncio.run(main()) >= 10


def test_gather_many_receipts(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    async def main() -> list[object]:
        receipts = [portsip_lib.send_text(BOB if n % 3 else NOBODY, f"#{n}") for n in range(600)]
        outcomes = await asyncio.gather(*receipts, return_exceptions=True)
        for n, (receipt, outcome) in enumerate(zip(receipts, outcomes, strict=True)):
            if n % 3:
                assert isinstance(outcome, SendOutOfDialogMessageSuccess) and outcome.message_id == receipt.id
            else:
                assert isinstance(outcome, SendFailedError) and outcome.code == 404
        return list(outcomes)

    assert len(asyncio.run(main())) == 600
    assert book_sizes(portsip_lib) == EMPTY


def test_asyncio_timeouts_and_cancellation_leave_the_receipt_pending(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    async def main() -> None:
        stub_control.script_next_send(200, "OK", delay=0.3)
        receipt = portsip_lib.send_text(BOB, "later")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(receipt, 0.05)  # cancels this await, not the receipt
        assert not receipt.done() and not receipt._loops
        assert (await receipt).message_id == receipt.id
        stub_control.script_next_send(200, "OK", delay=5.0)
        with pytest.raises(TimeoutError, match="within its timeout"):
            await portsip_lib.send_text(BOB, "never in time", timeout=0.1)  # the receipt's own timeout

    asyncio.run(main())


def test_a_receipt_can_be_awaited_from_any_loop_and_thread(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.script_next_send(200, "OK", delay=0.2)
    receipt = portsip_lib.send_text(BOB, "shared")  # made in this thread, outside any loop
    results: list[object] = []

    def in_own_loop() -> None:
        results.append(asyncio.run(_await(receipt)))

    threads = [threading.Thread(target=in_own_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    results.append(receipt.result())  # a blocked thread as well
    for thread in threads:
        thread.join(5)
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert asyncio.run(_await(receipt)) is results[0]  # done already: no waiting


async def _await(receipt: Receipt[SendOutOfDialogMessageSuccess]) -> SendOutOfDialogMessageSuccess:
    return await receipt


def test_a_loop_closed_while_awaiting_does_not_disturb_resolution(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    stub_control.script_next_send(200, "OK", delay=0.3)
    receipt = portsip_lib.send_text(BOB, "x")
    loop = asyncio.new_event_loop()
    task = loop.create_task(_await(receipt))
    loop.run_until_complete(asyncio.sleep(0.05))
    loop.close()  # the task still awaits the receipt: its loop can no longer be woken
    assert not task.done() and receipt._loops
    assert receipt.result(timeout=5).message_id == receipt.id
    portsip_lib.check_errors()


# ---- in-dialog messages -------------------------------------------------------------------------


def test_in_dialog_message_receipt_over_a_call(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    session, bobs_session = connect(portsip_lib, bob, BOB)
    receipt = portsip_lib.send_message_with_receipt(session, "text", "plain", b"in the call")
    success = receipt.result()
    assert isinstance(success, SendMessageSuccess) and (success.session_id, success.message_id) == (session, receipt.id)
    received = bob.wait_for(RecvMessage)
    assert (received.session_id, received.data) == (bobs_session, b"in the call")


def test_in_dialog_failure_and_sessions_kept_apart(portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    mine, _ = stub_control.open_session_with(bob)
    other = stub_control.open_session()
    stub_control.fail_next_send(408, "Request Timeout", delay=0.05)
    failing = portsip_lib.send_message_with_receipt(mine, "text", "plain", b"x")
    fine = portsip_lib.send_message_with_receipt(other, "text", "plain", b"y")
    with pytest.raises(SendFailedError) as raised:
        failing.result()
    assert (raised.value.code, raised.value.reason) == (408, "Request Timeout")
    event = raised.value.event
    assert isinstance(event, SendMessageFailure) and (event.session_id, event.message_id) == (mine, failing.id)
    assert raised.value.function == "PortSIP_sendMessage"
    assert fine.result().session_id == other


def test_in_dialog_outcome_before_the_send_returns(
    portsip_lib: PortSIPLib, stub_control: StubControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = stub_control.open_session()
    seen = returning_late(portsip_lib, monkeypatch, "PortSIP_sendMessage")
    receipt = portsip_lib.send_message_with_receipt(session, "text", "plain", b"x")
    assert [type(e) for e in seen] == [SendMessageSuccess]
    assert receipt.result(timeout=0).session_id == session


# ---- presence -----------------------------------------------------------------------------------


def test_presence_receipt_resolves_with_the_contacts_first_state(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    @bob.on(PresenceRecvSubscribe)
    def accept(event: PresenceRecvSubscribe) -> None:
        bob.presence_accept_subscribe(event.subscribe_id)
        bob.set_presence_status(event.subscribe_id, "Available")

    receipt = portsip_lib.presence_subscribe_with_receipt('"Bob" <sip:bob@EXAMPLE.com;transport=udp>', subject="hi")
    status = receipt.result()
    assert isinstance(status, PresenceOnline) and (status.from_uri, status.state_text) == (BOB, "Available")
    assert book_sizes(portsip_lib) == EMPTY


def test_presence_receipt_id_is_the_subscribe_id(portsip_lib: PortSIPLib) -> None:
    receipt = portsip_lib.presence_subscribe_with_receipt(NOBODY)
    assert isinstance(receipt.result(), PresenceOffline)  # the stub: an unreachable contact is offline
    portsip_lib.presence_terminate_subscribe(receipt.id)  # a valid subscribe id
    with pytest.raises(NotFoundError):
        portsip_lib.presence_terminate_subscribe(receipt.id)


def test_presence_receipt_ignores_other_contacts_and_older_states(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    # bob's state reported before the subscription began is not its outcome
    stub_control.emit(PresenceOnline("Bob", BOB, "Earlier"))
    settle(portsip_lib)
    receipt = portsip_lib.presence_subscribe_with_receipt("bob@example.com", timeout=0.3)  # bob never accepts
    stub_control.emit(PresenceOnline("Carol", "sip:carol@example.com", "Available"))
    stub_control.emit(PresenceOnline("Bob", "sip:bob@elsewhere.org", "Available"))
    with pytest.raises(TimeoutError):
        receipt.result()
    # a later state of bob does resolve a new one, whatever the URI's form
    receipt = portsip_lib.presence_subscribe_with_receipt("bob")
    stub_control.emit(PresenceOffline("Bob", "<sip:bob@example.com:5060>"))
    assert isinstance(receipt.result(), PresenceOffline)
    assert book_sizes(portsip_lib) == EMPTY


def test_a_state_from_before_the_subscribe_is_not_its_outcome_even_when_kept(
    portsip_lib: PortSIPLib, bob: PortSIPLib, stub_control: StubControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state that arrives while another send is in flight is kept for that send; a subscribe that
    begins after it arrived must not take it."""
    subscribed: list[Receipt[PresenceOnline | PresenceOffline]] = []

    def meanwhile() -> None:
        stub_control.emit(PresenceOnline("Bob", BOB, "Earlier"))
        settle(portsip_lib)  # routed while the message below is in flight: kept as an early outcome
        subscribed.append(portsip_lib.presence_subscribe_with_receipt(BOB, timeout=0.3))  # bob never accepts

    returning_late(portsip_lib, monkeypatch, "PortSIP_sendOutOfDialogMessage", meanwhile)
    portsip_lib.send_text(BOB, "in flight meanwhile").result(timeout=5)
    with pytest.raises(TimeoutError):
        subscribed[0].result()
    assert book_sizes(portsip_lib) == EMPTY


def test_presence_state_before_the_subscribe_returns(portsip_lib: PortSIPLib, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = returning_late(portsip_lib, monkeypatch, "PortSIP_presenceSubscribe")
    receipt = portsip_lib.presence_subscribe_with_receipt(NOBODY)  # the stub reports it offline at once
    assert [type(e) for e in seen] == [PresenceOffline]
    assert isinstance(receipt.result(timeout=0), PresenceOffline)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sip:bob@example.com", ("bob", "example.com")),
        ("bob@Example.COM", ("bob", "example.com")),
        ('"Bob B." <sips:bob:secret@example.com:5061;transport=tls>', ("bob", "example.com")),
        ("sip:bob@example.com?subject=x", ("bob", "example.com")),
        ("SIP:Bob@[2001:db8::1]:5060", ("Bob", "[2001:db8::1]")),
        ("bob", ("bob", "")),
    ],
)
def test_contact_names_user_and_domain(uri: str, expected: tuple[str, str]) -> None:
    assert contact(uri) == expected


# ---- many sends: nothing leaks --------------------------------------------------------------------

SENDS = 100_000 if os.environ.get("PORTSIP_RELIABILITY") == "full" else 10_000
WINDOW = 1_000  # receipts in flight at once: what a sender with flow control keeps


def send_window(lib: PortSIPLib, control: StubControl, count: int, first: int) -> tuple[int, int]:
    """Send ``count`` receipts (two in three to bob, one to nobody) and one plain send in ten, then
    check every outcome. Returns (successes, failures)."""
    receipts: list[tuple[int, Receipt[SendOutOfDialogMessageSuccess]]] = []
    for n in range(first, first + count):
        if n % 10 == 9:
            lib.send_out_of_dialog_message(NOBODY, "text", "plain", b"plain")
        receipts.append((n, lib.send_text(NOBODY if n % 3 == 0 else BOB, "load")))
    codes = []
    for n, receipt in receipts:
        message_id, code = outcome(receipt)
        assert (message_id, code) == (receipt.id, 404 if n % 3 == 0 else 200)
        codes.append(code)
    control.clear_calls()  # the stub's journal would grow with every call
    return codes.count(200), codes.count(404)


@pytest.fixture
def small_backlogs(portsip_stub_library: str) -> Iterator[tuple[PortSIPLib, PortSIPLib]]:
    """alice and bob with small wait_for backlogs: full after the warm-up, so memory is steady."""
    libs = []
    for user in ("alice", "bob"):
        lib = PortSIPLib(portsip_stub_library, backlog_events=500)
        libs.append(lib)
        lib.initialize(local_sip_port=0)
        lib.set_user(user, sip_domain="example.com")
    yield libs[0], libs[1]
    for lib in libs:
        lib.close()
        lib.check_errors()


def test_many_sends_leave_nothing_behind(small_backlogs: tuple[PortSIPLib, PortSIPLib]) -> None:
    portsip_lib, bob = small_backlogs
    control = StubControl(portsip_lib)
    bob_control = StubControl(bob)
    for start in range(0, 3 * WINDOW, WINDOW):  # warm-up: backlogs, free lists and caches at their steady size
        send_window(portsip_lib, control, WINDOW, start)
    settle(portsip_lib, bob)
    bob_control.clear_calls()
    receipts_before, blocks_before = live_receipts(), allocated_blocks()
    started = time.perf_counter()
    successes = failures = 0
    for start in range(0, SENDS, WINDOW):
        ok, failed = send_window(portsip_lib, control, WINDOW, start)
        successes, failures = successes + ok, failures + failed
        bob_control.clear_calls()
    elapsed = time.perf_counter() - started
    settle(portsip_lib, bob)
    grown = allocated_blocks() - blocks_before
    figures = f"{SENDS} receipts ({successes} ok, {failures} failed) in {elapsed:.1f} s, " \
              f"{portsip_lib._receipts.early_claims} resolved before the send returned, {grown} blocks grown"
    print(figures)  # pytest -s shows them
    assert (successes, failures) == (SENDS - len(range(0, SENDS, 3)), len(range(0, SENDS, 3)))
    assert book_sizes(portsip_lib) == EMPTY
    assert live_receipts() == receipts_before
    assert portsip_lib.stats["dropped_events"] == 0
    assert grown < SENDS // 10, figures  # a leak of one object per send would show as >= SENDS blocks

