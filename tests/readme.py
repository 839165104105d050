"""The README's ```python blocks, for the tests that run and type-check them.

A block whose first line is a comment naming a file (``# test_chat.py``) is that file: test
files run under pytest together with the other named files (a module such as ``echo_bot.py``).
Every other block is a script, run as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
_FILE_NAME = re.compile(r"# (\w+\.py)\n")


@dataclass(frozen=True)
class Block:
    line: int  # where the code starts in README.md
    code: str
    file_name: str | None  # "test_chat.py" for a block that starts with "# test_chat.py"

    @property
    def name(self) -> str:
        return self.file_name or f"readme_line_{self.line}.py"


def python_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        code = match[1]
        named = _FILE_NAME.match(code)
        blocks.append(Block(text.count("\n", 0, match.start(1)) + 1, code, named[1] if named else None))
    return blocks


def write_blocks(directory: Path) -> list[Path]:
    """Every block as a file in ``directory``; the paths written."""
    paths = []
    for block in python_blocks():
        path = directory / block.name
        path.write_text(block.code, encoding="utf-8")
        paths.append(path)
    return paths
