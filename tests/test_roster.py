"""Roster on the stub: contacts, watchers and status, re-subscription, churn, persistence."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from waiting import wait_until

from portsip import Contact, HandlerError, InvalidStateError, PortSIPLib, PresenceMode, Roster, Watcher
from portsip.events import PresenceOffline, PresenceOnline, PresenceRecvSubscribe, RegisterFailure, RegisterSuccess
from portsip.testing import LibFactory, StubControl

BOB = "sip:bob@example.com"
FAST = (0.05, 0.2)  # backoff for tests: re-subscriptions within a fraction of a second


@pytest.fixture
def alice(portsip_lib: PortSIPLib) -> PortSIPLib:
    return portsip_lib


def test_done_when_a_status_reaches_the_follower(alice: PortSIPLib, bob: PortSIPLib) -> None:
    bob_roster = Roster(bob, accept=True)
    alice_roster = Roster(alice)
    alice_roster.add(BOB)
    bob_roster.set_status("In a meeting")
    contact = alice_roster.wait_for(BOB, online=True)
    assert contact.subscription == "active" and contact.status_text == "In a meeting"
    assert alice_roster.contacts[BOB].status_text == "In a meeting"
    assert list(bob_roster.watchers) == ["sip:alice@example.com"]
    assert bob_roster.watchers["alice@example.com"].state == "active"


def test_done_when_a_watcher_refused_by_an_allow_list_is_offline_and_not_active(
    alice: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib
) -> None:
    bob_roster = Roster(bob, accept=["alice@example.com"], status="Available")
    seen: list[Contact | Watcher] = []
    bob_roster.on_change(seen.append)
    carol_roster = Roster(carol, backoff=(60, 60))
    carol_roster.add(BOB)
    contact = carol_roster.wait_for(BOB, online=False, predicate=lambda c: c.subscription != "pending")
    assert (contact.subscription, contact.online) == ("terminated", False)
    bob.drain()
    assert [(w.uri, w.state) for w in seen if isinstance(w, Watcher)] == [("sip:carol@example.com", "refused")]
    assert "sip:carol@example.com" not in bob_roster.watchers  # the refusal is certain on the side that refused
    Roster(alice).add(BOB)
    wait_until(lambda: "sip:alice@example.com" in bob_roster.watchers)


def test_uris_compare_as_sip_routes_them(alice: PortSIPLib, bob: PortSIPLib) -> None:
    roster = Roster(alice)
    first = roster.add("sip:bob@Example.COM", "Bob")
    again = roster.add("<sip:bob@example.com;transport=udp>")
    assert first.uri == again.uri == "sip:bob@Example.COM" and again.display_name == "Bob"
    assert len(roster.contacts) == 1
    for form in ("bob@example.com", "sip:bob@example.com:5060", '"Bob" <sip:bob@EXAMPLE.com>', "bob"):
        assert roster.contacts[form].uri == "sip:bob@Example.COM"
    assert "sip:bobby@example.com" not in roster.contacts and "sip:bob@example.net" not in roster.contacts
    with pytest.raises(ValueError):
        roster.add("sip:@example.com")
    with pytest.raises(TypeError):
        roster.add(None)  # type: ignore[arg-type]
    roster.remove("bob@example.com")
    assert len(roster.contacts) == 0
    with pytest.raises(KeyError):
        roster.remove(BOB)


def test_p2p_status_goes_to_every_accepted_watcher_and_to_each_new_one(
    alice: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib
) -> None:
    bob_roster = Roster(bob, accept=True)
    bob_roster.set_status("Busy")  # before anyone watches
    rosters = [Roster(alice), Roster(carol)]
    for roster in rosters:
        roster.add(BOB)
    for roster in rosters:
        assert roster.wait_for(BOB).status_text == "Busy"  # sent on acceptance
    bob_roster.set_status("Lunch")
    for roster in rosters:
        roster.wait_for(BOB, predicate=lambda c: c.status_text == "Lunch")
    bob_roster.set_status("Offline")  # appears offline
    for roster in rosters:
        assert roster.wait_for(BOB, online=False).online is False


def test_agent_mode_publishes(alice: PortSIPLib, bob: PortSIPLib) -> None:
    bob_roster = Roster(bob, accept=True, mode=PresenceMode.AGENT)
    alice_roster = Roster(alice)
    alice_roster.add(BOB)
    wait_until(lambda: "sip:alice@example.com" in bob_roster.watchers)
    bob_roster.set_status("Away")
    assert alice_roster.wait_for(BOB).status_text == "Away"
    stub = StubControl(bob)
    assert stub.calls_to("PortSIP_setPresenceMode")[-1].args == {"mode": 1}
    assert [c.args["subscribeId"] for c in stub.calls_to("PortSIP_setPresenceStatus")] == [0]


def test_a_policy_function_decides_and_may_leave_watchers_pending(alice: PortSIPLib, bob: PortSIPLib, carol: PortSIPLib) -> None:
    requests: list[PresenceRecvSubscribe] = []

    def policy(request: PresenceRecvSubscribe) -> bool | None:
        requests.append(request)
        return None if request.from_uri == "sip:alice@example.com" else False

    bob_roster = Roster(bob, accept=policy, status="Available")
    alice_roster = Roster(alice)
    alice_roster.add(BOB)
    wait_until(lambda: "sip:alice@example.com" in bob_roster.watchers)
    assert bob_roster.watchers["sip:alice@example.com"].state == "pending"
    assert requests[0].from_uri == "sip:alice@example.com"
    with pytest.raises(TimeoutError):
        alice_roster.wait_for(BOB, timeout=0.2)
    assert bob_roster.accept_watcher("alice@example.com").state == "active"
    assert alice_roster.wait_for(BOB).status_text == "Available"
    with pytest.raises(KeyError):
        bob_roster.refuse_watcher("sip:alice@example.com")  # not pending any more


def test_resubscribes_with_backoff_after_a_failure_injected_with_stub_control(
    alice: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    Roster(bob, accept=True, status="Here")
    roster = Roster(alice, backoff=FAST)
    roster.add(BOB)
    roster.wait_for(BOB)
    assert len(stub_control.calls_to("PortSIP_presenceSubscribe")) == 1
    # As if bob's side ended the subscription: the SDK reports him offline.
    stub_control.emit(PresenceOffline("Bob", BOB))
    roster.wait_for(BOB, online=False)
    contact = roster.wait_for(BOB, online=True)  # bob's roster accepted the new SUBSCRIBE
    assert contact.subscription == "active"
    subscribes = stub_control.calls_to("PortSIP_presenceSubscribe")
    assert len(subscribes) == 2 and subscribes[1].args["to"] == BOB
    ended = [c.args["subscribeId"] for c in stub_control.calls_to("PortSIP_presenceTerminateSubscribe")]
    assert ended == [1]  # the old subscription (alice's first subscribe id) ended first


def test_backoff_grows_while_the_contact_stays_away(alice: PortSIPLib, stub_control: StubControl) -> None:
    roster = Roster(alice, backoff=(0.1, 0.4))
    roster.add("sip:nobody@example.com")  # unknown: every SUBSCRIBE is answered offline
    time.sleep(1.6)
    times = len(stub_control.calls_to("PortSIP_presenceSubscribe"))
    # 0.1 + 0.2 + 0.4 + 0.4 ... (±20 %): about 5 SUBSCRIBEs in 1.6 s, far fewer than a retry per answer would make
    assert 3 <= times <= 8, times


def test_resubscribes_after_register_server_succeeds_again(alice: PortSIPLib, bob: PortSIPLib, stub_control: StubControl) -> None:
    Roster(bob, accept=True, status="Here")
    roster = Roster(alice)
    roster.add(BOB)
    roster.wait_for(BOB)
    stub_control.fail_next_register(503, "Service Unavailable")
    alice.register_server()
    alice.wait_for(RegisterFailure)
    alice.register_server()
    alice.wait_for(RegisterSuccess)
    wait_until(lambda: len(stub_control.calls_to("PortSIP_presenceSubscribe")) == 2)
    alice.refresh_registration(120)  # a refresh: active contacts are left as they are
    alice.wait_for(RegisterSuccess)
    alice.drain()
    assert len(stub_control.calls_to("PortSIP_presenceSubscribe")) == 2
    assert roster.wait_for(BOB).subscription == "active"


def test_churn_a_thousand_contacts_and_watchers_coming_and_going(alice: PortSIPLib, stub_control: StubControl) -> None:
    uris = [f"sip:user{n}@example.net" for n in range(1000)]
    allowed = uris[::2]
    roster = Roster(alice, accept=allowed, backoff=(300, 300))
    for uri in uris:
        roster.add(uri)
    wait_until(lambda: all(c.subscription == "terminated" for c in roster.contacts.values()))
    assert len(roster.contacts) == 1000
    assert {c.subscription for c in roster.contacts.values()} == {"terminated"}  # unknown on the stub: offline
    for n, uri in enumerate(uris):
        stub_control.emit(PresenceOnline(f"User {n}", uri, f"status {n}"))
    wait_until(lambda: all(c.online for c in roster.contacts.values()))  # emit() fires on the stub's thread, later
    contacts = roster.contacts
    assert all(contacts[uri] == Contact(uri, f"User {n}", "active", True, f"status {n}", contacts[uri].since) for n, uri in enumerate(uris))
    # Watchers: every contact asks to watch; the allow-list accepts half.
    for n, uri in enumerate(uris):
        stub_control.emit(PresenceRecvSubscribe(10_000 + n, "", uri, ""))
    wait_until(lambda: len(roster.watchers) == 500)
    time.sleep(0.1)
    alice.drain()
    assert sorted(roster.watchers) == sorted(allowed)
    stub_control.clear_calls()
    roster.set_status("Busy")
    notified = {c.args["subscribeId"] for c in stub_control.calls_to("PortSIP_setPresenceStatus")}
    assert notified == {10_000 + n for n in range(0, 1000, 2)}
    # They go: the stub forgets a subscription its watcher ended, and the roster drops it at the next status.
    for n in range(0, 1000, 4):
        alice.presence_terminate_subscribe(10_000 + n)
    roster.set_status("Free")
    assert sorted(roster.watchers) == sorted(uris[2::4])
    assert len(roster.snapshot().contacts) == 1000


def test_it_coexists_with_the_users_handlers_and_close_ends_its_subscriptions(
    alice: PortSIPLib, bob: PortSIPLib, stub_control: StubControl
) -> None:
    mine: list[PresenceOnline] = []
    alice.on(PresenceOnline, mine.append)
    bob_roster = Roster(bob, accept=True, status="Here")
    with Roster(alice) as roster:
        roster.add(BOB)
        assert alice.wait_for(PresenceOnline).state_text == "Here"  # the backlog still has it
        roster.wait_for(BOB)
        alice.drain()
        assert [e.state_text for e in mine] == ["Here"]
    assert [c.args["subscribeId"] for c in stub_control.calls_to("PortSIP_presenceTerminateSubscribe")] == [1]
    bob_roster.set_status("Gone?")  # alice's subscription ended: the stub no longer knows it
    assert len(bob_roster.watchers) == 0
    alice.off(PresenceOnline, mine.append)
    with pytest.raises(Exception, match="closed"):
        roster.add(BOB)


def test_snapshot_json_and_restoring(alice: PortSIPLib, bob: PortSIPLib) -> None:
    Roster(bob, accept=True, status="Here")
    roster = Roster(alice, status="Away")
    roster.add(BOB, "Bob")
    roster.add("sip:nobody@example.com")
    roster.wait_for(BOB)
    snapshot = roster.snapshot()
    assert [c.uri for c in snapshot.contacts] == [BOB, "sip:nobody@example.com"] and snapshot.status == "Away"
    text = roster.to_json()
    assert json.loads(text)["contacts"][0] | {"since": None} == {
        "uri": BOB, "display_name": "Bob", "subscription": "active", "online": True, "status_text": "Here", "since": None,
    }
    roster.close()
    restored = Roster.from_json(alice, text)
    assert [(c.uri, c.display_name) for c in restored.contacts.values()] == [(BOB, "Bob"), ("sip:nobody@example.com", "")]
    assert restored.status == "Away"
    assert restored.wait_for(BOB).status_text == "Here"
    for bad in ("", "[]", '{"contacts": [1]}', '{"contacts": [{"uri": 5}]}', '{"contacts": [], "status": 3}'):
        with pytest.raises(ValueError):
            Roster.from_json(alice, bad)


def test_waits_async(alice: PortSIPLib, bob: PortSIPLib) -> None:
    bob_roster = Roster(bob, accept=True)
    roster = Roster(alice)
    roster.add(BOB)

    async def main() -> Contact:
        waiting = asyncio.ensure_future(roster.wait_for_async(BOB, online=True, timeout=5))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        bob_roster.set_status("Async")
        return await waiting

    assert asyncio.run(main()).status_text == "Async"

    async def too_soon() -> None:
        await roster.wait_for_async(BOB, online=False, timeout=0.1)

    with pytest.raises(TimeoutError):
        asyncio.run(too_soon())


def test_wait_for_errors(alice: PortSIPLib, bob: PortSIPLib) -> None:
    roster = Roster(alice)
    bob_roster = Roster(bob, accept=lambda request: None, status="x")  # decides later
    with pytest.raises(KeyError):
        roster.wait_for(BOB)
    roster.add(BOB)
    with pytest.raises(TimeoutError):
        roster.wait_for(BOB, timeout=0.1)
    with pytest.raises(TypeError):
        roster.wait_for(BOB, timeout=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        roster.wait_for(BOB, online=1)  # type: ignore[arg-type]
    outcome: list[BaseException] = []

    def waits_in_a_handler(change: Contact | Watcher) -> None:
        try:
            roster.wait_for(BOB, timeout=1)
        except InvalidStateError as exc:
            outcome.append(exc)

    roster.on_change(waits_in_a_handler)
    wait_until(lambda: "sip:alice@example.com" in bob_roster.watchers)
    bob_roster.accept_watcher("sip:alice@example.com")
    roster.wait_for(BOB)
    alice.drain()
    assert outcome and "event handler" in str(outcome[0])


def test_an_on_change_error_reaches_check_errors_and_the_others_still_run(alice: PortSIPLib, bob: PortSIPLib) -> None:
    roster = Roster(alice)
    seen: list[Contact | Watcher] = []

    def broken(change: Contact | Watcher) -> None:
        raise RuntimeError("boom")

    roster.on_change(broken)
    roster.on_change(seen.append)
    Roster(bob, accept=True, status="x")
    roster.add(BOB)
    roster.wait_for(BOB)
    alice.drain()
    assert len(seen) == 1
    with pytest.raises(HandlerError, match="boom"):
        alice.check_errors()
    roster.off_change(broken)


def test_the_roster_closes_with_its_lib(portsip_lib_factory: LibFactory) -> None:
    dave = portsip_lib_factory("dave")
    roster = Roster(dave)
    roster.add(BOB)
    dave.close()
    with pytest.raises(Exception, match="closed"):
        roster.wait_for(BOB, timeout=3)


@pytest.mark.parametrize(
    "accept, error",
    [("sip:alice@example.com", TypeError), (3, TypeError), (["sip:@x"], ValueError)],
)
def test_bad_policies_and_options_are_refused(alice: PortSIPLib, accept: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        Roster(alice, accept=accept)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Roster(alice, backoff=(5, 1))
    with pytest.raises(TypeError):
        Roster("lib")  # type: ignore[arg-type]
