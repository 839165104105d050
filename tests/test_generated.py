"""The generated files are what the header implies (run tools/generate.py after editing the header)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_files_are_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
