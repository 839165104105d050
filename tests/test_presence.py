"""Presence in P2P mode between two instances on the stub, and the presence-agent mode."""

from __future__ import annotations

import pytest

from portsip import InvalidArgumentError, NotFoundError, PortSIPLib, PresenceMode
from portsip.events import PresenceOffline, PresenceOnline, PresenceRecvSubscribe
from portsip.testing import LibFactory, StubControl


@pytest.fixture
def bob(portsip_lib_factory: LibFactory) -> PortSIPLib:
    return portsip_lib_factory("bob", display_name="Bob B.")


def test_subscribe_accept_and_status(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    alice = portsip_lib
    subscribe_id = alice.presence_subscribe("sip:bob@example.com", "may I watch?")
    assert subscribe_id > 0
    request = bob.wait_for(PresenceRecvSubscribe)
    assert (request.from_uri, request.from_display_name, request.subject) == ("sip:alice@example.com", "Alice", "may I watch?")

    bob.presence_accept_subscribe(request.subscribe_id)
    with pytest.raises(TimeoutError):  # accepting alone sends no status
        alice.wait_for(PresenceOnline, timeout=0.2)

    bob.set_presence_status(request.subscribe_id, "In a meeting")
    online = alice.wait_for(PresenceOnline)
    assert (online.from_uri, online.from_display_name, online.state_text) == ("sip:bob@example.com", "Bob B.", "In a meeting")

    bob.set_presence_status(request.subscribe_id, "Offline")
    offline = alice.wait_for(PresenceOffline)
    assert (offline.from_uri, offline.from_display_name) == ("sip:bob@example.com", "Bob B.")


def test_reject_tells_the_watcher_offline(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    portsip_lib.presence_subscribe("sip:bob@example.com")
    request = bob.wait_for(PresenceRecvSubscribe)
    bob.presence_reject_subscribe(request.subscribe_id)
    assert portsip_lib.wait_for(PresenceOffline).from_uri == "sip:bob@example.com"
    with pytest.raises(NotFoundError):
        bob.set_presence_status(request.subscribe_id, "Available")


def test_status_before_accepting_is_refused(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    portsip_lib.presence_subscribe("sip:bob@example.com")
    request = bob.wait_for(PresenceRecvSubscribe)
    with pytest.raises(InvalidArgumentError):
        bob.set_presence_status(request.subscribe_id, "Available")


def test_unknown_contact_appears_offline(portsip_lib: PortSIPLib) -> None:
    portsip_lib.presence_subscribe("sip:nobody@example.com")
    assert portsip_lib.wait_for(PresenceOffline).from_uri == "sip:nobody@example.com"


def test_terminated_subscription_is_gone_on_both_sides(portsip_lib: PortSIPLib, bob: PortSIPLib) -> None:
    subscribe_id = portsip_lib.presence_subscribe("sip:bob@example.com")
    request = bob.wait_for(PresenceRecvSubscribe)
    bob.presence_accept_subscribe(request.subscribe_id)
    portsip_lib.presence_terminate_subscribe(subscribe_id)
    with pytest.raises(NotFoundError):
        bob.set_presence_status(request.subscribe_id, "Available")
    with pytest.raises(NotFoundError) as raised:
        portsip_lib.presence_terminate_subscribe(subscribe_id)
    assert raised.value.name == "ECoreNotFoundSubscribeId" and raised.value.code == -60068


def test_unknown_subscribe_ids_are_vendor_errors(portsip_lib: PortSIPLib) -> None:
    for call in (portsip_lib.presence_accept_subscribe, portsip_lib.presence_reject_subscribe):
        with pytest.raises(NotFoundError) as raised:
            call(999)
        assert raised.value.name == "ECoreNotFoundSubscribeId"


def test_injected_watcher_can_be_accepted(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    stub_control.emit(PresenceRecvSubscribe(77, "Carol", "sip:carol@elsewhere.net", "hi"))
    request = portsip_lib.wait_for(PresenceRecvSubscribe)
    portsip_lib.presence_accept_subscribe(request.subscribe_id)
    portsip_lib.set_presence_status(request.subscribe_id, "Available")
    [call] = stub_control.calls_to("PortSIP_setPresenceStatus")
    assert call.args == {"subscribeId": 77, "stateText": "Available"}


def test_agent_mode_publishes_to_every_watcher(portsip_lib: PortSIPLib, bob: PortSIPLib, portsip_lib_factory: LibFactory) -> None:
    carol = portsip_lib_factory("carol")
    for watcher in (portsip_lib, carol):
        watcher.presence_subscribe("sip:bob@example.com")
        bob.presence_accept_subscribe(bob.wait_for(PresenceRecvSubscribe).subscribe_id)
    bob.set_presence_mode(PresenceMode.AGENT)
    bob.set_presence_status(0, "Busy")
    assert portsip_lib.wait_for(PresenceOnline).state_text == "Busy"
    assert carol.wait_for(PresenceOnline).state_text == "Busy"


def test_subscription_ids_increase_and_generic_subscriptions_are_recorded(portsip_lib: PortSIPLib, stub_control: StubControl) -> None:
    first = portsip_lib.send_subscription("sip:100@example.com", "message-summary")
    second = portsip_lib.presence_subscribe("sip:nobody@example.com")
    assert 0 < first < second
    portsip_lib.terminate_subscription(first)
    portsip_lib.set_default_subscription_time(3600)
    portsip_lib.set_default_publication_time(0)
    functions = [c.function for c in stub_control.calls]
    assert functions[-5:] == [
        "PortSIP_sendSubscription",
        "PortSIP_presenceSubscribe",
        "PortSIP_terminateSubscription",
        "PortSIP_setDefaultSubscriptionTime",
        "PortSIP_setDefaultPublicationTime",
    ]
    assert stub_control.calls[-2].args == {"secs": 3600}
