"""docs/presence-and-chat.md: its examples run as written on the stub and print what they say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from readme import _BLOCK

DOC = Path(__file__).resolve().parent.parent / "docs" / "presence-and-chat.md"
BLOCKS = [match[1] for match in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))]
#: A line each example prints (its comments say so).
EXPECTED = ["Bob active In a meeting", "sip:alice@example.com: Lunch?", "34jk324j ['positive-delivery'] Hello"]


def test_the_doc_has_its_three_examples() -> None:
    assert len(BLOCKS) == len(EXPECTED) == 3


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_the_examples_run_on_the_stub(index: int, portsip_stub_library: str, tmp_path: Path) -> None:
    script = tmp_path / f"example_{index}.py"
    script.write_text(BLOCKS[index], encoding="utf-8")
    env = dict(os.environ, PORTSIP_STUB_LIBRARY=portsip_stub_library, PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert EXPECTED[index] in result.stdout, result.stdout  # in: a handler thread prints too, lines may interleave
