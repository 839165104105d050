"""A wire instance's life: real sockets bound by initialize (their errors are the SDK's codes), released by
close, the same control API as the in-process stub, and what does not survive a fork."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import pytest
from support import PACKAGE_PARENT, forks_while_threads_run

from portsip import PortSIPError, PortSIPLib, SDKError
from portsip.enums import TransportType
from portsip.testing import StubControl
from portsip.testing.servers import free_port


@pytest.mark.parametrize(
    ("transport", "kind", "error"),
    [
        (TransportType.UDP, socket.SOCK_DGRAM, "ECoreAddUdpTransportFailure"),
        (TransportType.TCP, socket.SOCK_STREAM, "ECoreAddTcpTransportFailure"),
    ],
)
def test_an_address_in_use_is_the_sdks_error(portsip_wire_library: str, transport: TransportType, kind: int, error: str) -> None:
    with socket.socket(socket.AF_INET, kind) as taken:
        taken.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            taken.listen()
        with PortSIPLib(portsip_wire_library) as lib, pytest.raises(SDKError) as raised:
            lib.initialize(transport, local_ip="127.0.0.1", local_sip_port=taken.getsockname()[1])
        assert raised.value.name == error


@pytest.mark.parametrize(
    ("transport", "local_ip", "error"),
    [(TransportType.TLS, "127.0.0.1", "ECoreUnsupportTransport"), (TransportType.UDP, "not-an-address", "ECoreArgumentIncorrect")],
)
def test_what_the_wire_stub_cannot_open(portsip_wire_library: str, transport: TransportType, local_ip: str, error: str) -> None:
    with PortSIPLib(portsip_wire_library) as lib, pytest.raises(SDKError) as raised:
        lib.initialize(transport, local_ip=local_ip, local_sip_port=0)
    assert raised.value.name == error


@pytest.mark.parametrize("transport", [TransportType.UDP, TransportType.TCP, TransportType.PERS_UDP, TransportType.PERS_TCP])
def test_the_port_is_bound_and_released(portsip_wire_library: str, transport: TransportType) -> None:
    port = free_port()
    kind = socket.SOCK_DGRAM if transport in (TransportType.UDP, TransportType.PERS_UDP) else socket.SOCK_STREAM
    with PortSIPLib(portsip_wire_library) as lib:
        lib.initialize(transport, local_ip="127.0.0.1", local_sip_port=port)
        control = StubControl(lib)
        assert control.wire and control.local_sip_port == port
        with socket.socket(socket.AF_INET, kind) as probe, pytest.raises(OSError):
            probe.bind(("127.0.0.1", port))
        started = time.monotonic()
    assert time.monotonic() - started < 1.0  # nothing to say goodbye to: close is quick
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", port))  # closed: free again


def test_the_wildcard_address_is_loopback(portsip_wire_library: str) -> None:
    with PortSIPLib(portsip_wire_library) as lib:
        lib.initialize(local_sip_port=0)  # "0.0.0.0", the binding's default
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, pytest.raises(OSError):
            probe.bind(("127.0.0.1", StubControl(lib).local_sip_port))


def test_scripted_outcomes_are_refused_on_the_wire(portsip_wire_library: str) -> None:
    with PortSIPLib(portsip_wire_library) as lib:
        lib.initialize(local_ip="127.0.0.1", local_sip_port=0)
        with pytest.raises(PortSIPError, match="the peer decides"):
            StubControl(lib).fail_next_send(486, "Busy Here")
        with pytest.raises(PortSIPError, match="the peer decides"):
            StubControl(lib).fail_next_register(403, "Forbidden")


@forks_while_threads_run
def test_a_forked_child_cannot_start_the_wire(portsip_wire_library: str) -> None:
    code = """
        import os, sys
        from portsip import PortSIPLib, SDKError
        lib = PortSIPLib(sys.argv[1])
        lib.initialize(local_ip="127.0.0.1", local_sip_port=0)
        pid = os.fork()
        if pid == 0:  # the SIP thread did not come along: a clear error, not a hang
            child = PortSIPLib(sys.argv[1])
            try:
                child.initialize(local_ip="127.0.0.1", local_sip_port=0)
            except SDKError as error:
                os._exit(0 if error.name == "ECoreInitializeStackFailure" else 1)
            os._exit(2)
        _, status = os.waitpid(pid, 0)
        lib.close()
        print(os.waitstatus_to_exitcode(status))
    """
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", textwrap.dedent(code), portsip_wire_library],
        capture_output=True, text=True, timeout=60,
        cwd=str(PACKAGE_PARENT),  # `-c` puts the working directory first on sys.path: not a source tree
    )  # fmt: skip
    assert result.stdout.strip() == "0", result.stdout + result.stderr

