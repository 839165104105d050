"""The ``portsip`` command (also ``python -m portsip``): the demo, and your account from a shell.

    portsip demo                     two users follow each other's presence and chat
    portsip send URI TEXT            send one MESSAGE; the exit code is its outcome
    portsip watch [--json]           print every SDK event as it arrives
    portsip presence [URI ...]       follow contacts' presence; --status TEXT sets your own

Every command runs on the stub library unless ``--library`` or ``$PORTSIP_SDK_LIBRARY`` names
the SDK. On the stub the commands have someone to talk to: a second user, ``echo`` in your
domain, answers every MESSAGE (text/plain or application/json) with the same body, accepts
every presence subscription with the status "Available", and at the start subscribes to your
presence and says hello.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import errno
import getpass
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

from . import __version__
from ._console import make_console_streams_safe
from ._lib import PortSIPLib
from ._loader import ENV_VAR as LIBRARY_ENV_VAR
from .enums import TransportType
from .errors import ClosedError, InvalidArgumentError, LibraryLoadError, SDKError, SendFailedError
from .events import (
    Event,
    MessageEvent,
    PresenceRecvSubscribe,
    RecvOutOfDialogMessage,
    RegisterFailure,
    RegisterSuccess,
)
from .testing._build import StubBuildError

EXIT_OK = 0
EXIT_FAILED = 1  # the message was refused, or the SDK returned an error
EXIT_USAGE = 2  # bad arguments
EXIT_NO_LIBRARY = 3  # the SDK library could not be loaded (or the stub not built)
EXIT_NOT_REGISTERED = 4  # the registration with --server failed
EXIT_TIMEOUT = 5  # no answer in time
EXIT_INTERRUPTED = 130  # Ctrl-C (ends watch and presence normally, with 0)

EXIT_CODES = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILED}    the message was refused, or the SDK returned an error
  {EXIT_USAGE}    bad arguments
  {EXIT_NO_LIBRARY}    the SDK library could not be loaded
  {EXIT_NOT_REGISTERED}    the registration with --server failed
  {EXIT_TIMEOUT}    no answer in time
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C; watch and presence end with 0)"""

LICENSE_ENV_VAR = "PORTSIP_LICENSE_KEY"
STUB_DOMAIN = "example.com"
STUB_USER = "alice"
ECHO_USER = "echo"
REGISTER_TIMEOUT = 30.0


class CommandError(Exception):
    """Ends the command with one line on stderr and ``exit_code``."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# ---- output --------------------------------------------------------------------------------------


def event_json(event: Event) -> str:
    """One JSON object: "event" (the class name), then the fields; bytes in base64, plus "text"
    (the decoded body) for message events. ASCII only: other characters as \\u escapes, and
    bytes that were not UTF-8 as \\udcXX (Python's surrogateescape)."""
    record: dict[str, object] = {"event": type(event).__name__}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        record[field.name] = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
    if isinstance(event, MessageEvent):
        record["text"] = event.text
    return json.dumps(record)


def _reader_gone(exc: OSError) -> bool:
    """Whether a write to stdout failed because its pipe has no reader any more: EPIPE, or on
    Windows EINVAL, which the C runtime reports for a pipe whose reading end is closed."""
    return isinstance(exc, BrokenPipeError) or (sys.platform == "win32" and exc.errno == errno.EINVAL)


class Output:
    """Lines to stdout from the handler thread; stops quietly if the reader goes away (``| head``)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0
        self.done = threading.Event()

    def line(self, text: str) -> None:
        if self.done.is_set():
            return
        try:
            print(text, flush=True)
        except OSError as exc:
            if not _reader_gone(exc):
                raise
            # Nobody reads any more: send the rest to devnull so the exit does not complain.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.done.set()
            return
        self.count += 1
        if self.limit is not None and self.count >= self.limit:
            self.done.set()

    def wait(self, timeout: float | None) -> None:
        """Until ``limit`` lines are out, ``timeout`` seconds have passed, or Ctrl-C (see ctrl_c_ends)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done.is_set():
            # Short waits, so that the Ctrl-C handler runs soon on every platform.
            remaining = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if remaining <= 0:
                break
            self.done.wait(remaining)
        self.done.set()  # nothing after the end is printed

    @contextlib.contextmanager
    def ctrl_c_ends(self) -> Iterator[None]:
        """Ctrl-C ends the output instead of raising KeyboardInterrupt, so it cannot cut short
        the SDK's shutdown (an SDK left running would call into a finalizing interpreter)."""
        previous = signal.signal(signal.SIGINT, lambda signum, frame: self.done.set())
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


# ---- the account, and the stub's echo user ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Account:
    library: str
    on_stub: bool
    user: str
    display_name: str
    domain: str
    server: tuple[str, int] | None
    password: str
    transport: TransportType
    local_port: int

    @property
    def uri(self) -> str:
        return f"sip:{self.user}@{self.domain}" if self.domain else f"sip:{self.user}"


def library_from(options: argparse.Namespace) -> tuple[str, bool]:
    """(the SDK library to load, whether it is the stub): --library, $PORTSIP_SDK_LIBRARY, the stub."""
    library = options.library or os.environ.get(LIBRARY_ENV_VAR)
    if library:
        return library, False
    from .testing import stub_library_path

    return stub_library_path(), True


def account_from(options: argparse.Namespace) -> Account:
    library, on_stub = library_from(options)
    user = options.user or (STUB_USER if on_stub else None)
    if not user:
        raise CommandError(EXIT_USAGE, "--user is needed with the SDK library")
    domain = options.domain if options.domain is not None else (STUB_DOMAIN if on_stub else "")
    return Account(
        library=library,
        on_stub=on_stub,
        user=user,
        display_name=options.display_name,
        domain=domain,
        server=options.server,
        password=_password(options, f"{user}@{domain}" if domain else user),
        transport=TransportType[options.transport.upper()],
        local_port=options.local_port,
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


class EchoUser:
    """echo@<domain> on the stub: answers MESSAGEs with the same body, accepts watchers, says hello."""

    def __init__(self, library: str, domain: str) -> None:
        self.lib = PortSIPLib(library)
        self.lib.initialize(local_sip_port=0)
        self.lib.set_user(ECHO_USER, display_name="Echo", sip_domain=domain)
        self.lib.add_supported_mime_type("MESSAGE", "application", "json")  # besides text/plain
        self.lib.on(RecvOutOfDialogMessage, self._answer)
        self.lib.on(PresenceRecvSubscribe, self._accept)

    def _answer(self, event: RecvOutOfDialogMessage) -> None:
        with contextlib.suppress(ClosedError):  # the command is ending: no one is left to answer
            self.lib.send_out_of_dialog_message(event.from_uri, event.mime_type, event.sub_mime_type, event.data)

    def _accept(self, event: PresenceRecvSubscribe) -> None:
        with contextlib.suppress(ClosedError):
            self.lib.presence_accept_subscribe(event.subscribe_id)
            self.lib.set_presence_status(event.subscribe_id, "Available")

    def greet(self, uri: str) -> None:
        self.lib.presence_subscribe(uri, subject="echo would like to see your status")
        self.lib.send_out_of_dialog_message(uri, "text", "plain", b"hello from echo")


@contextlib.contextmanager
def signed_in(options: argparse.Namespace, prepare: Callable[[PortSIPLib], None] = lambda lib: None) -> Iterator[PortSIPLib]:
    """An initialized PortSIPLib for the account in ``options``, registered if ``--server``.

    ``prepare(lib)`` runs before anything can arrive (install handlers there). On the stub the
    echo user starts next and greets the account.
    """
    account = account_from(options)
    with contextlib.ExitStack() as stack:
        lib = stack.enter_context(PortSIPLib(account.library))
        lib.initialize(transport=account.transport, local_sip_port=account.local_port)
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
        if account.on_stub and account.user != ECHO_USER:
            echo = EchoUser(account.library, account.domain)
            stack.callback(echo.lib.close)
            echo.greet(account.uri)
        yield lib


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


# ---- the commands --------------------------------------------------------------------------------


def run_demo(options: argparse.Namespace) -> int:
    from . import demo

    demo.run(library_from(options)[0])
    return EXIT_OK


def run_send(options: argparse.Namespace) -> int:
    mime_type, sub_mime_type = options.type
    body = sys.stdin.buffer.read() if options.text == "-" else options.text.encode("utf-8", "surrogateescape")
    with signed_in(options) as lib:
        receipt = lib.send_out_of_dialog_message_with_receipt(
            options.to, mime_type, sub_mime_type, body, is_sms=options.sms, timeout=options.timeout
        )
        try:
            receipt.result()
        except TimeoutError:
            raise CommandError(EXIT_TIMEOUT, f"no answer from {options.to} within {options.timeout:g} s") from None
        except SendFailedError as failure:
            raise CommandError(EXIT_FAILED, f"{options.to} refused the message: {failure.code} {failure.reason}") from None
    print(f"delivered to {options.to}")
    return EXIT_OK


def run_watch(options: argparse.Namespace) -> int:
    output = Output(options.count)
    show: Callable[[Event], str] = event_json if options.json else repr

    def prepare(lib: PortSIPLib) -> None:
        lib.on(Event, lambda event: output.line(show(event)))
        for mime_type, sub_mime_type in options.accept:
            lib.add_supported_mime_type("MESSAGE", mime_type, sub_mime_type)

    with output.ctrl_c_ends(), signed_in(options, prepare) as lib:
        for contact in options.subscribe:
            lib.presence_subscribe(contact)
        output.wait(options.timeout)
    return EXIT_OK


# ---- the command line ----------------------------------------------------------------------------


class _Formatter(argparse.HelpFormatter):
    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:  # a table (the exit codes): keep its lines
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the usage is one --help away.
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


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


def _server(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or "]" in port:  # no port: "pbx.example.com", "[::1]"
        host, port = text, "5060"
    host = host.strip("[]")
    if not host or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"not HOST or HOST:PORT: {text!r}")
    return host, int(port)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0 to 65535): {text!r}")
    return int(text)


def _mime(text: str) -> tuple[str, str]:
    mime_type, slash, sub_mime_type = text.partition("/")
    if not (mime_type and slash and sub_mime_type):
        raise argparse.ArgumentTypeError(f"not TYPE/SUBTYPE: {text!r}")
    return mime_type, sub_mime_type


def build_parser() -> argparse.ArgumentParser:
    library = _Parser(add_help=False)
    library.add_argument(
        "--library",
        metavar="PATH",
        help=f"the PortSIP SDK library (default: ${LIBRARY_ENV_VAR}, else the stub, built on first use)",
    )

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
    group.add_argument("--local-port", type=_port, default=5060, metavar="PORT", help="local SIP port (default: 5060)")

    def until(parser: argparse.ArgumentParser, what: str) -> None:
        parser.add_argument("--count", type=_positive(int), metavar="N", help=f"stop after N {what}")
        parser.add_argument("--timeout", type=_positive(float), metavar="SECONDS", help="stop after this many seconds")
        parser.add_argument("--json", action="store_true", help="one JSON object per event (see the README)")

    parser = _Parser(
        prog="portsip",
        description="The PortSIP SDK from a shell: the demo, and your account's messages and presence. "
        f"Every command runs on the stub library unless --library or ${LIBRARY_ENV_VAR} names the SDK.",
        epilog=EXIT_CODES,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"portsip {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, run: Callable[[argparse.Namespace], int], summary: str, parents: list[_Parser]) -> _Parser:
        sub: _Parser = commands.add_parser(
            name, help=summary, description=summary, parents=parents, epilog=EXIT_CODES,
            formatter_class=_Formatter,
        )
        sub.set_defaults(run=run)
        return sub

    command("demo", run_demo, "two users on one SDK library follow each other's presence and chat", [library])

    send = command("send", run_send, "send one MESSAGE and wait for its outcome", [account])
    send.add_argument("to", metavar="URI", help="the recipient, e.g. sip:echo@example.com")
    send.add_argument("text", metavar="TEXT", help="the body (sent as UTF-8); - reads bytes from stdin")
    send.add_argument("--type", type=_mime, default=("text", "plain"), metavar="TYPE/SUB", help="MIME type (default: text/plain)")
    send.add_argument("--sms", action="store_true", help="mark it as an SMS (messagetype=SMS)")
    send.add_argument(
        "--timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="wait this long for the outcome (default: 30)"
    )

    watch = command("watch", run_watch, "print every SDK event until Ctrl-C (or --count / --timeout)", [account])
    watch.add_argument("--subscribe", action="append", default=[], metavar="URI", help="also follow this contact's presence (repeatable)")
    watch.add_argument(
        "--accept", action="append", type=_mime, default=[], metavar="TYPE/SUB",
        help="also receive MESSAGE bodies of this type, e.g. application/json (repeatable)",
    )
    until(watch, "events")

    from ._cli_im import add_commands  # presence (the roster) and chat

    add_commands(commands, [account], epilog=EXIT_CODES, formatter_class=_Formatter)
    return parser


def _load_failure(exc: LibraryLoadError) -> str:
    if exc.missing:
        return f"{exc.tried[0][0]} is not the PortSIP SDK: it lacks {len(exc.missing)} function(s), e.g. {exc.missing[0]}"
    if exc.tried:
        return "cannot load the SDK library: " + "; ".join(f"{path}: {reason}" for path, reason in exc.tried)
    return str(exc)


def _fail(exit_code: int, message: str) -> int:
    print(f"portsip: {message}", file=sys.stderr)
    return exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    make_console_streams_safe()  # a cp1252 or cp437 console cannot show every character events carry
    options = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = options.run
    try:
        return run(options)
    except CommandError as exc:
        return _fail(exc.exit_code, str(exc))
    except LibraryLoadError as exc:
        return _fail(EXIT_NO_LIBRARY, _load_failure(exc))
    except StubBuildError as exc:
        return _fail(EXIT_NO_LIBRARY, str(exc))
    except InvalidArgumentError as exc:  # the SDK refused an argument: the caller's to fix
        return _fail(EXIT_USAGE, str(exc))
    except SDKError as exc:
        return _fail(EXIT_FAILED, str(exc))
    except (TypeError, ValueError) as exc:  # an argument the binding refused before calling C
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, "interrupted")

