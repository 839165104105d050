"""The README's demo runs on the stub and prints the typed events, on any console encoding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portsip import demo


@pytest.mark.parametrize(
    "encoding, coffee",
    [
        ("utf-8", "☕"),
        ("cp1252", "\\u2615"),  # a Windows console or pipe: what it cannot show arrives escaped
        ("cp437", "\\u2615"),
    ],
)
def test_demo_runs(portsip_stub_library: str, encoding: str, coffee: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portsip", "demo", "--library", portsip_stub_library],
        capture_output=True,
        timeout=120,
        cwd=str(Path(demo.__file__).parent.parent),
        env={**os.environ, "PYTHONIOENCODING": encoding},
    )
    stdout, stderr = result.stdout.decode(encoding), result.stderr.decode(encoding, "replace")
    assert result.returncode == 0, stderr
    stub_note = "it is portsip's stub, simulated answers, nothing reaches a network"
    assert stderr.splitlines() == [f"portsip: SDK library {portsip_stub_library} (from --library): {stub_note}"]
    for expected in ("RegisterSuccess(", "PresenceRecvSubscribe(", "PresenceOnline(", "state_text='Available'",
                     "RecvOutOfDialogMessage(", f"Bob reads: 'Hi Bob! {coffee}?'", "PresenceOffline(", "Done"):
        assert expected in stdout, stdout


def test_console_streams_escape_what_they_cannot_encode() -> None:
    code = (
        "import sys; from portsip._console import make_console_streams_safe; make_console_streams_safe();"
        "print('caf\\u00e9 \\u2615 \\udcff'); print('\\u2615', file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "cp437"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("cp437").split() == ["café", "\\u2615", "\\udcff"]
    assert result.stderr.decode("cp437").strip() == "\\u2615"
