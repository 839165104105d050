"""The examples of the README and the guides run as written: scripts on the stub, test files under
pytest, the README's command lines with the exit codes it states. (tests/test_typing.py type-checks them.)"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support import console_script

from readme import README, Block, python_blocks

SCRIPTS = [block for block in python_blocks() if block.file_name is None]
FILES = [block for block in python_blocks() if block.file_name is not None]


def test_the_documents_have_the_examples_this_file_runs() -> None:
    assert SCRIPTS and {"test_chat.py", "echo_bot.py", "test_echo_bot.py", "test_async_echo.py"} <= {b.file_name for b in FILES}


@pytest.mark.parametrize("block", SCRIPTS, ids=lambda b: b.where)
def test_script_runs_on_the_stub(block: Block, portsip_stub_library: str, tmp_path: Path) -> None:
    """A script that needs the SDK gets the stub the way a user would: through $PORTSIP_SDK_LIBRARY."""
    script = tmp_path / block.name
    script.write_text(block.code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=_env(PORTSIP_SDK_LIBRARY=portsip_stub_library)
    )
    assert result.returncode == 0, result.stderr


def test_test_files_pass_under_pytest(pytester: pytest.Pytester) -> None:
    for block in FILES:
        pytester.makepyfile(**{block.name.removesuffix(".py"): block.code})
    tests = sum(len(re.findall(r"^(?:async )?def test_", block.code, re.M)) for block in FILES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=tests)


def _command_lines() -> list[tuple[str, int]]:
    """(command, stated exit code) for each line of the first sh block under "## Command line"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command line") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    lines = []
    for line in block[1].splitlines():
        stated = re.search(r"# exit code (\d+)", line)
        lines.append((line, int(stated[1]) if stated else 0))
    return lines


@pytest.mark.parametrize("line, exit_code", _command_lines(), ids=lambda v: v.split("#")[0].strip() if isinstance(v, str) else None)
def test_command_line_example(line: str, exit_code: int, portsip_stub_library: str) -> None:
    program, *args = shlex.split(line, comments=True)
    result = subprocess.run(
        [console_script(program), *args], capture_output=True, text=True, timeout=120, env=_env(PORTSIP_STUB_LIBRARY=portsip_stub_library)
    )
    assert result.returncode == exit_code, result.stderr


def _env(**extra: str) -> dict[str, str]:
    """This process's environment without an SDK configured, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PORTSIP_SDK_LIBRARY"}
    return {**env, **extra}
