"""Real SIP parts for tests, started on 127.0.0.1: Kamailio (a registrar, MESSAGE relay and presence
server) and SIPp scenarios. The pytest fixtures in :mod:`portsip.testing.fixtures` use them; they work
without pytest too::

    from portsip.testing.servers import Kamailio

    with Kamailio.start(tmp_dir, users={"alice": "secret"}) as server:
        print(server.host, server.port, server.domain)   # register alice there with her password

Both need their Debian packages (``kamailio kamailio-presence-modules``, ``sip-tester``); a missing one
raises :class:`MissingTool`, whose message says what to install. The configuration Kamailio runs is
``portsip/testing/data/kamailio.cfg``: test only, an open relay on loopback, all state in memory, one
fresh server per use so nothing leaks from one test into the next.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from ..errors import PortSIPError

__all__ = ["MissingTool", "Kamailio", "Sipp", "free_port", "wait_for_sip"]

DATA = Path(__file__).resolve().parent / "data"
#: Where Debian (and other distributions) put Kamailio's modules.
KAMAILIO_MODULE_DIRS = (
    "/usr/lib/x86_64-linux-gnu/kamailio/modules",
    "/usr/lib/aarch64-linux-gnu/kamailio/modules",
    "/usr/lib64/kamailio/modules",
    "/usr/lib/kamailio/modules",
    "/usr/local/lib64/kamailio/modules",
    "/usr/local/lib/kamailio/modules",
)
_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")  # Kamailio lives there, often not on a user's PATH
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class MissingTool(PortSIPError):
    """A program the test needs is not installed; the message names the package to install."""


def find_program(name: str, package: str) -> str:
    """The path of ``name`` on PATH or in the sbin directories, else :class:`MissingTool`."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN))
    if found is None:
        raise MissingTool(f"{name} is not installed: apt-get install {package}")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free for both UDP and TCP on ``host`` right now (SIP servers listen on both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise OSError(f"no port free for both UDP and TCP on {host}")


def _probe(host: str, port: int, sock: socket.socket) -> str | None:
    """Send one OPTIONS and return the status line of the answer, if one came within 50 ms."""
    call_id = uuid.uuid4().hex
    local_port = sock.getsockname()[1]
    request = (
        f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{local_port};branch=z9hG4bK{call_id[:16]};rport\r\n"
        f"Max-Forwards: 70\r\nFrom: <sip:probe@{host}>;tag={call_id[:8]}\r\nTo: <sip:{host}:{port}>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
    sock.sendto(request.encode(), (host, port))
    try:
        answer = sock.recv(65536)
    except TimeoutError:
        return None
    return answer.split(b"\r\n", 1)[0].decode("utf-8", "replace")


def wait_for_sip(
    host: str, port: int, timeout: float = READY_TIMEOUT, expect: str | None = None, process: subprocess.Popen[bytes] | None = None
) -> str:
    """Wait until a SIP server answers OPTIONS on UDP ``host:port`` (with ``expect`` in its status line,
    if given); its status line. TimeoutError after ``timeout`` seconds, or as soon as ``process`` (the
    server, if we started it) has ended."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        sock.settimeout(0.05)
        while time.monotonic() < deadline and (process is None or process.poll() is None):
            line = _probe(host, port, sock)
            if line and line.startswith("SIP/2.0 ") and (expect is None or expect in line):
                return line
    raise TimeoutError(f"no SIP server answered OPTIONS on {host}:{port} within {timeout} s")


def server_environment() -> dict[str, str]:
    """The environment of a server we start: ours without LD_PRELOAD (a sanitizer run preloads its
    runtime for our libraries; Kamailio and SIPp are not ours to check, and not built for it)."""
    return {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


def _stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group (Kamailio's children with it), SIGKILL it if it is still there after
    ``timeout`` seconds."""
    if process.poll() is not None:
        return
    if sys.platform == "win32":  # no process groups (nor Kamailio, nor SIPp): the process alone
        process.kill()
        process.wait(timeout)
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
    except ProcessLookupError:
        pass


class _Process:
    """A server or client process we started: stopped by :meth:`stop` or at the end of a ``with``."""

    _process: subprocess.Popen[bytes]

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        _stop(self._process)

    def __enter__(self: _P) -> _P:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()


_P = TypeVar("_P", bound=_Process)


@dataclass
class Kamailio(_Process):
    """A Kamailio server on 127.0.0.1 (UDP and TCP on one port), in a directory of its own."""

    host: str
    port: int
    domain: str
    #: user -> password, when the server asks for digest authentication (else empty: no authentication)
    users: Mapping[str, str]
    directory: Path
    _process: subprocess.Popen[bytes] = field(repr=False)

    @classmethod
    def start(
        cls, directory: Path | str, *, users: Mapping[str, str] | None = None, domain: str = "example.test", host: str = "127.0.0.1"
    ) -> Kamailio:
        """Start a server in ``directory`` (created) and return it once it answers OPTIONS.

        ``users`` (user -> password) turns digest authentication on: REGISTER is challenged (401) and
        every other request from the domain's users too (407); a wrong password gets 403.
        """
        program = find_program("kamailio", "kamailio kamailio-presence-modules")
        modules = next((d for d in KAMAILIO_MODULE_DIRS if os.path.isfile(os.path.join(d, "presence_xml.so"))), None)
        if modules is None:
            raise MissingTool("Kamailio's presence modules are not installed: apt-get install kamailio-presence-modules")
        work = Path(directory)
        work.mkdir(parents=True, exist_ok=True)
        dbtext = work / "dbtext"  # empty tables of the presence modules: this server's states, gone with it
        shutil.copytree(DATA / "kamailio-dbtext", dbtext, dirs_exist_ok=True)
        config = work / "kamailio.cfg"
        config.write_text(_render(users or {}), encoding="utf-8")
        token = f"Ready-{secrets.token_hex(6)}"  # only this server's answer counts as ready
        log = (work / "kamailio.log").open("wb")
        for _ in range(3):  # a port taken between choosing and binding: choose another
            port = free_port(host)
            command = [
                # 256 MiB of shared memory: a transaction stays there for seconds after its answer, and a
                # benchmark keeps thousands of them (touched pages only: a test uses a few MiB)
                program, "-f", str(config), "-DD", "-E", "-m", "256", "-M", "8", "-L", modules, "-Y", str(work),
                "-l", f"udp:{host}:{port}", "-l", f"tcp:{host}:{port}",
                "-A", f'DBURL="text://{dbtext}"', "-A", f'DOMAIN="{domain}"', "-A", f'PROBE="{token}"',
                *(["-A", "WITH_AUTH"] if users else []),
            ]  # fmt: skip
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=work, start_new_session=True, env=server_environment()
            )
            try:
                wait_for_sip(host, port, expect=token, process=process)
            except TimeoutError:
                _stop(process)
                continue
            log.close()
            return cls(host, port, domain, dict(users or {}), work, process)
        log.close()
        raise PortSIPError(f"Kamailio did not start; its log:\n{(work / 'kamailio.log').read_text(errors='replace')[-4000:]}")

    def uri(self, user: str) -> str:
        """The address of ``user`` in the server's domain."""
        return f"sip:{user}@{self.domain}"

    @property
    def log(self) -> str:
        """What the server logged (every request it received is one "RX" line)."""
        return (self.directory / "kamailio.log").read_text(errors="replace")



def _render(users: Mapping[str, str]) -> str:
    """The configuration, with a password line for each user in place of the users marker."""
    text = (DATA / "kamailio.cfg").read_text(encoding="utf-8")
    for name, password in users.items():
        for value in (name, password):
            if not value or any(c in value for c in '"\\\r\n$'):
                raise ValueError(f"test users and passwords must be plain text without quotes, backslashes or $: {value!r}")
    lines = "\n".join(f'\tif ($au == "{name}") $var(password) = "{password}";' for name, password in users.items())
    return text.replace("\t# @USERS@ (portsip.testing.servers sets $var(password) for each test user here)", lines)


@dataclass
class Sipp(_Process):
    """One SIPp run of a scenario (``sip-tester``), as a process: its exit code says whether it went as
    the scenario says (0), failed (1) or timed out."""

    port: int
    directory: Path
    _process: subprocess.Popen[bytes] = field(repr=False)

    #: the scenarios shipped in portsip/testing/data/sipp (the file name without .xml)
    SCENARIOS = (
        "uas_message",  # answers MESSAGEs with the status given (code=..., reason=...)
        "uas_register_slow",  # grants a REGISTER at once, answers the unREGISTER after it 0.3 s later
        "uac_message",  # sends one MESSAGE to [service]@remote, expects 200
        "uac_notify",  # sends an unsolicited message-summary NOTIFY, expects 200
        "uas_subscribe_mwi",  # answers a message-summary SUBSCRIBE and NOTIFYs voicemail counts; then the unSUBSCRIBE
        "uas_subscribe_dialog",  # the same for a dialog (BLF) SUBSCRIBE and a dialog-info NOTIFY
        "uac_malformed",  # sends malformed requests and one with an oversized body, expects nothing
        "uas_invite",  # answers an INVITE 180, 200 (SDP); after the ACK, hangs up (BYE)
        "uas_invite_reject",  # answers an INVITE 180, then the status given (code=486, reason="Busy Here")
        "uas_invite_vanish",  # answers an INVITE 200 (SDP), takes the ACK, and is gone (no BYE)
        "uac_invite",  # calls [service]@remote with an SDP offer, ACKs the 200, then hangs up (BYE)
        "uac_invite_bad_sdp",  # calls [service]@remote with an offer that is not SDP, expects 488
    )

    @classmethod
    def start(
        cls,
        scenario: str,
        directory: Path | str,
        *,
        remote: str | None = None,
        transport: str = "udp",
        code: int = 200,
        reason: str = "OK",
        service: str = "bob",
        calls: int = 1,
        timeout: float = 20.0,
        extra: Sequence[str] = (),
        host: str = "127.0.0.1",
    ) -> Sipp:
        """Run ``scenario`` on a free port of ``host``: as a server (uas_*) it waits there, as a client
        (uac_*) it sends to ``remote`` ("host:port"). ``code``/``reason``: the status uas_message answers.
        It ends by itself after ``calls`` calls or ``timeout`` seconds."""
        if scenario not in cls.SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(cls.SCENARIOS)}")
        if transport not in ("udp", "tcp"):
            raise ValueError(f"transport must be 'udp' or 'tcp', not {transport!r}")
        program = find_program("sipp", "sip-tester")
        work = Path(directory)
        work.mkdir(parents=True, exist_ok=True)
        text = (DATA / "sipp" / f"{scenario}.xml").read_text(encoding="utf-8")
        # SIPp checks a scenario's status lines when it loads it: the code is written into a copy
        text = text.replace("SIP/2.0 200 OK\n      [last_Via:]", f"SIP/2.0 {int(code)} {reason}\n      [last_Via:]")
        if scenario == "uac_malformed":  # over what libre reads of a datagram (8 KiB), within what SIPp sends
            text = text.replace("[oversized]", "x" * 60_000)
        file = work / f"{scenario}-{code}.xml"
        file.write_text(text, encoding="utf-8")
        port = free_port(host)
        command = [
            program, "-sf", str(file), "-i", host, "-p", str(port), "-t", "u1" if transport == "udp" else "t1",
            "-m", str(calls), "-timeout", f"{timeout}s", "-timeout_error", "-nostdin", "-s", service,
            "-trace_msg", "-message_file", str(work / f"{scenario}-messages.log"),
            "-trace_err", "-error_file", str(work / f"{scenario}-errors.log"),
            *extra, *([remote] if remote else []),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=work, start_new_session=True, env=server_environment()
        )
        sipp = cls(port, work, process)
        if not remote:
            sipp._wait_bound(host, transport)
        return sipp

    def _wait_bound(self, host: str, transport: str, timeout: float = 5.0) -> None:
        """Wait until the server scenario listens on its port."""
        deadline = time.monotonic() + timeout
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        while time.monotonic() < deadline and self._process.poll() is None:
            with socket.socket(socket.AF_INET, kind) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
                try:
                    probe.bind((host, self.port))
                except OSError:
                    return  # taken: SIPp is there
            time.sleep(0.02)
        raise PortSIPError(f"SIPp did not listen on {host}:{self.port}: {self.errors}")

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for SIPp to end; its exit code (0: every call went as the scenario says)."""
        try:
            return self._process.wait(timeout)
        finally:
            _stop(self._process)

    @property
    def messages(self) -> str:
        """Every SIP message SIPp sent and received."""
        return self._read(next(iter(self.directory.glob("*-messages.log")), None))

    @property
    def errors(self) -> str:
        return self._read(next(iter(self.directory.glob("*-errors.log")), None))

    @staticmethod
    def _read(path: Path | None) -> str:
        return path.read_text(errors="replace") if path and path.is_file() else ""
