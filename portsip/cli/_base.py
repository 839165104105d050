"""What the commands of ``portsip`` share: exit codes, the library and the account a command runs
on, its output, and the parsing helpers. The command table is :func:`portsip.cli.build_parser`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import ipaddress
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from .. import _loader
from .._console import OutputError, Stdout, abandon_stdout, describe_write_error
from .._lib import PortSIPLib
from ..enums import TransportType
from ..errors import LibraryLoadError
from ..events import RegisterFailure, RegisterSuccess
from ..trace import event_json as event_json

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

EXIT_OK = 0
EXIT_FAILED = 1  # the message was refused, the SDK returned an error, or events were lost
EXIT_USAGE = 2  # bad arguments
EXIT_NO_LIBRARY = 3  # the SDK library could not be loaded (or the stub not built)
EXIT_NOT_REGISTERED = 4  # the registration with --server failed
EXIT_TIMEOUT = 5  # no answer in time
EXIT_OUTPUT = 6  # stdout could not be written (a full disk, a closed pipe)
EXIT_INTERRUPTED = 130  # Ctrl-C (ends watch and presence normally, with 0)
EXIT_TERMINATED = 143  # SIGTERM (ends watch and presence normally, with 0)

EXIT_CODES = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILED}    the message was refused, the SDK returned an error, or events were lost
  {EXIT_USAGE}    bad arguments
  {EXIT_NO_LIBRARY}    the SDK library could not be loaded (doctor: or it lacks functions)
  {EXIT_NOT_REGISTERED}    the registration with --server failed
  {EXIT_TIMEOUT}    no answer in time
  {EXIT_OUTPUT}    stdout could not be written (a full disk, a closed pipe)
  {EXIT_INTERRUPTED}  interrupted by Ctrl-C (watch and presence end with 0)
  {EXIT_TERMINATED}  terminated by SIGTERM (watch and presence end with 0)"""

LICENSE_ENV_VAR = "PORTSIP_LICENSE_KEY"
STUB_DOMAIN = "example.com"
STUB_USER = "alice"
REGISTER_TIMEOUT = 30.0
#: Marks what the stub answered, so it is never taken for the SDK's answer.
STUB_MARK = " [stub]"


class CommandError(Exception):
    """Ends the command with one line on stderr and ``exit_code``."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(BaseException):
    """SIGTERM arrived (outside watch and presence, which end normally on it)."""


# ---- output --------------------------------------------------------------------------------------


class Output:
    """Lines to stdout from the handler thread, up to ``limit``; ends on a write error, a signal, or the limit."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0
        self.done = threading.Event()
        self.stdout = Stdout()

    def line(self, text: str) -> None:
        if self.done.is_set():
            return
        if not self.stdout.line(text):  # stdout failed: stop; the main thread reports it
            self.done.set()
            return
        self.count += 1
        if self.limit is not None and self.count >= self.limit:
            self.done.set()

    def wait(self, timeout: float | None) -> None:
        """Until ``limit`` lines are out, ``timeout`` seconds have passed, a write failed, or a signal."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done.is_set():
            # Short waits, so that signal handlers run soon on every platform.
            remaining = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if remaining <= 0:
                break
            self.done.wait(remaining)
        self.done.set()  # nothing after the end is printed

    @contextlib.contextmanager
    def ends_on_signals(self) -> Iterator[None]:
        """Ctrl-C and SIGTERM (systemd, Docker) end the output instead of raising, so they cannot
        cut short the SDK's shutdown: the instance still closes (and unregisters)."""
        previous = {number: signal.signal(number, self._stop) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.done.set()


# ---- the library and the account -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Library:
    """The library a command runs on."""

    argument: str | None  # what PortSIPLib() is given: None lets it find the SDK its own way
    path: str  # the file loaded
    on_stub: bool  # chosen with --stub (or by the demo): the echo user and the stub's default account
    is_stub: bool  # the file is the stub, however it was chosen: its answers are marked as the stub's


_SIMULATED = "simulated answers, nothing reaches a network"
_ORIGINS = {"argument": "--library", "environment": f"${_loader.ENV_VAR}", "default": "its default name on the loader's path"}


def _announce(options: argparse.Namespace, text: str) -> None:
    if not options.quiet:
        _stderr(f"portsip: {text}")


def _stub(options: argparse.Namespace, *, stub_by_default: bool = False) -> str | None:
    """The stub's path when the options ask for it (--stub or --wire; or ``stub_by_default`` and no
    --library: the demo), else None."""
    chosen = [name for name, given in (("--stub", options.stub), ("--wire", options.wire), ("--library", options.library)) if given]
    if len(chosen) > 1:
        raise CommandError(EXIT_USAGE, f"{' and '.join(chosen)} exclude each other")
    if not (options.stub or options.wire or (stub_by_default and options.library is None)):
        return None
    from ..testing import StubBuildError, stub_library_path  # test doubles: only when asked for

    try:
        return stub_library_path(wire=bool(options.wire))
    except StubBuildError as exc:
        raise CommandError(EXIT_NO_LIBRARY, str(exc)) from None


def load_library(options: argparse.Namespace, *, stub_by_default: bool = False) -> Library:
    """Load the library the options ask for (load errors come before anything else) and say which on stderr.

    The stub only when asked for; otherwise the SDK as PortSIPLib() finds it, by the loader's own resolution.
    """
    stub = _stub(options, stub_by_default=stub_by_default)
    if stub is not None and options.wire:  # real SIP: the answers are the network's, not the stub's
        path = _loader.load_library(stub).path
        _announce(options, f"on the stub's wire build {path}: real SIP from this host (docs/testing-real-server.md)")
        return Library(path, path, on_stub=False, is_stub=False)
    if stub is not None:
        path = _loader.load_library(stub).path
        _announce(options, f"on the stub library {path}: {_SIMULATED}")
        return Library(path, path, on_stub=True, is_stub=True)
    origin = _loader.resolve(options.library).origin
    loaded = _loader.load_library(options.library)
    is_stub = _loader.is_stub_library(loaded.path)
    stub_note = f": it is portsip's stub, {_SIMULATED}" if is_stub else ""
    _announce(options, f"SDK library {loaded.path} (from {_ORIGINS[origin]}){stub_note}")
    return Library(options.library, loaded.path, on_stub=False, is_stub=is_stub)


@dataclasses.dataclass(frozen=True)
class Account:
    user: str
    display_name: str
    domain: str
    server: tuple[str, int] | None
    password: str
    transport: TransportType
    local_ip: str
    local_port: int

    @property
    def uri(self) -> str:
        return f"sip:{self.user}@{self.domain}" if self.domain else f"sip:{self.user}"


def account_from(options: argparse.Namespace, on_stub: bool) -> Account:
    user = options.user or (STUB_USER if on_stub else None)
    if not user:
        raise CommandError(EXIT_USAGE, "--user is needed with the SDK library or on the wire (or --stub to try the command on the stub)")
    domain = options.domain if options.domain is not None else (STUB_DOMAIN if on_stub else "")
    return Account(
        user=user,
        display_name=options.display_name,
        domain=domain,
        server=options.server,
        password=_password(options, f"{user}@{domain}" if domain else user),
        transport=TransportType[options.transport.upper()],
        local_ip=options.local_ip,
        # on the wire any free port by default: a SIP server on this host may hold 5060
        local_port=options.local_port if options.local_port is not None else (0 if options.wire else 5060),
    )


def _password(options: argparse.Namespace, who: str) -> str:
    if options.password_env:
        if options.password_env not in os.environ:
            raise CommandError(EXIT_USAGE, f"--password-env: ${options.password_env} is not set")
        return os.environ[options.password_env]
    if options.server is None:
        return ""  # P2P: no server to authenticate with
    if not sys.stdin.isatty():
        raise CommandError(EXIT_USAGE, "--server needs a password: pass --password-env VAR (no terminal to ask on)")
    return getpass.getpass(f"SIP password for {who}: ")


@dataclasses.dataclass(frozen=True)
class Session:
    lib: PortSIPLib
    library: Library
    account: Account


@contextlib.contextmanager
def signed_in(options: argparse.Namespace, prepare: Callable[[PortSIPLib], None] = lambda lib: None) -> Iterator[Session]:
    """An initialized PortSIPLib for the account in ``options``, registered if ``--server``.

    ``prepare(lib)`` runs before anything can arrive (install handlers there). On the stub the
    echo user starts next and greets the account. On leaving, the instance closes (and so
    unregisters); an exception a handler raised then ends the command (exit 1).
    """
    library = load_library(options)
    with contextlib.ExitStack() as stack:
        lib = stack.enter_context(PortSIPLib(library.argument))
        account = account_from(options, library.on_stub)
        lib.initialize(transport=account.transport, local_ip=account.local_ip, local_sip_port=account.local_port)
        if os.environ.get(LICENSE_ENV_VAR):
            lib.set_license_key(os.environ[LICENSE_ENV_VAR])
        host, port = account.server or ("", 5060)
        lib.set_user(
            account.user,
            display_name=account.display_name,
            password=account.password,
            sip_domain=account.domain,
            sip_server_addr=host,
            sip_server_port=port,
        )
        prepare(lib)
        if account.server is not None:
            _register(lib, account)
        if library.on_stub:
            from ..testing.echo import ECHO_USER, EchoUser  # test doubles: only on the stub

            if account.user != ECHO_USER:
                echo = stack.enter_context(EchoUser(library.path, account.domain))
                echo.greet(account.uri)
        yield Session(lib, library, account)
    lib.check_errors()


def _register(lib: PortSIPLib, account: Account) -> None:
    lib.register_server()
    try:
        outcome = lib.wait_for((RegisterSuccess, RegisterFailure), timeout=REGISTER_TIMEOUT)
    except TimeoutError:
        raise CommandError(EXIT_TIMEOUT, f"no answer to the registration within {REGISTER_TIMEOUT:g} s") from None
    if isinstance(outcome, RegisterFailure):
        raise CommandError(
            EXIT_NOT_REGISTERED, f"registration of {account.uri} failed: {outcome.status_code} {outcome.status_text}"
        )


def _nothing_lost(lib: PortSIPLib) -> None:
    """An event the binding had to drop (a budget was full: stdout too slow) was not printed: say so."""
    stats = lib.stats
    dropped = stats["dropped_events"] + stats["handler_dropped"]
    if dropped:
        raise CommandError(EXIT_FAILED, f"{dropped} event(s) were dropped, not printed: stdout was too slow to keep up")


# ---- parsing ------------------------------------------------------------------------------------


class _Formatter(argparse.HelpFormatter):
    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:  # a table (the exit codes): keep its lines
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: "--password x" must not quietly mean "--password-env x".
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the usage is one --help away.
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse ignores a failed write, and --help > /dev/full would end with 0.
        stream = file or sys.stderr
        try:
            stream.write(message)
            getattr(stream, "flush", lambda: None)()
        except OSError as exc:
            if stream is sys.stdout:
                abandon_stdout()
                raise OutputError(f"cannot write to stdout: {describe_write_error(exc)}") from None


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


def _server(text: str) -> tuple[str, int]:
    """HOST, HOST:PORT, [IPv6] or [IPv6]:PORT (an IPv6 address without brackets: no port)."""
    bad = argparse.ArgumentTypeError(f"not HOST or HOST:PORT: {text!r}")
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise bad
        port_text = rest[1:] if rest else "5060"
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad from None
    elif text.count(":") > 1:  # a bare IPv6 address
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise bad from None
        host, port_text = text, "5060"
    else:
        host, colon, port_text = text.partition(":")
        if not colon:
            port_text = "5060"
        if not _HOST_NAME.match(host):
            raise bad
    if not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
        raise bad
    return host, int(port_text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0 to 65535): {text!r}")
    return int(text)


def _mime(text: str) -> tuple[str, str]:
    mime_type, slash, sub_mime_type = text.partition("/")
    if not (mime_type and slash and sub_mime_type):
        raise argparse.ArgumentTypeError(f"not TYPE/SUBTYPE: {text!r}")
    return mime_type, sub_mime_type


def _library_options(parser: argparse.ArgumentParser, *, in_command: bool) -> None:
    """--library, --stub and --quiet: before the command (``portsip --stub send``) or after it.

    In a command they default to "not given" (SUPPRESS), so that they do not undo the same
    option given before the command.
    """
    library_default = argparse.SUPPRESS if in_command else None
    flag_default = argparse.SUPPRESS if in_command else False
    group = parser.add_argument_group("library")
    group.add_argument(
        "--library", metavar="PATH", default=library_default,
        help=f"the PortSIP SDK library (default: ${_loader.ENV_VAR}, else its default name on the loader's path)",
    )  # fmt: skip
    group.add_argument(
        "--stub", action="store_true", default=flag_default,
        help="run on portsip's stub library (built on first use), which simulates the SDK: nothing reaches a network",
    )  # fmt: skip
    group.add_argument(
        "--wire", action="store_true", default=flag_default,
        help="run on the stub's wire build, which speaks real SIP over UDP or TCP (needs libre-dev; not on Windows)",
    )  # fmt: skip
    group.add_argument("--quiet", action="store_true", default=flag_default, help="do not say on stderr which library was loaded")


def _parents(options: str) -> list[argparse.ArgumentParser]:
    """The shared options of a command: "none", "library" (--library, --stub, --quiet) or "account"
    (those and the account's)."""
    if options == "none":  # a command that loads no library (replay)
        return []
    library = _Parser(add_help=False)
    _library_options(library, in_command=True)
    if options == "library":
        return [library]
    if options != "account":
        raise ValueError(f"options must be 'none', 'library' or 'account', not {options!r}")
    account = _Parser(add_help=False, parents=[library])
    group = account.add_argument_group(
        "account",
        f"On the stub the default account is {STUB_USER}@{STUB_DOMAIN}. The password is read from the "
        f"variable --password-env names, or asked for on the terminal; never from the command line. "
        f"${LICENSE_ENV_VAR}, if set, is the SDK's license key.",
    )
    group.add_argument("--user", help="SIP user name (needed with the SDK library)")
    group.add_argument("--display-name", default="", metavar="NAME", help="display name")
    group.add_argument("--domain", help=f"SIP domain (default on the stub: {STUB_DOMAIN})")
    group.add_argument(
        "--server", type=_server, metavar="HOST[:PORT]", help="register with this SIP server (default: P2P, no registration)"
    )
    group.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    group.add_argument("--transport", choices=["udp", "tcp", "tls"], default="udp", help="SIP transport (default: udp)")
    group.add_argument("--local-ip", default="0.0.0.0", metavar="IP", help="local IP address to bind (default: 0.0.0.0)")
    group.add_argument(
        "--local-port", type=_port, metavar="PORT", help="local SIP port (default: 5060; with --wire 0, any free port)"
    )
    return [account]


def add_command(
    commands: argparse._SubParsersAction[Any], name: str, run: Callable[[argparse.Namespace], int], summary: str, options: str
) -> argparse.ArgumentParser:
    """Add the command ``name`` with the shared ``options`` ("none", "library" or "account", see :func:`_parents`),
    its help and the exit codes; ``run(options)`` returns the exit code. A module that brings its own
    commands calls this with the "commands" subparsers of :func:`build_parser`, and runs on
    :func:`signed_in` (account commands) or :func:`load_library` like the commands here."""
    sub: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, parents=_parents(options), epilog=EXIT_CODES, formatter_class=_Formatter
    )
    sub.set_defaults(run=run)
    return sub


def _until(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--count", type=_positive(int), metavar="N", help=f"stop after N {what}")
    parser.add_argument("--timeout", type=_positive(float), metavar="SECONDS", help="stop after this many seconds")
    parser.add_argument("--json", action="store_true", help="one JSON object per event (see docs/cli.md)")


def _load_failure(exc: LibraryLoadError) -> str:
    if exc.missing:
        return f"{exc.tried[0][0]} is not the PortSIP SDK: it lacks {len(exc.missing)} function(s), e.g. {exc.missing[0]}"
    if exc.tried:
        return "cannot load the SDK library: " + "; ".join(f"{path}: {reason}" for path, reason in exc.tried)
    return str(exc)


def _stderr(text: str) -> None:
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr is gone too: the exit code is all that is left
        pass


def _fail(exit_code: int, message: str) -> int:
    _stderr(f"portsip: {message}")
    return exit_code


class _OneLineFormatter(logging.Formatter):
    """The binding's log records (a handler that raised, dropped events) as one line each, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"portsip: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        return " ".join(text.split())


@contextlib.contextmanager
def _command_environment() -> Iterator[None]:
    """One-line log records on stderr, and SIGTERM as an exception that closes what is open."""
    logger = logging.getLogger("portsip")
    handler: logging.Handler | None = None
    if not logger.handlers:  # the command's own process: nobody configured logging
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLineFormatter())
        logger.addHandler(handler)

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if handler is not None:
            logger.removeHandler(handler)


