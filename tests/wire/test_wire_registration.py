"""Registration on the wire: digest authentication, the registrar's real codes, refresh, retries, unregistering."""

from __future__ import annotations

import time

import pytest
from wire_support import TIMEOUT, eventually, register

from portsip import SDKError, SendFailedError
from portsip.events import ReceivedSignaling, RecvOutOfDialogMessage, RegisterFailure, RegisterSuccess
from portsip.testing.fixtures import SippFactory, WireLibFactory
from portsip.testing.servers import Kamailio


def test_digest_authentication(kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio_auth, transport=transport)
    alice.enable_callback_signaling(False, True)
    register(alice)
    # the registrar challenged the first REGISTER (401) and took the second, which answered the challenge
    challenge = alice.wait_for(ReceivedSignaling, timeout=TIMEOUT, predicate=lambda e: e.signaling.startswith("SIP/2.0 401"))
    assert 'WWW-Authenticate: Digest realm="example.test"' in challenge.signaling
    assert kamailio_auth.log.count("RX REGISTER") == 2


def test_a_domain_the_registrar_does_not_serve_is_404(kamailio: Kamailio, wire_lib_factory: WireLibFactory) -> None:
    alice = wire_lib_factory("alice", server=kamailio)
    alice.set_user("alice", sip_domain="elsewhere.test", sip_server_addr=kamailio.host, sip_server_port=kamailio.port)
    alice.register_server(60)
    failure = alice.wait_for(RegisterFailure, timeout=TIMEOUT)
    assert (failure.status_code, failure.status_text) == (404, "Domain Not Served")


def test_registering_needs_a_server(wire_lib_factory: WireLibFactory) -> None:
    alice = wire_lib_factory("alice")  # P2P: no registrar
    with pytest.raises(SDKError) as raised:
        alice.register_server(60)
    assert raised.value.name == "ECoreSIPServerEmpty"


def test_the_registration_is_refreshed_before_it_expires(kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    register(alice, expires=2)  # refreshed at 90%: after 1.8 s
    refreshed = alice.wait_for(RegisterSuccess, timeout=TIMEOUT)  # every answer is an event
    assert refreshed.status_code == 200
    assert kamailio.log.count("RX REGISTER") == 2


def test_retry_times_tries_a_failed_registration_again(kamailio_auth: Kamailio, wire_lib_factory: WireLibFactory) -> None:
    alice = wire_lib_factory("alice", server=kamailio_auth, password="wrong")
    alice.register_server(60, retry_times=2)
    failures = [alice.wait_for(RegisterFailure, timeout=TIMEOUT) for _ in range(3)]  # the first try and two retries
    assert {f.status_code for f in failures} == {403}
    with pytest.raises(TimeoutError):  # and no more
        alice.wait_for(RegisterFailure, timeout=1.5)


@pytest.mark.parametrize("how", ["unregister_server", "close"])
def test_unregistering_removes_the_contact_from_the_registrar(
    kamailio: Kamailio, wire_lib_factory: WireLibFactory, transport: str, how: str
) -> None:
    alice = wire_lib_factory("alice", server=kamailio, transport=transport)
    bob = wire_lib_factory("bob", server=kamailio, transport=transport)
    register(alice)
    register(bob)
    alice.send_text("sip:bob@example.test", "before").result(timeout=TIMEOUT)
    bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT)
    started = time.monotonic()
    if how == "close":
        bob.close()
    else:
        bob.unregister_server()
    assert time.monotonic() - started < 1.0  # the registrar answered at once: no waiting out the grace

    def unreachable() -> int:  # unregister_server returns before the registrar has answered
        with pytest.raises(SendFailedError) as raised:
            alice.send_text("sip:bob@example.test", "after").result(timeout=TIMEOUT)
        return raised.value.code

    assert eventually(unreachable) == 404
    assert kamailio.log.count("RX REGISTER") == 3  # alice's, bob's, and bob's Expires: 0


def test_close_waits_for_the_registrars_answer_to_the_unregister(
    sipp: SippFactory, wire_lib_factory: WireLibFactory, transport: str
) -> None:
    # A close that let go of its connection before the registrar answered lost the unREGISTER now and
    # then over TCP (the reset overtook it), and the registrar kept routing to a closed contact.
    registrar = sipp("uas_register_slow", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    bob.set_user("bob", sip_domain="127.0.0.1", sip_server_addr="127.0.0.1", sip_server_port=registrar.port)  # SIPp as registrar
    register(bob)
    started = time.monotonic()
    bob.close()
    took = time.monotonic() - started
    assert registrar.wait() == 0, registrar.errors  # over TCP: bob's connection was still there for the answer
    assert "Expires: 0" in registrar.messages
    assert took >= 0.25, took  # the registrar answers the unREGISTER after 0.3 s: close waited for it
