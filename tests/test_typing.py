"""mypy --strict passes on the package, the tools, typing_tests/ and the README's examples.

typing_tests/ pins what a licensee's type checker sees (wait_for((A, B)) is A | B, ...) and
marks mistakes that must be reported (an unused `# type: ignore` fails the run).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from readme import write_blocks

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["portsip", "tools", "typing_tests"]


def parser_options() -> list[str]:
    """mypy's fast parser is a compiled module (ast_serialize, mypy 2); where it is installed but
    does not load (under Wine: a Windows DLL it needs is missing) mypy stops with an internal
    error, so use its Python parser there."""
    try:
        importlib.import_module("ast_serialize")
    except ModuleNotFoundError:  # an older mypy, with no fast parser to turn off
        return []
    except ImportError:
        return ["--no-native-parser"]
    return []


def test_package_typing_tests_and_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    examples = tmp_path / "readme_examples"
    examples.mkdir()
    write_blocks(examples)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *parser_options(), "--strict", "--warn-unused-ignores", *CHECKED, str(examples)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
