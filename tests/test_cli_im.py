"""`portsip presence` (the roster) and `portsip chat`, on the stub: in a subprocess as a user runs
them, and through portsip.cli.main beside a second user in the same process."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time

import pytest
from support import console_script

from portsip import Chat, ChatMessage, cli
from portsip.cli import _im as _cli_im
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import LibFactory


@pytest.fixture
def env(portsip_stub_library: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PORTSIP_SDK_LIBRARY", "PORTSIP_LICENSE_KEY")}
    env["PORTSIP_STUB_LIBRARY"] = portsip_stub_library
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def portsip(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script("portsip"), "--stub", "--quiet", *args],
        env=env, input=stdin, capture_output=True, encoding="utf-8", errors="replace", timeout=60,
    )  # fmt: skip


# ---- presence -------------------------------------------------------------------------------------


def test_presence_json_lines_of_changes(env: dict[str, str]) -> None:
    result = portsip(env, "presence", "--json", "sip:echo@example.com", "--count", "2")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    contact = next(line for line in lines if "contact" in line)
    assert contact | {"since": None} == {
        "contact": "sip:echo@example.com", "display_name": "Echo", "subscription": "active", "online": True,
        "status_text": "Available", "since": None,
    }
    watcher = next(line for line in lines if "watcher" in line)  # echo subscribes to you: no --status, left pending
    assert (watcher["watcher"], watcher["state"], watcher["display_name"]) == ("sip:echo@example.com", "pending", "Echo")


def test_presence_agent_mode_publishes(env: dict[str, str]) -> None:
    result = portsip(env, "presence", "--agent", "--status", "Away", "--count", "1")
    assert (result.returncode, result.stdout) == (0, "published 'Away'\n")


def test_presence_on_a_terminal_is_a_live_table(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_cli_im, "_is_terminal", lambda stream: True)
    contacts = ["sip:echo@example.com", "sip:nobody@example.com"]
    code = cli.main(["--stub", "--quiet", "presence", *contacts, "--status", "Busy", "--count", "4", "--timeout", "10"])
    assert code == 0
    screens = capsys.readouterr().out.split(_cli_im.CLEAR)[1:]
    last = screens[-1].splitlines()
    assert last[0].split() == ["CONTACT", "SUBSCRIPTION", "STATUS"]
    assert "Echo" in last[1] and "active" in last[1] and last[1].endswith("Available")
    assert last[2].split() == ["sip:nobody@example.com", "terminated", "offline"]
    assert "WATCHING YOU" in last and "Echo  active" in last and "your status: 'Busy'" in last


# ---- chat -----------------------------------------------------------------------------------------


def test_chat_with_a_plain_text_peer(env: dict[str, str]) -> None:
    result = portsip(env, "chat", "sip:echo@example.com", "--plain", "--linger", "1", stdin="hello echo\n")
    assert result.returncode == 0, result.stderr
    assert "Echo: hello from echo" in result.stdout.splitlines()  # its greeting
    assert "Echo: hello echo" in result.stdout.splitlines()  # the echo of ours


def test_chat_says_when_the_peer_refuses_cpim_in_ascii_on_a_legacy_console(env: dict[str, str]) -> None:
    result = portsip(env | {"PYTHONIOENCODING": "cp1252"}, "chat", "sip:echo@example.com", "--linger", "1", stdin="hi\n")
    assert result.returncode == 0, result.stderr
    assert "x not delivered: hi (415 Unsupported Media Type) (the peer does not take CPIM: try --plain)" in result.stdout


def test_chat_shows_delivered_and_read_marks_and_typing(
    portsip_lib_factory: LibFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = portsip_lib_factory("bob")
    bob_chat = Chat(bob)

    def reads(message: ChatMessage) -> None:
        bob_chat.set_composing(message.from_uri, True)  # starts an answer (before the read mark, which ends the chat)
        bob_chat.mark_displayed(message)

    bob_chat.on_message(reads)
    monkeypatch.setattr("sys.stdin", io.StringIO("hi bob\n"))
    assert cli.main(["--stub", "--quiet", "chat", "sip:bob@example.com", "--user", "zoe", "--linger", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "✓ delivered: hi bob" in lines and "✓✓ read: hi bob" in lines
    assert "… sip:bob@example.com is typing" in lines
    assert bob.wait_for(RecvOutOfDialogMessage).from_uri == "sip:zoe@example.com"


def test_chat_ends_at_its_timeout(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [console_script("portsip"), "--stub", "--quiet", "chat", "sip:echo@example.com", "--plain", "--timeout", "1"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        out, err = process.communicate(timeout=30)  # stdin stays open: only the timeout ends it
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Echo: hello from echo" in out


def test_marks_fall_back_to_ascii() -> None:
    unicode, legacy = _cli_im.Marks(io.TextIOWrapper(io.BytesIO(), "utf-8")), _cli_im.Marks(io.TextIOWrapper(io.BytesIO(), "cp437"))
    assert (unicode.delivered, unicode.read, unicode.ellipsis) == ("✓", "✓✓", "…")
    assert (legacy.delivered, legacy.read, legacy.ellipsis) == ("+", "++", "...")


def test_help(env: dict[str, str]) -> None:
    for command in ("presence", "chat"):
        result = portsip(env, command, "--help")
        assert result.returncode == 0 and result.stdout.startswith(f"usage: portsip {command}") and "exit codes:" in result.stdout



@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal: key by key through termios")
def test_chat_on_a_terminal_reads_key_by_key(env: dict[str, str], portsip_stub_library: str) -> None:
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [console_script("portsip"), "--stub", "--quiet", "chat", "sip:echo@example.com", "--plain", "--timeout", "4"],
        env=env, stdin=follower, stdout=follower, stderr=subprocess.PIPE, close_fds=True,
    )
    os.close(follower)
    output = b""
    try:
        deadline = time.monotonic() + 30
        typed = False
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([leader], [], [], 0.1)[0]:
                try:
                    output += os.read(leader, 4096)
                except OSError:  # the terminal closed with the process
                    break
            if not typed and b"hello from echo" in output:
                time.sleep(0.5)  # the chat is reading keys by then (keys typed earlier are kept, but echoed by the terminal)
                os.write(leader, b"hix\x7f\r")  # h, i, x, backspace, Enter
                typed = True
        process.wait(timeout=30)
        while select.select([leader], [], [], 0.2)[0]:  # what it wrote before it ended
            try:
                output += os.read(leader, 4096)
            except OSError:
                break
    finally:
        process.kill()
        os.close(leader)
    text = output.decode("utf-8", "replace")
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert "hix\b \b" in text  # the keys echoed one by one, the backspace erased
    assert "Echo: hi\r\n" in text  # the line sent was "hi"
