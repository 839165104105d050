"""Bad input from the network: malformed SIP, bodies over 64 KiB, a flood of random datagrams, a server that
never answers, a peer that vanishes mid-subscription. No crash, no hang, the right failure event, bounded
memory; and the instance still works afterwards."""

from __future__ import annotations

import os
import random
import resource
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from support import PACKAGE_PARENT
from wire_support import TIMEOUT, eventually

from portsip import PortSIPLib, SDKError, SendFailedError
from portsip.events import (
    InviteClosed,
    InviteConnected,
    InviteFailure,
    InviteIncoming,
    PresenceOffline,
    PresenceOnline,
    PresenceRecvSubscribe,
    RecvOutOfDialogMessage,
    RegisterFailure,
)
from portsip.testing import StubControl, peer_uri
from portsip.testing.fixtures import SippFactory, WireLibFactory

#: SIP's transaction timeout for a request over UDP (64 * T1) and TCP alike, and some slack.
SIP_TIMEOUT = 32.0 + 8.0


def still_works(factory: WireLibFactory, bob: PortSIPLib, transport: str) -> None:
    """A MESSAGE from a fresh peer still reaches bob, whatever came before."""
    alice = factory("alice", transport=transport)
    alice.send_text(peer_uri(bob, "bob", transport), "still there?").result(timeout=TIMEOUT)
    assert bob.wait_for(RecvOutOfDialogMessage, timeout=TIMEOUT, predicate=lambda e: e.data == b"still there?")


def no_message_but(bob: PortSIPLib, expected: bytes) -> None:
    received = []
    while True:
        try:
            received.append(bob.wait_for(RecvOutOfDialogMessage, timeout=0.3))
        except TimeoutError:
            break
    assert [e.data for e in received if e.data != expected] == []


def test_malformed_and_oversized_requests(sipp: SippFactory, wire_lib_factory: WireLibFactory) -> None:
    # UDP: one datagram, one request. (Over TCP a stream's framing decides where a request ends: see below.)
    bob = wire_lib_factory("bob")
    attacker = sipp("uac_malformed", remote=f"127.0.0.1:{StubControl(bob).local_sip_port}", service="bob")
    assert attacker.wait() == 0, attacker.errors
    still_works(wire_lib_factory, bob, "udp")
    # none of them became a message (the Content-Length longer than its body, the unparsable, the oversized)
    no_message_but(bob, b"still there?")


STREAM_GARBAGE = [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS hello at a SIP port
    b"MESSAGE SIP/2.0\r\nthis line is not a header\r\nContent-Length: 0\r\n\r\n",  # no request URI
    b"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n\r\nno length",  # a stream needs Content-Length
    b"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n" + b"X-Long: " + b"y" * 70_000 + b"\r\n",  # a header over 64 KiB
    b"\r\n\r\n" * 1000 + b"\x00" * 1000,  # keep-alives, then NULs
]


@pytest.mark.parametrize("garbage", STREAM_GARBAGE, ids=["tls", "no-uri", "no-length", "long-header", "nuls"])
def test_malformed_streams(wire_lib_factory: WireLibFactory, garbage: bytes) -> None:
    bob = wire_lib_factory("bob", transport="tcp")
    with socket.create_connection(("127.0.0.1", StubControl(bob).local_sip_port), timeout=TIMEOUT) as stream:
        try:
            stream.sendall(garbage)
        except (ConnectionResetError, BrokenPipeError):
            pass  # libre dropped the connection while we were still sending: as good as an answer
    still_works(wire_lib_factory, bob, "tcp")
    no_message_but(bob, b"still there?")


def oversized_message(transport: str, port: int, body_length: int) -> bytes:
    body = b"x" * body_length
    return (
        f"MESSAGE sip:bob@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/{transport.upper()} 127.0.0.1:9;branch=z9hG4bKbig\r\n"
        f"From: <sip:big@127.0.0.1:9>;tag=big\r\nTo: <sip:bob@127.0.0.1:{port}>\r\nCall-ID: big-{body_length}\r\n"
        f"CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: {body_length}\r\n\r\n"
    ).encode() + body


def test_a_body_over_64_kib(wire_lib_factory: WireLibFactory, transport: str) -> None:
    bob = wire_lib_factory("bob", transport=transport)
    port = StubControl(bob).local_sip_port
    if transport == "tcp":  # libre takes at most 64 KiB of a stream: it drops the connection
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as stream:
            try:
                stream.sendall(oversized_message(transport, port, 70_000))
                closed = stream.recv(65536) == b""
            except (ConnectionResetError, BrokenPipeError):
                closed = True
            assert closed
    else:  # the largest datagram there is: libre reads 8 KiB of it, which does not parse
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(oversized_message(transport, port, 65_000), ("127.0.0.1", port))
    still_works(wire_lib_factory, bob, transport)
    with pytest.raises(TimeoutError):
        bob.wait_for(RecvOutOfDialogMessage, timeout=0.3, predicate=lambda e: e.data.startswith(b"xxxx"))


def test_a_flood_of_random_datagrams(wire_lib_factory: WireLibFactory) -> None:
    bob = wire_lib_factory("bob")
    port = StubControl(bob).local_sip_port
    rng = random.Random(1234)
    prefixes = [b"", b"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n", b"SIP/2.0 200 OK\r\n", b"\x00\x01\x00\x00"]  # SIP- and STUN-like
    still_works(wire_lib_factory, bob, "udp")  # the first use's allocations are behind us
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for n in range(10_000):
            sender.sendto(rng.choice(prefixes) + rng.randbytes(rng.randint(0, 1400)), ("127.0.0.1", port))
            if n % 200 == 0:
                time.sleep(0.001)  # let the SIP thread keep up rather than measure the kernel's buffer
    still_works(wire_lib_factory, bob, "udp")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):  # ASan keeps freed memory in quarantine, on purpose
        assert grown_kib < 32 * 1024, f"the process grew by {grown_kib} KiB"


def silent_server(transport: str) -> tuple[socket.socket, int]:
    """A socket that takes requests (and TCP connections) and never answers."""
    if transport == "udp":
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
    else:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(16)
    return server, int(server.getsockname()[1])


def test_a_server_that_never_answers(wire_lib_factory: WireLibFactory) -> None:
    # Both transports at once: each request waits out SIP's timer (32 s) in parallel.
    started = time.monotonic()
    cases = []
    for transport in ("udp", "tcp"):
        server, port = silent_server(transport)
        lib = wire_lib_factory("alice", transport=transport)
        lib.set_user("alice", sip_domain="silent.test", sip_server_addr="127.0.0.1", sip_server_port=port)
        lib.register_server(60)
        receipt = lib.send_text("sip:bob@silent.test", "hello?", timeout=SIP_TIMEOUT)
        lib.presence_subscribe("sip:bob@silent.test", "")
        session = lib.call("sip:bob@silent.test", True, False)
        cases.append((server, lib, receipt, session))
    for server, lib, receipt, session in cases:
        failure = lib.wait_for(RegisterFailure, timeout=SIP_TIMEOUT)
        assert (failure.status_code, failure.status_text) == (408, "Request Timeout")
        with pytest.raises(SendFailedError) as raised:
            receipt.result(timeout=SIP_TIMEOUT)
        assert (raised.value.code, raised.value.reason) == (408, "Request Timeout")
        assert lib.wait_for(PresenceOffline, timeout=SIP_TIMEOUT).from_uri == "sip:bob@silent.test"
        call = lib.wait_for(InviteFailure, timeout=SIP_TIMEOUT)
        assert (call.session_id, call.code, call.reason) == (session, 408, "Request Timeout")
        server.close()
    assert time.monotonic() - started < SIP_TIMEOUT


VANISHING_PEER = """
import os, sys, time
from portsip import PortSIPLib
from portsip.enums import TransportType
from portsip.events import PresenceRecvSubscribe
from portsip.testing import StubControl, stub_library_path

transport = sys.argv[1]
bob = PortSIPLib(stub_library_path(wire=True))
bob.initialize(TransportType.TCP if transport == "tcp" else TransportType.UDP, local_ip="127.0.0.1", local_sip_port=0)
bob.set_user("bob")
print(StubControl(bob).local_sip_port, flush=True)
incoming = bob.wait_for(PresenceRecvSubscribe, timeout=30)
bob.presence_accept_subscribe(incoming.subscribe_id)
bob.set_presence_status(incoming.subscribe_id, "About to vanish")
time.sleep(60)  # until killed: no unSUBSCRIBE, no NOTIFY terminated, nothing
"""


def test_a_peer_that_vanishes_mid_subscription(portsip_wire_library: str, wire_lib_factory: WireLibFactory, transport: str) -> None:
    peer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(VANISHING_PEER), transport], stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PORTSIP_WIRE_STUB_LIBRARY=portsip_wire_library),
        cwd=str(PACKAGE_PARENT),  # `-c` puts the working directory first on sys.path: not a source tree
    )  # fmt: skip
    try:
        assert peer.stdout is not None
        port = int(peer.stdout.readline())
        alice = wire_lib_factory("alice", transport=transport)
        alice.set_default_subscription_time(2)  # refreshed every 1.8 s
        suffix = ";transport=tcp" if transport == "tcp" else ""
        alice.presence_subscribe(f"sip:bob@127.0.0.1:{port}{suffix}", "")
        assert alice.wait_for(PresenceOnline, timeout=TIMEOUT).state_text == "About to vanish"
        peer.send_signal(signal.SIGKILL)
        peer.wait()
        vanished = time.monotonic()
        # the refresh goes unanswered: the subscription's time and a grace later, bob is offline
        assert alice.wait_for(PresenceOffline, timeout=TIMEOUT).from_uri == f"sip:bob@127.0.0.1:{port}{suffix}"
        assert time.monotonic() - vanished < 2 + 4 + 2
    finally:
        peer.kill()
        peer.wait()


def test_a_watcher_that_vanishes_is_forgotten(portsip_wire_library: str, wire_lib_factory: WireLibFactory, transport: str) -> None:
    alice = wire_lib_factory("alice", transport=transport)
    watcher = """
import sys, time
from portsip import PortSIPLib
from portsip.enums import TransportType
from portsip.testing import stub_library_path

transport = sys.argv[1]
carol = PortSIPLib(stub_library_path(wire=True))
carol.initialize(TransportType.TCP if transport == "tcp" else TransportType.UDP, local_ip="127.0.0.1", local_sip_port=0)
carol.set_user("carol")
carol.set_default_subscription_time(2)  # she must refresh within 2 s, and never will
carol.presence_subscribe(sys.argv[2], "")
print("subscribed", flush=True)
time.sleep(60)
"""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(watcher), transport, peer_uri(alice, "alice", transport)], stdout=subprocess.PIPE,
        text=True, env=dict(os.environ, PORTSIP_WIRE_STUB_LIBRARY=portsip_wire_library),
        cwd=str(PACKAGE_PARENT),  # `-c` puts the working directory first on sys.path: not a source tree
    )  # fmt: skip
    try:
        incoming = alice.wait_for(PresenceRecvSubscribe, timeout=TIMEOUT)
        alice.presence_accept_subscribe(incoming.subscribe_id)
        process.send_signal(signal.SIGKILL)
        process.wait()

        def forgotten() -> str:  # her subscription expires unrefreshed, and leaves alice's books
            with pytest.raises(SDKError) as raised:
                alice.set_presence_status(incoming.subscribe_id, "Anyone?")
            return raised.value.name

        assert eventually(forgotten, timeout=2 + 4 + SIP_TIMEOUT) == "ECoreNotFoundSubscribeId"
    finally:
        process.kill()
        process.wait()


def test_a_cancel_racing_the_answer(wire_lib_factory: WireLibFactory, transport: str) -> None:
    # The caller hangs up (CANCEL) as the callee answers (200): whichever wins, the callee's session ends
    # (inviteClosed, after inviteConnected if the 200 won: the caller's stack then ACKs and BYEs), and both
    # instances go on taking calls.
    alice = wire_lib_factory("alice", transport=transport)
    bob = wire_lib_factory("bob", transport=transport)
    for _ in range(5):
        session = alice.call(peer_uri(bob, "bob", transport), True, False)
        incoming = bob.wait_for(InviteIncoming, timeout=TIMEOUT)
        bob.answer_call(incoming.session_id)
        alice.hang_up(session)
        assert bob.wait_for(InviteClosed, timeout=TIMEOUT).session_id == incoming.session_id
    session = alice.call(peer_uri(bob, "bob", transport), True, False)
    bob.answer_call(bob.wait_for(InviteIncoming, timeout=TIMEOUT).session_id)
    assert alice.wait_for(InviteConnected, timeout=TIMEOUT, predicate=lambda e: e.session_id == session)
