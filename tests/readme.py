"""The ```python blocks of the README and of the guides, for the tests that run and type-check them.

A block whose first line is a comment naming a file (``# test_chat.py``) is that file: test
files run under pytest together with the other named files (a module such as ``echo_bot.py``).
Every other block is a script, run as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: The documents whose examples the tests run: the README and the guides it links to.
DOCUMENTS = (README, ROOT / "docs" / "guide.md", ROOT / "docs" / "testing.md")

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
_FILE_NAME = re.compile(r"# (\w+\.py)\n")


@dataclass(frozen=True)
class Block:
    document: Path
    line: int  # where the code starts in the document
    code: str
    file_name: str | None  # "test_chat.py" for a block that starts with "# test_chat.py"

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def name(self) -> str:
        return self.file_name or f"{self.document.stem}_line_{self.line}.py"


def python_blocks() -> list[Block]:
    blocks = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            code = match[1]
            named = _FILE_NAME.match(code)
            blocks.append(Block(document, text.count("\n", 0, match.start(1)) + 1, code, named[1] if named else None))
    return blocks


def marked_block(marker: str) -> tuple[Path, str]:
    """The document and code of the block that follows the HTML comment ``marker``."""
    for document in DOCUMENTS:
        match = re.search(re.escape(marker) + r"\n```python\n(.*?)\n```\n", document.read_text(encoding="utf-8"), re.S)
        if match:
            return document, match.group(1)
    raise AssertionError(f"no document has the block after {marker}")


def write_blocks(directory: Path) -> list[Path]:
    """Every block as a file in ``directory``; the paths written."""
    paths = []
    for block in python_blocks():
        path = directory / block.name
        path.write_text(block.code, encoding="utf-8")
        paths.append(path)
    return paths
