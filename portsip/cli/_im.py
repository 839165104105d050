"""The ``presence`` and ``chat`` commands of ``portsip``: a live roster, and a chat with receipts.

    portsip presence [URI ...] [--status TEXT]   the roster: contacts, their state and status, your watchers
    portsip chat URI                             chat with typing indicators and ✓ delivered / ✓✓ read marks

:func:`add_commands` adds both to the command table (:func:`portsip.cli.build_parser`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import queue
import select
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from ..chat import Chat, ChatMessage, ChatNotification, ChatReceipt, ComposingState
from ..enums import PresenceMode
from ..errors import ClosedError, PortSIPError, SendFailedError
from ..roster import Contact, Roster, Watcher
from ._base import EXIT_OK, EXIT_USAGE, STUB_DOMAIN, STUB_USER, CommandError, Output, _nothing_lost, _positive, add_command, signed_in

__all__ = ["add_commands", "run_presence", "run_chat", "Marks"]

CLEAR = "\x1b[H\x1b[2J"  # cursor home, clear the screen: a terminal redraws the table in place


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``presence`` and ``chat`` to the command table's subparsers."""
    roster = "your roster: follow contacts' presence, answer watchers, set your status"
    presence = add_command(commands, "presence", run_presence, roster, "account")
    presence.add_argument("contacts", nargs="*", metavar="URI", help="contacts to follow")
    presence.add_argument("--status", metavar="TEXT", help='your status; accepts whoever watches you ("Offline" appears offline)')
    presence.add_argument("--agent", action="store_true", help="presence-agent mode: PUBLISH --status to the server")
    presence.add_argument("--count", type=_positive(int), metavar="N", help="stop after N changes")
    presence.add_argument("--timeout", type=_positive(float), metavar="SECONDS", help="stop after this many seconds")
    presence.add_argument("--json", action="store_true", help="one JSON object per change (a contact or a watcher)")

    chatting = "chat with URI: typing indicators, delivered and read marks; Ctrl-D or Ctrl-C ends"
    chat = add_command(commands, "chat", run_chat, chatting, "account")
    chat.add_argument("to", metavar="URI", help="whom to chat with, e.g. sip:bob@example.com")
    chat.add_argument("--plain", action="store_true", help="send text/plain, for peers without CPIM (no marks)")
    chat.add_argument("--timeout", type=_positive(float), metavar="SECONDS", help="end the chat after this many seconds")
    chat.add_argument(
        "--linger", type=_positive(float), default=2.0, metavar="SECONDS",
        help="at the end of input, wait this long for the last marks (with --plain: for answers) (default: 2)",
    )


# ---- presence ------------------------------------------------------------------------------------


def change_line(change: Contact | Watcher, status: str | None) -> str:
    """One line for a roster change, as the command prints it without --json."""
    if isinstance(change, Contact):
        return f"{change.uri} is online: {change.status_text!r}" if change.online else f"{change.uri} is offline"
    if change.state == "active":
        return f"{change.uri} watches you: sent {status!r}" if status is not None else f"{change.uri} watches you"
    return {
        "pending": f"{change.uri} asks to watch you",
        "refused": f"{change.uri} was refused",
        "terminated": f"{change.uri} stopped watching you",
    }[change.state]


def change_json(change: Contact | Watcher) -> str:
    """One JSON object for a roster change: ``"contact"`` or ``"watcher"`` (the URI), then the fields."""
    record: dict[str, Any] = {"contact" if isinstance(change, Contact) else "watcher": change.uri}
    record.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(change).items() if k != "uri"})
    return json.dumps(record)


def roster_table(roster: Roster) -> str:
    """The roster as a table: contacts (state, status), then watchers."""
    snapshot = roster.snapshot()
    rows = [("CONTACT", "SUBSCRIPTION", "STATUS")]
    rows += [(c.display_name or c.uri, c.subscription, (c.status_text or "online") if c.online else "offline") for c in snapshot.contacts]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
    if snapshot.watchers:
        lines.append("")
        lines.append("WATCHING YOU")
        lines += [f"{w.display_name or w.uri}  {w.state}" for w in snapshot.watchers]
    lines.append("")
    lines.append(f"your status: {snapshot.status!r}" if snapshot.status is not None else "your status: not set")
    return "\n".join(lines)


def run_presence(options: argparse.Namespace) -> int:
    if not options.contacts and options.status is None:
        raise CommandError(EXIT_USAGE, "give a contact to follow, or --status TEXT, or both")
    output = Output(options.count)
    table = not options.json and _is_terminal(sys.stdout)
    rosters: list[Roster] = []

    def show(change: Contact | Watcher) -> None:
        if isinstance(change, Watcher) and options.agent:
            return  # the presence server answers watchers in agent mode
        if options.json:
            output.line(change_json(change))
        elif table:
            output.line(CLEAR + roster_table(rosters[0]))
        else:
            output.line(change_line(change, options.status))

    def prepare(lib: Any) -> None:
        mode = PresenceMode.AGENT if options.agent else PresenceMode.P2P
        accept: Any = True if options.status is not None else (lambda request: None)  # no status: decide nothing
        roster = Roster(lib, accept=accept, mode=mode, status=None if options.agent else options.status)
        rosters.append(roster)
        roster.on_change(show)

    with output.ends_on_signals(), signed_in(options, prepare) as session:
        roster = rosters[0]
        try:
            if options.agent and options.status is not None:
                roster.set_status(options.status)  # PUBLISH to the presence server
                if not options.json:
                    output.line(f"published {options.status!r}")
            for contact in options.contacts:
                roster.add(contact)
            if table:
                output.line(CLEAR + roster_table(roster))
            output.wait(options.timeout)
        finally:
            roster.close()
        output.stdout.check()
        _nothing_lost(session.lib)
    return EXIT_OK


# ---- chat ----------------------------------------------------------------------------------------


class Marks:
    """The marks of a chat, in Unicode where the console can show them, else in ASCII."""

    def __init__(self, stream: TextIO) -> None:
        try:
            "✓✗…".encode(stream.encoding or "ascii")
            unicode = True
        except (LookupError, UnicodeEncodeError):
            unicode = False
        self.delivered = "✓" if unicode else "+"
        self.read = "✓✓" if unicode else "++"
        self.failed = "✗" if unicode else "x"
        self.ellipsis = "…" if unicode else "..."


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_chat(options: argparse.Namespace) -> int:
    output = Output(None)
    screen = threading.Lock()  # the handler thread prints while this one echoes keys: a TextIOWrapper is not thread-safe
    marks = Marks(sys.stdout)

    def say(text: str) -> None:
        with screen:
            output.line(text)

    chats: list[Chat] = []
    outcomes: queue.Queue[ChatReceipt | None] = queue.Queue()

    def incoming(message: ChatMessage) -> None:
        say(f"{message.display_name or message.from_uri}: {message.text}")
        with contextlib.suppress(PortSIPError):
            chats[0].mark_displayed(message)  # shown: read

    def notified(notification: ChatNotification) -> None:
        receipt = chats[0].sent_message(notification.message_id)  # found even before chat.send has returned
        text = receipt.text if receipt else ""
        if notification.status == "delivered":
            say(f"{marks.delivered} delivered: {text}")
        elif notification.status == "displayed":
            say(f"{marks.read} read: {text}")
        else:
            say(f"{marks.failed} {notification.status}: {text}")

    def typing(state: ComposingState) -> None:
        if state.active:
            say(f"{marks.ellipsis} {state.uri} is typing")

    def prepare(lib: Any) -> None:
        chat = Chat(lib, local_uri=_account_uri(options))
        chats.append(chat)
        chat.on_message(incoming)
        chat.on_notification(notified)
        chat.on_composing(typing)

    def report_outcomes() -> None:
        while (receipt := outcomes.get()) is not None:
            try:
                receipt.sent.result()
            except SendFailedError as failure:
                hint = " (the peer does not take CPIM: try --plain)" if failure.code == 415 else ""
                say(f"{marks.failed} not delivered: {receipt.text} ({failure.code} {failure.reason}){hint}")
            except (TimeoutError, ClosedError):
                pass

    reporter = threading.Thread(target=report_outcomes, name="portsip-chat-outcomes", daemon=True)
    reporter.start()
    receipts: list[ChatReceipt] = []
    try:
        with signed_in(options, prepare):
            chat = chats[0]
            deadline = None if options.timeout is None else time.monotonic() + options.timeout
            try:
                for line in _lines(chat, options.to, deadline, screen):
                    if not line:
                        continue
                    receipt = chat.send(options.to, line, notify=() if options.plain else ("delivered", "displayed"))
                    if receipt.message_id is not None:
                        receipts.append(receipt)  # kept: the marks find their text through the chat
                    outcomes.put(receipt)
                linger = options.linger if deadline is None else max(0.0, min(options.linger, deadline - time.monotonic()))
                if options.plain:
                    time.sleep(linger)  # no marks to wait for: give the answers that time
                else:
                    _linger(receipts, linger)
            except KeyboardInterrupt:
                pass  # Ctrl-C ends the chat like Ctrl-D
            finally:
                outcomes.put(None)
                reporter.join(5)
                output.done.set()
                chat.close()
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _account_uri(options: argparse.Namespace) -> str:
    """The account's SIP URI, with the defaults the command line applies (without asking for a password again)."""
    user = options.user or STUB_USER
    domain = options.domain if options.domain is not None else (STUB_DOMAIN if options.stub else "")
    return f"sip:{user}@{domain}" if domain else f"sip:{user}"


def _linger(receipts: list[ChatReceipt], seconds: float) -> None:
    """Wait up to ``seconds`` for the marks not yet received."""
    deadline = time.monotonic() + seconds
    for receipt in receipts:
        for word in ("delivered", "displayed"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with contextlib.suppress(PortSIPError, TimeoutError):
                if word == "delivered":
                    receipt.delivered(timeout=remaining)
                else:
                    receipt.displayed(timeout=remaining)


def _lines(chat: Chat, to: str, deadline: float | None, screen: threading.Lock) -> Iterator[str]:
    """The lines typed. On a POSIX terminal, read key by key, so that typing sends the
    "is typing" indicator; elsewhere (a pipe, Windows) line by line."""
    stdin = sys.stdin
    if sys.platform != "win32" and _is_terminal(stdin):
        yield from _keys(chat, to, stdin, deadline, screen)
        return
    while deadline is None or time.monotonic() < deadline:
        if deadline is not None and not _readable(stdin, deadline - time.monotonic()):
            return
        line = stdin.readline()
        if not line:
            return  # end of input
        chat.set_composing(to, True)
        yield line.rstrip("\r\n")


def _readable(stdin: TextIO, timeout: float) -> bool:
    """Whether a line can be read within ``timeout`` seconds; True where that cannot be known
    (Windows, a stream without a file descriptor): the read then simply blocks."""
    if sys.platform == "win32":
        return True
    try:
        return bool(select.select([stdin], [], [], max(0.0, timeout))[0])
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return True


def _keys(chat: Chat, to: str, stdin: TextIO, deadline: float | None, screen: threading.Lock) -> Iterator[str]:
    if sys.platform == "win32":  # no termios: line by line there
        return
    import termios
    import tty

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)  # keys one by one, not echoed (this loop echoes them); keep what was typed ahead
    buffer: list[str] = []
    try:
        while deadline is None or time.monotonic() < deadline:
            wait = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            if not select.select([fd], [], [], wait)[0]:
                continue
            key = os.read(fd, 4).decode("utf-8", "replace")
            for char in key:
                if char in "\r\n":
                    _echo(screen, "\n")
                    yield "".join(buffer)
                    buffer.clear()
                elif char == "\x04":  # Ctrl-D
                    if not buffer:
                        return
                elif char in "\x7f\b":
                    if buffer:
                        buffer.pop()
                        _echo(screen, "\b \b")
                    if not buffer:
                        chat.set_composing(to, False)
                elif char.isprintable():
                    buffer.append(char)
                    _echo(screen, char)
                    chat.set_composing(to, True)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _echo(screen: threading.Lock, text: str) -> None:
    with screen:
        sys.stdout.write(text)
        sys.stdout.flush()
