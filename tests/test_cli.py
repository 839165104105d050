"""The portsip command, run as a user runs it: in a subprocess, on the stub, with bounded waits."""

from __future__ import annotations

import base64
import ctypes.util
import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from pytest_mock import MockerFixture
from support import PACKAGE_PARENT, console_script

from portsip import PortSIPLib, cli

pytestmark = pytest.mark.backend_agnostic

#: Runs the command after scripting the stub behind every PortSIPLib the command makes.
SCRIPTED = """
import sys
from portsip import PortSIPLib, cli
from portsip.testing import StubControl

set_user = PortSIPLib.set_user
def scripted_set_user(self, *args, **kwargs):
    set_user(self, *args, **kwargs)
    {script}
PortSIPLib.set_user = scripted_set_user
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.fixture
def env(portsip_stub_library: str) -> dict[str, str]:
    """The environment of a user with no SDK configured; the stub is the one already built."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORTSIP_SDK_LIBRARY", "PORTSIP_LICENSE_KEY")}
    env["PORTSIP_STUB_LIBRARY"] = portsip_stub_library
    env["PYTHONIOENCODING"] = "utf-8"  # as on Linux; a Windows pipe is cp1252 (tested in test_demo.py)
    return env


#: The working directory of `python -c` / `-m` runs: `-c` and `-m` put it first on sys.path, and a source
#: checkout there would shadow the portsip under test.
NEUTRAL = str(PACKAGE_PARENT)


def portsip(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script("portsip"), *args], env=env, input=stdin, capture_output=True, encoding="utf-8", timeout=timeout
    )


def scripted(env: dict[str, str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = SCRIPTED.format(script=script)
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)


def one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("portsip"), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# ---- entry points and help -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["demo"], ["send"], ["watch"], ["presence"]], ids=lambda c: " ".join(c) or "portsip")
def test_help_everywhere(env: dict[str, str], command: list[str]) -> None:
    result = portsip(env, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: portsip {' '.join(command)}".rstrip())
    assert "exit codes:" in result.stdout and "4    the registration with --server failed" in result.stdout


def test_python_m_portsip_and_the_version(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "portsip", "--version"]
    result = subprocess.run(command, env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)
    assert (result.returncode, result.stdout) == (0, f"portsip {__import__('portsip').__version__}\n")
    assert subprocess.run(
        [sys.executable, "-m", "portsip", "send", "--help"], env=env, capture_output=True, timeout=60, cwd=NEUTRAL
    ).returncode == 0


def test_demo_under_both_names(env: dict[str, str]) -> None:
    for command in ([console_script("portsip"), "demo"], [console_script("portsip-demo")]):
        result = subprocess.run(command, env=env, capture_output=True, encoding="utf-8", timeout=120)
        assert result.returncode == 0, result.stderr
        assert "Bob reads: 'Hi Bob! ☕?'" in result.stdout and "Done: both instances closed." in result.stdout


# ---- send --------------------------------------------------------------------------------------------


def test_send_to_the_stubs_echo_user_succeeds(env: dict[str, str]) -> None:
    result = portsip(env, "send", "sip:echo@example.com", "hi")
    assert (result.returncode, result.stdout, result.stderr) == (0, "delivered to sip:echo@example.com\n", "")


def test_send_to_nobody_fails_with_the_sip_answer(env: dict[str, str]) -> None:
    one_line_error(portsip(env, "send", "sip:nobody@example.com", "hi"), cli.EXIT_FAILED, "404 Not Found")


def test_send_reads_the_body_from_stdin_with_its_type(env: dict[str, str]) -> None:
    result = portsip(env, "send", "--type", "application/json", "sip:echo@example.com", "-", stdin='{"a": 1}')
    assert result.returncode == 0, result.stderr
    # a type the echo user did not declare is refused, as the SDK refuses it
    one_line_error(portsip(env, "send", "--type", "image/png", "sip:echo@example.com", "x"), cli.EXIT_FAILED, "415")


def test_send_without_an_answer_times_out(env: dict[str, str]) -> None:
    late_answer = 'StubControl(self).script_next_send(200, "OK", delay=5)'
    result = scripted(env, late_answer, "send", "--timeout", "0.3", "sip:echo@example.com", "hi")
    one_line_error(result, cli.EXIT_TIMEOUT, "no answer from sip:echo@example.com within 0.3 s")


# ---- accounts and registration -------------------------------------------------------------------


def test_registration_with_a_server_and_a_password_from_the_environment(env: dict[str, str]) -> None:
    env["SIP_PASSWORD"] = "s3cret"
    result = portsip(env, "watch", "--server", "pbx.example.com:5080", "--password-env", "SIP_PASSWORD", "--count", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("RegisterSuccess(status_text='OK', status_code=200")


def test_a_failed_registration(env: dict[str, str]) -> None:
    env["SIP_PASSWORD"] = "wrong"
    result = scripted(
        env, 'StubControl(self).fail_next_register(403, "Forbidden")',
        "send", "--server", "pbx.example.com", "--password-env", "SIP_PASSWORD", "sip:echo@example.com", "hi",
    )
    one_line_error(result, cli.EXIT_NOT_REGISTERED, "registration of sip:alice@example.com failed: 403 Forbidden")


def test_the_password_is_never_taken_from_the_command_line(env: dict[str, str]) -> None:
    one_line_error(portsip(env, "send", "--password", "x", "sip:echo@example.com", "hi"), cli.EXIT_USAGE, "--password")
    unset = portsip(env, "send", "--password-env", "UNSET_VARIABLE", "sip:echo@example.com", "hi")
    one_line_error(unset, cli.EXIT_USAGE, "$UNSET_VARIABLE is not set")
    # A server needs a password; with no terminal to ask on, say how to give one.
    one_line_error(portsip(env, "send", "--server", "pbx.example.com", "sip:echo@example.com", "hi"), cli.EXIT_USAGE, "--password-env")


def test_on_a_terminal_the_password_is_asked_for(env: dict[str, str], mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTSIP_SDK_LIBRARY", raising=False)
    mocker.patch("sys.stdin.isatty", return_value=True)
    prompt = mocker.patch("getpass.getpass", return_value="typed-secret")
    set_user = mocker.spy(PortSIPLib, "set_user")
    assert cli.main(["send", "--server", "pbx.example.com", "--user", "carol", "sip:echo@example.com", "hi"]) == 0
    prompt.assert_called_once_with("SIP password for carol@example.com: ")
    carol = set_user.call_args_list[0]
    assert carol.args[1] == "carol" and carol.kwargs["password"] == "typed-secret"
    assert carol.kwargs["sip_server_addr"] == "pbx.example.com"


# ---- bad arguments and a missing library: one line, distinct exit codes ------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        ([], ["required: COMMAND"]),
        (["fly"], ["invalid choice: 'fly'"]),
        (["send"], ["required: URI, TEXT"]),
        (["send", "--timeout", "0", "sip:a@b", "x"], ["--timeout: must be more than 0"]),
        (["send", "--type", "json", "sip:a@b", "x"], ["not TYPE/SUBTYPE: 'json'"]),
        (["watch", "--server", "pbx:99999"], ["not HOST or HOST:PORT"]),
        (["watch", "--count", "many"], ["--count: not a number"]),
        (["watch", "--local-port", "70000"], ["--local-port: not a port"]),
        (["presence"], ["give a contact to follow, or --status TEXT"]),
        (["send", "--library", "/opt/sdk/libportsip_sdk.so", "sip:a@b", "x"], ["--user is needed with the SDK library"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] in ("fly", "send", "watch", "presence") else None,
)
def test_bad_arguments(env: dict[str, str], args: list[str], words: list[str]) -> None:
    one_line_error(portsip(env, *args), cli.EXIT_USAGE, *words)


def test_a_missing_library(env: dict[str, str]) -> None:
    missing = portsip(env, "send", "--library", "/missing.so", "--user", "bob", "sip:a@b", "x")
    one_line_error(missing, cli.EXIT_NO_LIBRARY, "/missing.so: no such file")
    env["PORTSIP_SDK_LIBRARY"] = "/missing/libportsip_sdk.so"
    one_line_error(portsip(env, "watch", "--user", "bob"), cli.EXIT_NO_LIBRARY, "/missing/libportsip_sdk.so")
    demo = [console_script("portsip-demo"), "--library", "/missing.so"]
    result = subprocess.run(demo, env=env, capture_output=True, encoding="utf-8", timeout=60)
    one_line_error(result, cli.EXIT_NO_LIBRARY, "/missing.so")
    assert result.stdout == ""


def test_a_library_that_is_not_the_sdk(env: dict[str, str]) -> None:
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library to stand in for a wrong library")
    one_line_error(portsip(env, "send", "--library", libc, "--user", "bob", "sip:a@b", "x"), cli.EXIT_NO_LIBRARY, "is not the PortSIP SDK")


# ---- watch ---------------------------------------------------------------------------------------------


def test_watch_prints_each_event_on_one_line(env: dict[str, str]) -> None:
    result = portsip(env, "watch", "--count", "2")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.startswith("PresenceRecvSubscribe(") and "from_uri='sip:echo@example.com'" in first
    assert second.startswith("RecvOutOfDialogMessage(") and "data=b'hello from echo'" in second


def test_watch_json_is_one_object_per_line(env: dict[str, str]) -> None:
    result = portsip(env, "watch", "--json", "--count", "2", "--subscribe", "sip:echo@example.com")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    by_event = {record["event"]: record for record in records}
    message = by_event["RecvOutOfDialogMessage"]
    assert base64.b64decode(message["data"]) == b"hello from echo" and message["text"] == "hello from echo"
    assert message["from_uri"] == "sip:echo@example.com" and message["to_uri"] == "sip:alice@example.com"
    assert {"PresenceRecvSubscribe", "PresenceOnline"} & set(by_event)


def test_watch_json_keeps_bytes_and_text_exact() -> None:
    from portsip.events import RecvOutOfDialogMessage

    body = "Grüße ☕ ".encode() + b"\xff"
    line = cli.event_json(RecvOutOfDialogMessage("Zoë", "sip:z@example.com", "", "sip:a@example.com", "text", "plain", body))
    assert line.isascii()
    record = json.loads(line)
    assert base64.b64decode(record["data"]) == body
    assert record["text"].encode("utf-8", "surrogateescape") == body and record["from_display_name"] == "Zoë"


def test_watch_stops_after_its_timeout(env: dict[str, str]) -> None:
    started = time.monotonic()
    result = portsip(env, "watch", "--timeout", "0.5", timeout=30)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 0.5
    # what arrived meanwhile: the echo user's subscription and hello (a loaded machine may be slower)
    assert all(line.startswith(("PresenceRecvSubscribe(", "RecvOutOfDialogMessage(")) for line in result.stdout.splitlines())


@pytest.mark.skipif(sys.platform == "win32", reason="Windows sends Ctrl-C to a whole console, not to one process")
def test_watch_ends_quietly_on_ctrl_c(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [console_script("portsip"), "watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8"
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        assert json.loads(process.stdout.readline())["event"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""
    finally:
        process.kill()
        process.wait()


def test_watch_ends_quietly_when_nobody_reads_its_output(env: dict[str, str]) -> None:
    """As in `portsip watch | head -1`, once head has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        watch = [console_script("portsip"), "watch"]
        process = subprocess.run(watch, env=env, stdout=write_end, stderr=subprocess.PIPE, encoding="utf-8", timeout=30)
    finally:
        os.close(write_end)
    assert (process.returncode, process.stderr) == (0, "")


@pytest.mark.parametrize(
    "platform, error, gone",
    [("linux", BrokenPipeError(), True), ("linux", OSError(errno.EINVAL, "x"), False), ("win32", OSError(errno.EINVAL, "x"), True),
     ("win32", BrokenPipeError(), True), ("win32", OSError(errno.ENOSPC, "x"), False)],
)
def test_a_reader_gone_is_epipe_or_on_windows_einval(mocker: MockerFixture, platform: str, error: OSError, gone: bool) -> None:
    """Windows' C runtime reports a pipe with no reader as EINVAL; anything else is a real error."""
    mocker.patch.object(cli.sys, "platform", platform)
    assert cli._reader_gone(error) is gone


# ---- presence --------------------------------------------------------------------------------------


def test_presence_follows_contacts_and_answers_watchers(env: dict[str, str]) -> None:
    result = portsip(env, "presence", "sip:echo@example.com", "sip:nobody@example.com", "--status", "Busy", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        "sip:echo@example.com is online: 'Available'",
        "sip:echo@example.com watches you: sent 'Busy'",
        "sip:nobody@example.com is offline",
    ]
