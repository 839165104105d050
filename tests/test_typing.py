"""mypy --strict passes on the package, the tools, typing_tests/ and the README's examples.

typing_tests/ pins what a licensee's type checker sees (wait_for((A, B)) is A | B, ...) and
marks mistakes that must be reported (an unused `# type: ignore` fails the run).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from readme import write_blocks

ROOT = Path(__file__).resolve().parent.parent



def test_package_typing_tests_and_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    examples = tmp_path / "readme_examples"
    examples.mkdir()
    write_blocks(examples)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", "portsip", "tools", "typing_tests", str(examples)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
