"""The README's demo runs on the stub and prints the typed events."""

from __future__ import annotations

import subprocess
import sys

from portsip import demo


def test_demo_runs(portsip_stub_library: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, portsip.demo; sys.exit(portsip.demo.main(sys.argv[1:]))", "--library", portsip_stub_library],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(__import__("pathlib").Path(demo.__file__).parent.parent),
    )
    assert result.returncode == 0, result.stderr
    for expected in ("RegisterSuccess(", "PresenceRecvSubscribe(", "PresenceOnline(", "state_text='Available'",
                     "RecvOutOfDialogMessage(", "Bob reads: 'Hi Bob! ☕?'", "PresenceOffline(", "Done"):
        assert expected in result.stdout, result.stdout
