"""The portsip command, run as a user runs it: in a subprocess, on the stub, with bounded waits."""

from __future__ import annotations

import argparse
import base64
import ctypes.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytest_mock import MockerFixture
from support import PACKAGE_PARENT, console_script

from portsip import PortSIPLib, _console, cli
from portsip.events import RecvOutOfDialogMessage
from portsip.testing import StubControl

#: Runs the command after scripting the stub behind every PortSIPLib the command makes.
SCRIPTED = """
import sys
from portsip import PortSIPLib, cli
from portsip.events import *
from portsip.testing import StubControl

set_user = PortSIPLib.set_user
def scripted_set_user(self, *args, **kwargs):
    set_user(self, *args, **kwargs)
{script}
PortSIPLib.set_user = scripted_set_user
sys.exit(cli.main(sys.argv[1:]))
"""

#: /dev/full: every write fails with ENOSPC, as on a full disk.
FULL = "/dev/full"
needs_dev_full = pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full on this system")


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


def portsip(
    env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60, stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``portsip ARGS`` (stdout captured, unless ``stdout`` is a file descriptor to write to instead)."""
    return subprocess.run(
        [console_script("portsip"), *args], env=env, input=stdin, stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE, encoding="utf-8", timeout=timeout,
    )  # fmt: skip


def scripted_command(script: str, *args: str) -> list[str]:
    """The command line that runs ``portsip ARGS`` with ``script`` run after each set_user (``self``, ``args`` in scope)."""
    body = textwrap.indent(textwrap.dedent(script).strip("\n"), "    ")
    return [sys.executable, "-c", SCRIPTED.format(script=body), *args]


def scripted(env: dict[str, str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(scripted_command(script, *args), env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)


def one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.stdout or "") + result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("portsip"), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# ---- entry points and help -------------------------------------------------------------------------

COMMANDS = ["send", "watch", "presence", "doctor", "demo"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=lambda c: " ".join(c) or "portsip")
def test_help_everywhere(env: dict[str, str], command: list[str]) -> None:
    result = portsip(env, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: portsip {' '.join(command)}".rstrip())
    assert "exit codes:" in result.stdout and "6    stdout could not be written" in result.stdout
    assert "--stub" in result.stdout and "--quiet" in result.stdout


def test_python_m_portsip_and_the_version(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "portsip", "--version"]
    result = subprocess.run(command, env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)
    assert (result.returncode, result.stdout) == (0, f"portsip {__import__('portsip').__version__}\n")
    assert subprocess.run(
        [sys.executable, "-m", "portsip", "send", "--help"], env=env, capture_output=True, timeout=60, cwd=NEUTRAL
    ).returncode == 0


def test_demo_under_both_names_says_it_runs_on_the_stub(env: dict[str, str]) -> None:
    for command in ([console_script("portsip"), "demo"], [console_script("portsip-demo")], [sys.executable, "-m", "portsip", "demo"]):
        result = subprocess.run(command, env=env, capture_output=True, encoding="utf-8", timeout=120, cwd=NEUTRAL)
        assert result.returncode == 0, result.stderr
        assert "Bob reads: 'Hi Bob! ☕?'" in result.stdout and "Done: both instances closed." in result.stdout
        stub = env["PORTSIP_STUB_LIBRARY"]
        assert result.stderr == f"portsip: on the stub library {stub}: simulated answers, nothing reaches a network\n"


def test_python_m_portsip_demo_points_to_the_command(env: dict[str, str]) -> None:
    """The demo module does not import the CLI (no import circle): run as a program, it says what to run."""
    result = subprocess.run([sys.executable, "-m", "portsip.demo"], env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)
    assert result.returncode == 1 and "portsip demo" in result.stderr and result.stdout == ""


def _manual_examples() -> list[tuple[str, int]]:
    """(command, stated exit code) for each line of the first sh block of docs/cli.md."""
    manual = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    block = re.search(r"```sh\n(.*?)```", manual.read_text(encoding="utf-8"), re.S)
    assert block is not None
    return [(line, int(stated[1]) if (stated := re.search(r"# exit code (\d+)", line)) else 0) for line in block[1].splitlines()]


@pytest.mark.parametrize("line, exit_code", _manual_examples(), ids=lambda v: v.split("#")[0].strip() if isinstance(v, str) else None)
def test_the_manuals_examples(env: dict[str, str], line: str, exit_code: int) -> None:
    program, *args = shlex.split(line, comments=True)
    assert program == "portsip"
    result = portsip(env, *args, timeout=120)
    assert result.returncode == exit_code, result.stdout + result.stderr


# ---- which library: the stub only when asked, the SDK as PortSIPLib() finds it ---------------------------


def test_without_stub_the_cli_never_falls_back_to_the_stub(env: dict[str, str]) -> None:
    """No SDK configured or on the loader's path: a load error, not the stub's answers."""
    result = portsip(env, "send", "sip:echo@example.com", "hi")
    one_line_error(result, cli.EXIT_NO_LIBRARY, "libportsip_sdk" if sys.platform != "win32" else "portsip_sdk.dll")
    assert "stub" not in result.stderr.replace("--stub", "")


@pytest.mark.parametrize("how", ["variable", "argument"])
def test_an_empty_library_path_is_an_error_not_a_fallback(env: dict[str, str], how: str) -> None:
    if how == "variable":
        env["PORTSIP_SDK_LIBRARY"] = ""  # an unset CI variable expands to that
        result = portsip(env, "send", "sip:echo@example.com", "hi")
        one_line_error(result, cli.EXIT_NO_LIBRARY, "$PORTSIP_SDK_LIBRARY is set but empty")
    else:
        result = portsip(env, "send", "--library", "", "sip:echo@example.com", "hi")
        one_line_error(result, cli.EXIT_NO_LIBRARY, "the library path is empty")
    assert result.stdout == ""


def test_stub_is_said_on_stderr_and_marks_its_answers(env: dict[str, str]) -> None:
    stub = env["PORTSIP_STUB_LIBRARY"]
    for args in (["--stub", "send"], ["send", "--stub"]):  # before or after the command
        result = portsip(env, *args, "sip:echo@example.com", "hi")
        assert (result.returncode, result.stdout) == (0, "delivered to sip:echo@example.com [stub]\n"), result.stderr
        assert result.stderr == f"portsip: on the stub library {stub}: simulated answers, nothing reaches a network\n"
    refused = portsip(env, "--stub", "--quiet", "send", "sip:bob@pbx.mycorp.com", "hi")
    one_line_error(refused, cli.EXIT_FAILED, "sip:bob@pbx.mycorp.com refused the message: 404 Not Found [stub]")
    both = portsip(env, "--stub", "--library", stub, "send", "sip:a@b", "x")
    one_line_error(both, cli.EXIT_USAGE, "--stub and --library exclude each other")


def test_the_sdk_on_the_loader_path_is_found_as_portsiplib_finds_it(env: dict[str, str], tmp_path: Path) -> None:
    """A copy of the stub named like the SDK, in a folder on the loader's path: PortSIPLib() loads it, so does the CLI."""
    if sys.platform == "win32":
        pytest.skip("the Windows search path is tested in test_windows.py")
    folder = tmp_path / "sdk"
    folder.mkdir()
    sdk = folder / "libportsip_sdk.so" if sys.platform != "darwin" else folder / "libportsip_sdk.dylib"
    shutil.copy(env["PORTSIP_STUB_LIBRARY"], sdk)
    env["LD_LIBRARY_PATH" if sys.platform != "darwin" else "DYLD_LIBRARY_PATH"] = str(folder)
    result = portsip(env, "send", "--user", "alice", "--domain", "example.com", "sip:x@example.com", "hi")
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"portsip: SDK library {sdk} (from its default name on the loader's path): "
        "it is portsip's stub, simulated answers, nothing reaches a network"
    ), result.stderr
    assert result.returncode == cli.EXIT_FAILED and lines[1:] == ["portsip: sip:x@example.com refused the message: 404 Not Found [stub]"]
    code = "from portsip import PortSIPLib; print(PortSIPLib().library_path)"
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, encoding="utf-8", timeout=60, cwd=NEUTRAL)
    assert found.stdout.strip() == str(sdk), found.stderr


def test_every_command_says_which_library_it_loaded_unless_quiet(env: dict[str, str]) -> None:
    said = f"portsip: on the stub library {env['PORTSIP_STUB_LIBRARY']}: simulated answers, nothing reaches a network\n"
    for args in (["send", "sip:echo@example.com", "hi"], ["watch", "--count", "1"], ["presence", "sip:echo@example.com", "--count", "1"],
                 ["demo"]):  # fmt: skip
        loud, quiet = portsip(env, "--stub", *args), portsip(env, "--stub", "--quiet", *args)
        assert (loud.returncode, loud.stderr) == (0, said), args
        assert (quiet.returncode, quiet.stderr) == (0, ""), args


def test_the_production_cli_imports_the_test_doubles_only_with_stub(env: dict[str, str]) -> None:
    code = """
import sys
from portsip import cli
code = cli.main(sys.argv[1:])
print(code, "portsip.testing" in sys.modules)
"""
    run = [sys.executable, "-c", code]
    kwargs = {"env": env, "capture_output": True, "encoding": "utf-8", "timeout": 60, "cwd": NEUTRAL}
    assert subprocess.run([*run, "send", "--library", "/missing.so", "sip:a@b", "x"], **kwargs).stdout == "3 False\n"  # type: ignore[call-overload]
    assert subprocess.run([*run, "--stub", "--quiet", "send", "sip:echo@example.com", "x"], **kwargs).stdout.endswith("0 True\n")  # type: ignore[call-overload]


# ---- send --------------------------------------------------------------------------------------------


def test_send_reads_the_body_from_stdin_with_its_type(env: dict[str, str]) -> None:
    result = portsip(env, "--stub", "send", "--type", "application/json", "sip:echo@example.com", "-", stdin='{"a": 1}')
    assert result.returncode == 0, result.stderr
    # a type the echo user did not declare is refused, as the SDK refuses it
    one_line_error(portsip(env, "--stub", "--quiet", "send", "--type", "image/png", "sip:echo@example.com", "x"), cli.EXIT_FAILED, "415")


def test_send_without_an_answer_times_out(env: dict[str, str]) -> None:
    late_answer = 'StubControl(self).script_next_send(200, "OK", delay=5)'
    result = scripted(env, late_answer, "--stub", "--quiet", "send", "--timeout", "0.3", "sip:echo@example.com", "hi")
    one_line_error(result, cli.EXIT_TIMEOUT, "no answer from sip:echo@example.com within 0.3 s [stub]")


# ---- accounts and registration -------------------------------------------------------------------


def test_registration_with_a_server_and_a_password_from_the_environment(env: dict[str, str]) -> None:
    env["SIP_PASSWORD"] = "s3cret"
    result = portsip(env, "--stub", "watch", "--server", "pbx.example.com:5080", "--password-env", "SIP_PASSWORD", "--count", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("RegisterSuccess(status_text='OK', status_code=200")


def test_a_failed_registration(env: dict[str, str]) -> None:
    env["SIP_PASSWORD"] = "wrong"
    result = scripted(
        env, 'StubControl(self).fail_next_register(403, "Forbidden")',
        "--stub", "--quiet", "send", "--server", "pbx.example.com", "--password-env", "SIP_PASSWORD", "sip:echo@example.com", "hi",
    )  # fmt: skip
    one_line_error(result, cli.EXIT_NOT_REGISTERED, "registration of sip:alice@example.com failed: 403 Forbidden")


def test_the_password_is_never_taken_from_the_command_line(env: dict[str, str]) -> None:
    password = portsip(env, "--stub", "send", "--password", "x", "sip:echo@example.com", "hi")
    one_line_error(password, cli.EXIT_USAGE, "unrecognized arguments: --password")  # not taken for --password-env
    unset = portsip(env, "--stub", "--quiet", "send", "--password-env", "UNSET_VARIABLE", "sip:echo@example.com", "hi")
    one_line_error(unset, cli.EXIT_USAGE, "$UNSET_VARIABLE is not set")
    # A server needs a password; with no terminal to ask on, say how to give one.
    no_terminal = portsip(env, "--stub", "--quiet", "send", "--server", "pbx.example.com", "sip:echo@example.com", "hi")
    one_line_error(no_terminal, cli.EXIT_USAGE, "--password-env")


def test_on_a_terminal_the_password_is_asked_for(env: dict[str, str], mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTSIP_SDK_LIBRARY", raising=False)
    mocker.patch("sys.stdin.isatty", return_value=True)
    prompt = mocker.patch("getpass.getpass", return_value="typed-secret")
    set_user = mocker.spy(PortSIPLib, "set_user")
    assert cli.main(["--stub", "--quiet", "send", "--server", "pbx.example.com", "--user", "carol", "sip:echo@example.com", "hi"]) == 0
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
        (["watch", "--server", "pbx:notaport"], ["not HOST or HOST:PORT: 'pbx:notaport'"]),
        (["watch", "--count", "many"], ["--count: not a number"]),
        (["watch", "--local-port", "70000"], ["--local-port: not a port"]),
        (["--stub", "presence"], ["give a contact to follow, or --status TEXT"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] in ("fly", "send", "watch", "--stub") else None,
)
def test_bad_arguments(env: dict[str, str], args: list[str], words: list[str]) -> None:
    one_line_error(portsip(env, *args), cli.EXIT_USAGE, *words)


@pytest.mark.parametrize(
    "text, expected",
    [("pbx.example.com", ("pbx.example.com", 5060)), ("pbx:5080", ("pbx", 5080)), ("10.0.0.1:5061", ("10.0.0.1", 5061)),
     ("[::1]", ("::1", 5060)), ("[2001:db8::1]:5080", ("2001:db8::1", 5080)), ("2001:db8::1", ("2001:db8::1", 5060)),
     ("pbx:notaport", None), ("pbx:", None), (":5060", None), ("pbx:0", None), ("pbx:65536", None), ("[::1]x", None),
     ("[pbx]:5060", None), ("2001:db8::zz", None), ("pbx example", None), ("", None), ("pbx:٥٠٦٠", None), ("a/b", None)],
)  # fmt: skip
def test_server_addresses(text: str, expected: tuple[str, int] | None) -> None:
    if expected is None:
        with pytest.raises(argparse.ArgumentTypeError):
            cli._server(text)
    else:
        assert cli._server(text) == expected


def test_a_missing_library(env: dict[str, str]) -> None:
    missing = portsip(env, "send", "--library", "/missing.so", "--user", "bob", "sip:a@b", "x")
    one_line_error(missing, cli.EXIT_NO_LIBRARY, "/missing.so: no such file")
    # The load error comes first: not "--user is needed", which only matters once a library loaded.
    one_line_error(portsip(env, "send", "--library", "/bad/path", "sip:a@b", "x"), cli.EXIT_NO_LIBRARY, "/bad/path: no such file")
    env["PORTSIP_SDK_LIBRARY"] = "/missing/libportsip_sdk.so"
    one_line_error(portsip(env, "watch", "--user", "bob"), cli.EXIT_NO_LIBRARY, "/missing/libportsip_sdk.so")
    demo = [console_script("portsip-demo"), "--library", "/missing.so"]
    result = subprocess.run(demo, env=env, capture_output=True, encoding="utf-8", timeout=60)
    one_line_error(result, cli.EXIT_NO_LIBRARY, "/missing.so")
    assert result.stdout == ""


def test_with_the_sdk_the_user_is_needed(env: dict[str, str]) -> None:
    result = portsip(env, "send", "--library", env["PORTSIP_STUB_LIBRARY"], "--quiet", "sip:a@b", "x")
    one_line_error(result, cli.EXIT_USAGE, "--user is needed with the SDK library")


def test_a_library_that_is_not_the_sdk(env: dict[str, str]) -> None:
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no C library to stand in for a wrong library")
    result = portsip(env, "send", "--library", libc, "--user", "bob", "sip:a@b", "x")
    one_line_error(result, cli.EXIT_NO_LIBRARY, "is not the PortSIP SDK")
    assert "Additionally" not in result.stderr


# ---- output errors: a full disk, a closed pipe, SIGTERM ---------------------------------------------


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["send", "--help"], ["--stub", "send", "sip:echo@example.com", "hi"],
     ["--stub", "watch", "--json", "--count", "2"], ["--stub", "watch"], ["--stub", "presence", "sip:echo@example.com"],
     ["--stub", "demo"], ["--stub", "doctor"], ["--stub", "doctor", "--json"]],
    ids=" ".join,
)  # fmt: skip
def test_a_full_disk_ends_every_command_with_one_line(env: dict[str, str], args: list[str]) -> None:
    """`> /dev/full`: one line on stderr, exit 6, no traceback (and no loop of them: watch has no --count here)."""
    with open(FULL, "w") as full:
        result = portsip(env, "--quiet", *args, stdout=full.fileno(), timeout=30)
    one_line_error(result, cli.EXIT_OUTPUT, "cannot write to stdout: no space left on device")


@pytest.mark.parametrize(
    "args", [["--stub", "watch"], ["--stub", "demo"], ["--stub", "send", "sip:echo@example.com", "hi"]], ids=" ".join
)
def test_a_closed_pipe_ends_every_command_with_one_line(env: dict[str, str], args: list[str]) -> None:
    """As in `portsip watch | head -1`, once head has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = portsip(env, "--quiet", *args, stdout=write_end, timeout=30)
    finally:
        os.close(write_end)
    one_line_error(result, cli.EXIT_OUTPUT, "cannot write to stdout: its reader closed the pipe")


@pytest.mark.parametrize(
    "platform, error, gone",
    [("linux", BrokenPipeError(), True), ("linux", OSError(22, "x"), False), ("win32", OSError(22, "x"), True),
     ("win32", BrokenPipeError(), True), ("win32", OSError(28, "x"), False)],
)  # fmt: skip
def test_a_reader_gone_is_epipe_or_on_windows_einval(mocker: MockerFixture, platform: str, error: OSError, gone: bool) -> None:
    """Windows' C runtime reports a pipe with no reader as EINVAL; anything else is a real error."""
    mocker.patch.object(sys, "platform", platform)
    assert _console.reader_gone(error) is gone


#: Prints the stub's journal of each instance as it uninitializes (the journal ends with the instance).
JOURNAL_AT_UNINITIALIZE = """
control, user, real = StubControl(self), args[0], self._c
class Journaled:
    def __getattr__(self, name):
        return getattr(real, name)
    def PortSIP_unInitialize(self, sdk):
        handle = control._ffi.cast("void*", int(control._lib._ffi.cast("uintptr_t", sdk)))
        print("journal:", user, *[call.function for call in control._journal(handle)], flush=True)
        return real.PortSIP_unInitialize(sdk)
self._c = Journaled()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no SIGTERM to send to one process")
@pytest.mark.parametrize("command", [["watch", "--json"], ["presence", "sip:echo@example.com"]], ids=" ".join)
def test_sigterm_closes_the_instance_which_unregisters_and_exits_0(env: dict[str, str], command: list[str]) -> None:
    """As systemd or Docker stop a service: like Ctrl-C, the instance closes (unregistering) and the exit code is 0."""
    env["SIP_PASSWORD"] = "s3cret"
    args = ["--stub", "--quiet", *command, "--server", "pbx.example.com", "--password-env", "SIP_PASSWORD"]
    process = subprocess.Popen(
        scripted_command(JOURNAL_AT_UNINITIALIZE, *args),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", cwd=NEUTRAL,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline()  # registered, and running
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read()
        journals = [line.split()[1:] for line in process.stdout.read().splitlines() if line.startswith("journal:")]
        assert process.stderr.read() == ""
    finally:
        process.kill()
        process.wait()
    [alice] = [calls for user, *calls in journals if user == "alice"]
    assert alice[-1] == "PortSIP_unRegisterServer" and "PortSIP_registerServer" in alice


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no SIGTERM to send to one process")
def test_sigterm_during_send_closes_the_instance_and_exits_143(env: dict[str, str]) -> None:
    script = JOURNAL_AT_UNINITIALIZE + 'StubControl(self).script_next_send(200, "OK", delay=30)\nprint("ready", flush=True)\n'
    process = subprocess.Popen(
        scripted_command(script, "--stub", "--quiet", "send", "sip:echo@example.com", "hi"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8", cwd=NEUTRAL,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == cli.EXIT_TERMINATED
        assert process.stderr.read() == "portsip: terminated\n"
        assert any(line.startswith("journal: alice ") for line in process.stdout.read().splitlines())  # closed
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows sends Ctrl-C to a whole console, not to one process")
def test_watch_ends_quietly_on_ctrl_c(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [console_script("portsip"), "--stub", "--quiet", "watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        encoding="utf-8",
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        assert json.loads(process.stdout.readline())["event"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""
    finally:
        process.kill()
        process.wait()


# ---- watch ---------------------------------------------------------------------------------------------


def test_watch_prints_each_event_on_one_line(env: dict[str, str]) -> None:
    result = portsip(env, "--stub", "watch", "--count", "2")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.startswith("PresenceRecvSubscribe(") and "from_uri='sip:echo@example.com'" in first
    assert second.startswith("RecvOutOfDialogMessage(") and "data=b'hello from echo'" in second


def test_watch_json_is_one_object_per_line(env: dict[str, str]) -> None:
    result = portsip(env, "--stub", "watch", "--json", "--count", "2", "--subscribe", "sip:echo@example.com")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    by_event = {record["event"]: record for record in records}
    message = by_event["RecvOutOfDialogMessage"]
    assert base64.b64decode(message["data"]) == b"hello from echo" and message["text"] == "hello from echo"
    assert message["from_uri"] == "sip:echo@example.com" and message["to_uri"] == "sip:alice@example.com"
    assert {"PresenceRecvSubscribe", "PresenceOnline"} & set(by_event)


def test_watch_json_keeps_bytes_and_text_exact() -> None:
    body = "Grüße ☕ ".encode() + b"\xff"
    line = cli.event_json(RecvOutOfDialogMessage("Zoë", "sip:z@example.com", "", "sip:a@example.com", "text", "plain", body))
    assert line.isascii()
    record = json.loads(line)
    assert base64.b64decode(record["data"]) == body
    assert record["text"].encode("utf-8", "surrogateescape") == body and record["from_display_name"] == "Zoë"


def test_watch_json_prints_even_an_event_json_cannot_hold() -> None:
    broken = RecvOutOfDialogMessage("Eve", "sip:eve@example.com", "", "sip:a@example.com", "text", "plain", object())  # type: ignore[arg-type]
    record = json.loads(cli.event_json(broken))
    assert record["event"] == "RecvOutOfDialogMessage" and "not encodable as JSON" in record["error"]
    assert "sip:eve@example.com" in record["repr"]


#: Three MESSAGEs whose charsets no codec decodes as text (issue 12: 1 of 3 was printed, exit 0).
HOSTILE_CHARSETS = """
if args[0] == "alice":
    for charset in ("utf-16", "base64", "punycode"):
        StubControl(self).emit(RecvOutOfDialogMessage("Eve", "sip:eve@example.com", "", "sip:alice@example.com", "text",
                                                      "plain;charset=" + charset, b"odd"), delay=0.3)  # after prepare()
"""


def test_watch_json_prints_every_message_whatever_its_charset(env: dict[str, str]) -> None:
    result = scripted(env, HOSTILE_CHARSETS, "--stub", "--quiet", "watch", "--json", "--count", "5")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    texts = {record["sub_mime_type"]: record["text"] for record in map(json.loads, result.stdout.splitlines()) if "text" in record}
    assert texts == {"plain": "hello from echo", "plain;charset=utf-16": "odd", "plain;charset=base64": "odd",
                     "plain;charset=punycode": "odd"}  # fmt: skip


def test_watch_never_exits_0_after_losing_an_event(env: dict[str, str]) -> None:
    """Whatever fails while printing an event (here: the printer itself), the command says so and exits 1."""
    fails_once = """
    import portsip.cli._base as c
    if not hasattr(c, "original"):
        c.original = c.Output.line
        def line(output, text):
            if "RecvOutOfDialogMessage" in text:
                raise RuntimeError("the printer broke")
            return c.original(output, text)
        c.Output.line = line
"""
    result = scripted(env, fails_once, "--stub", "--quiet", "watch", "--json", "--timeout", "2")
    assert result.returncode == cli.EXIT_FAILED, result.stdout + result.stderr
    assert "the printer broke" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("portsip: 1 exception(s) in event handlers")


def test_watch_stops_after_its_timeout(env: dict[str, str]) -> None:
    result = portsip(env, "--stub", "watch", "--timeout", "0.5", timeout=30)
    assert result.returncode == 0, result.stderr
    # what arrived meanwhile: the echo user's subscription and hello (a loaded machine may be slower)
    assert all(line.startswith(("PresenceRecvSubscribe(", "RecvOutOfDialogMessage(")) for line in result.stdout.splitlines())


# ---- presence --------------------------------------------------------------------------------------


def test_presence_follows_contacts_and_answers_watchers(env: dict[str, str]) -> None:
    result = portsip(env, "--stub", "presence", "sip:echo@example.com", "sip:nobody@example.com", "--status", "Busy", "--count", "3")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        "sip:echo@example.com is online: 'Available'",
        "sip:echo@example.com watches you: sent 'Busy'",
        "sip:nobody@example.com is offline",
    ]


# ---- the stub's echo user, as a test double ------------------------------------------------------


def test_the_echo_user_answers_and_accepts(portsip_lib: PortSIPLib, portsip_stub_library: str) -> None:
    from portsip.events import PresenceOnline
    from portsip.testing import EchoUser

    with EchoUser(portsip_stub_library) as echo:
        assert echo.uri == "sip:echo@example.com"
        portsip_lib.add_supported_mime_type("MESSAGE", "application", "json")
        portsip_lib.send_out_of_dialog_message(echo.uri, "application", "json", b'{"ping": 1}')
        reply = portsip_lib.wait_for(RecvOutOfDialogMessage)
        assert (reply.from_uri, reply.sub_mime_type, reply.data) == (echo.uri, "json", b'{"ping": 1}')
        portsip_lib.presence_subscribe(echo.uri)
        assert portsip_lib.wait_for(PresenceOnline).state_text == "Available"
    assert StubControl(portsip_lib).calls_to("PortSIP_sendOutOfDialogMessage")


def test_the_echo_user_ignores_a_subscription_withdrawn_before_it_could_accept(portsip_stub_library: str) -> None:
    # The watcher (a CLI run with --count 1) may close before the echo's handler runs: not an error of the echo's.
    import threading

    from portsip.events import PresenceRecvSubscribe, RegisterSuccess
    from portsip.testing import EchoUser

    with EchoUser(portsip_stub_library) as echo:
        release, blocked = threading.Event(), threading.Event()
        echo.lib.on(RegisterSuccess, lambda event: (blocked.set(), release.wait(10)))
        StubControl(echo.lib).emit(RegisterSuccess(status_text="OK", status_code=200, sip_message=""))
        assert blocked.wait(10)  # the echo's handlers are held: its subscription will be handled late
        with PortSIPLib(portsip_stub_library) as watcher:
            watcher.initialize(local_sip_port=0)
            watcher.set_user("watcher", sip_domain="example.com")
            watcher.presence_terminate_subscribe(watcher.presence_subscribe(echo.uri))  # as Roster.close() does
            echo.lib.wait_for(PresenceRecvSubscribe, timeout=10)
        release.set()  # the watcher is gone: the echo's accept meets an unknown subscription
        echo.lib.drain(timeout=10)
    # close() re-raises what a handler raised: reaching here means the echo took the withdrawal quietly


# ---- structure ---------------------------------------------------------------------------------------


def _imports(package: Path) -> dict[str, set[str]]:
    """Module -> the portsip modules it imports, anywhere in its body (a lazy import counts too)."""
    import ast

    found: dict[str, list[tuple[str, list[str]]]] = {}  # module -> (imported module, names taken from it)
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        base = module.split(".") if parts[-1] == "__init__" else module.split(".")[:-1]
        imports = found.setdefault(module, [])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imports += [(alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                anchor = base[: len(base) - node.level + 1] if node.level else []
                imports.append((".".join([*anchor, *(node.module.split(".") if node.module else [])]), [a.name for a in node.names]))
    graph: dict[str, set[str]] = {}
    for module, imports in found.items():
        targets = graph.setdefault(module, set())
        for origin, names in imports:
            submodules = [f"{origin}.{name}" for name in names if f"{origin}.{name}" in found]  # "from . import demo"
            targets.update(submodules or [origin])
        targets &= set(found) - {module}
    return graph


def test_no_import_circle_in_the_package() -> None:
    """Issue 16: no module of portsip imports one that imports it back, directly or through others (a
    lazy import counts); cli and demo never import each other; the test doubles are imported by the
    CLI, never the reverse."""
    graph = _imports(Path(cli.__file__).parent.parent)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            if module == goal:
                return True
            if module not in seen:
                seen.add(module)
                todo.extend(graph.get(module, ()))
        return False

    for module in graph:
        assert not any(reaches(imported, module) for imported in graph[module]), f"{module} is in an import circle"
    assert "portsip.cli" in graph["portsip.__main__"] and not reaches("portsip.demo", "portsip.cli")
