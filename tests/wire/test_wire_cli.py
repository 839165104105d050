"""The command line on the wire stub (portsip --wire): real SIP through a Kamailio, with the answers
the server gives (never marked as the stub's), on a free local port by default."""

from __future__ import annotations

import os
import subprocess
import sys

from support import PACKAGE_PARENT, console_script
from wire_support import TIMEOUT

from portsip.testing.fixtures import WireLibFactory
from portsip.testing.servers import Kamailio


def environment(wire_library: str) -> dict[str, str]:
    """No SDK configured; the wire stub already built; a password the server does not check."""
    base = {k: v for k, v in os.environ.items() if k != "PORTSIP_SDK_LIBRARY"}
    return base | {"PORTSIP_WIRE_STUB_LIBRARY": wire_library, "SIP_PASSWORD": "unused"}


def portsip(env_library: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = environment(env_library)
    return subprocess.run(
        [console_script("portsip"), "--wire", *args], capture_output=True, text=True, timeout=TIMEOUT + 30, env=env,
        cwd=str(PACKAGE_PARENT),
    )  # fmt: skip


def test_send_registers_and_reports_the_servers_answer(kamailio: Kamailio, portsip_wire_library: str, transport: str) -> None:
    server = ["--server", f"{kamailio.host}:{kamailio.port}", "--password-env", "SIP_PASSWORD"]
    account = ["--user", "alice", "--domain", kamailio.domain, *server, "--transport", transport]
    result = portsip(portsip_wire_library, "send", *account, f"sip:nobody@{kamailio.domain}", "hi")
    assert result.returncode == 1, result.stderr
    assert "on the stub's wire build" in result.stderr and "real SIP" in result.stderr
    assert "404" in result.stderr and "[stub]" not in result.stderr  # the registrar's answer, not the stub's
    assert "RX MESSAGE" in kamailio.log


def test_watch_sees_a_message_from_another_wire_user(
    kamailio: Kamailio, portsip_wire_library: str, wire_lib_factory: WireLibFactory
) -> None:
    bob = wire_lib_factory("bob", server=kamailio)
    bob.register_server(60)
    server = ["--server", f"{kamailio.host}:{kamailio.port}", "--password-env", "SIP_PASSWORD"]
    account = ["--user", "alice", "--domain", kamailio.domain, *server]
    watch = subprocess.Popen(
        [console_script("portsip"), "--wire", "--quiet", "watch", *account, "--json", "--count", "2", "--timeout", str(TIMEOUT)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(PACKAGE_PARENT),
        env=environment(portsip_wire_library),
    )  # fmt: skip
    try:
        assert watch.stdout is not None
        first = watch.stdout.readline()  # RegisterSuccess: alice is there
        assert '"event": "RegisterSuccess"' in first, first + (watch.stderr.read() if watch.stderr else "")
        bob.send_text(f"sip:alice@{kamailio.domain}", "over the wire").result(TIMEOUT)
        second = watch.stdout.readline()
        assert '"event": "RecvOutOfDialogMessage"' in second and '"text": "over the wire"' in second
        assert watch.wait(TIMEOUT) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()


def test_wire_excludes_the_other_library_choices() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portsip", "--wire", "--stub", "send", "sip:x@y", "z"], capture_output=True, text=True, timeout=60,
        cwd=str(PACKAGE_PARENT),
    )  # fmt: skip
    assert result.returncode == 2 and "--stub and --wire exclude each other" in result.stderr
