"""The ``portsip`` command (also ``python -m portsip``): your account from a shell, the demo, the doctor.

    portsip send URI TEXT            send one MESSAGE; the exit code is its outcome
    portsip watch [--json]           print every SDK event as it arrives
    portsip record --out FILE        the same, and write a trace of it (docs/traces.md)
    portsip replay FILE              print the events of a trace
    portsip presence [URI ...]       your roster: contacts' presence, watchers; --status TEXT sets yours
    portsip chat URI                 chat with typing indicators and delivered/read marks
    portsip doctor [--json]          which SDK library would load, and why it does not
    portsip demo                     two users on the stub follow each other's presence and chat

The SDK is found as ``PortSIPLib()`` finds it: ``--library PATH``, else ``$PORTSIP_SDK_LIBRARY``,
else its default name on the loader's path. ``--stub`` (and the demo) run on the stub library
instead, and say so: there a second user, ``echo`` in your domain, answers every MESSAGE
(text/plain or application/json) with the same body, accepts every presence subscription with
the status "Available", and at the start subscribes to your presence and says hello. Every
command says on stderr which library it loaded (``--quiet``: not). docs/cli.md is the manual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .. import _loader
from .._console import OutputError, make_console_streams_safe
from .._version import __version__
from ..errors import HandlerError, InvalidArgumentError, LibraryLoadError, PortSIPError, SDKError
from ._base import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NO_LIBRARY,
    EXIT_NOT_REGISTERED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    CommandError,
    Terminated,
    _command_environment,
    _fail,
    _Formatter,
    _library_options,
    _load_failure,
    _mime,
    _Parser,
    _positive,
    _server,
    _until,
    add_command,
    event_json,
)
from ._commands import run_demo, run_doctor, run_record, run_replay, run_send, run_watch
from ._im import add_commands as add_im_commands

__all__ = [
    "main",
    "demo_main",
    "build_parser",
    "add_command",
    "event_json",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_NO_LIBRARY",
    "EXIT_NOT_REGISTERED",
    "EXIT_TIMEOUT",
    "EXIT_OUTPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "_server",
]


def build_parser() -> argparse.ArgumentParser:
    """The ``portsip`` parser: the command table is the add_command calls below."""
    parser = _Parser(
        prog="portsip",
        description="The PortSIP SDK from a shell: your account's messages and presence, the doctor, the demo. "
        f"The SDK is found as PortSIPLib() finds it (--library, ${_loader.ENV_VAR}, its default name); "
        "--stub runs on portsip's stub library instead. Every command says on stderr which library it loaded.",
        epilog=EXIT_CODES,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"portsip {__version__}")
    _library_options(parser, in_command=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, dest="command")

    send = add_command(commands, "send", run_send, "send one MESSAGE and wait for its outcome", "account")
    send.add_argument("to", metavar="URI", help="the recipient, e.g. sip:echo@example.com")
    send.add_argument("text", metavar="TEXT", help="the body (sent as UTF-8); - reads bytes from stdin")
    send.add_argument("--type", type=_mime, default=("text", "plain"), metavar="TYPE/SUB", help="MIME type (default: text/plain)")
    send.add_argument("--sms", action="store_true", help="mark it as an SMS (messagetype=SMS)")
    send.add_argument(
        "--timeout", type=_positive(float), default=30.0, metavar="SECONDS", help="wait this long for the outcome (default: 30)"
    )

    watch = add_command(commands, "watch", run_watch, "print every SDK event until Ctrl-C or SIGTERM (or --count / --timeout)", "account")
    watch.add_argument("--subscribe", action="append", default=[], metavar="URI", help="also follow this contact's presence (repeatable)")
    watch.add_argument(
        "--accept", action="append", type=_mime, default=[], metavar="TYPE/SUB",
        help="also receive MESSAGE bodies of this type, e.g. application/json (repeatable)",
    )  # fmt: skip
    _until(watch, "events")

    record = add_command(
        commands, "record", run_record, "record a trace of every SDK event and call to a file, printing the events as watch does",
        "account",
    )  # fmt: skip
    record.add_argument("--out", required=True, metavar="FILE", help="the trace to write (JSON Lines: docs/traces.md)")
    record.add_argument("--redact", action="store_true", help="replace the user part of every SIP URI with a pseudonym")
    record.add_argument("--subscribe", action="append", default=[], metavar="URI", help="also follow this contact's presence")
    record.add_argument("--accept", action="append", type=_mime, default=[], metavar="TYPE/SUB", help="also receive these bodies")
    _until(record, "events")

    replay = add_command(commands, "replay", run_replay, "print the events of a trace as watch prints them", "none")
    replay.add_argument("trace", metavar="FILE", help="a trace (portsip record, lib.record) or portsip watch --json output")
    replay.add_argument("--json", action="store_true", help="one JSON object per event")

    add_im_commands(commands)  # presence (your roster) and chat

    doctor = add_command(
        commands, "doctor", run_doctor, "which SDK library would load and why, and what stops it: run this first", "library"
    )
    doctor.add_argument("--json", action="store_true", help="one JSON object")

    add_command(commands, "demo", run_demo, "two users on the stub (or --library) follow each other's presence and chat", "library")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    make_console_streams_safe()  # a cp1252 or cp437 console cannot show every character events carry
    try:
        try:
            options = build_parser().parse_args(argv)
        except SystemExit as exc:  # after --help, --version or a usage error, all printed
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        run: Callable[[argparse.Namespace], int] = options.run
        with _command_environment():
            return run(options)
    except OutputError as exc:
        return _fail(EXIT_OUTPUT, str(exc))
    except LibraryLoadError as exc:
        return _fail(EXIT_NO_LIBRARY, _load_failure(exc))
    except OSError as exc:  # not stdout (its writes raise OutputError): a file or socket of the SDK's
        return _fail(EXIT_FAILED, str(exc))
    except CommandError as exc:
        return _fail(exc.exit_code, str(exc))
    except HandlerError as exc:
        return _fail(EXIT_FAILED, f"{exc}")
    except InvalidArgumentError as exc:  # the SDK refused an argument: the caller's to fix
        return _fail(EXIT_USAGE, str(exc))
    except (SDKError, PortSIPError) as exc:
        return _fail(EXIT_FAILED, str(exc))
    except (TypeError, ValueError) as exc:  # an argument the binding refused before calling C
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, "interrupted")
    except Terminated:
        return _fail(EXIT_TERMINATED, "terminated")


def demo_main(argv: Sequence[str] | None = None) -> int:
    """``portsip-demo``: the same as ``portsip demo``."""
    return main(["demo", *(sys.argv[1:] if argv is None else argv)])
