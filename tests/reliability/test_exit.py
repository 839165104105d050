"""Exit: a process that ends in the middle of a flood of SDK events exits with the code it asked
for, without a hang, a crash or a sanitizer report: falling off the end, sys.exit() in the main
thread, SystemExit raised in a handler (recorded like any handler exception, and passed on by the
main thread), and an unhandled exception.

The flood comes from the stub's flood threads, which keep calling the handler they took at the
start through close() and interpreter exit, as SDK threads that outlive unInitialize would. Their
late calls find no queue in C and never enter Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from reliability_support import size
from support import run_python

RUNS = size(1, 25)  # per variant: 4 variants x 25 = 100 exits in full

SCRIPT = """
    import os, sys, time
    from portsip import HandlerError, PortSIPLib, events
    from portsip.testing import StubControl, stub_library_path

    variant = os.environ["EXIT_VARIANT"]
    lib = PortSIPLib(stub_library_path())
    lib.initialize()
    handled = [0]

    def handler(event):
        handled[0] += 1
        if variant == "handler_sys_exit" and handled[0] == 200:
            sys.exit(3)

    lib.on(events.RecvOutOfDialogMessage, handler)
    event = events.RecvOutOfDialogMessage("Flood", "sip:flood@example.com", "Bob", "sip:bob@example.com",
                                          "text", "plain", bytes(16))
    control = StubControl(lib)
    control.flood(event, 10**7, threads=4, rate=20_000, wait=False)  # native threads still firing at exit
    while handled[0] < 500:  # in the middle of the flood
        time.sleep(0.001)
    if variant == "sys_exit":
        sys.exit(4)
    if variant == "unhandled":
        raise RuntimeError("unhandled in the main thread")
    if variant == "handler_sys_exit":
        try:
            lib.check_errors()
        except HandlerError as exc:  # SystemExit in a handler ends the handler, not the process
            sys.exit(exc.errors[0].code)
        sys.exit(99)
    print("exiting")
"""

#: variant -> (exit code, text expected in stdout or stderr)
VARIANTS = {
    "normal": (0, "exiting"),
    "sys_exit": (4, ""),
    "handler_sys_exit": (3, ""),
    "unhandled": (1, "RuntimeError: unhandled in the main thread"),
}
CRASH_SIGNS = ("Fatal Python error", "Segmentation fault", "AddressSanitizer", "runtime error:", "Exception ignored")


@pytest.mark.parametrize("variant", VARIANTS)
def test_exit_in_the_middle_of_a_flood(
    portsip_stub_library: str, variant: str, figure: Callable[..., None]
) -> None:
    code, text = VARIANTS[variant]
    durations = []
    for _ in range(RUNS):
        began = time.monotonic()
        result = run_python(SCRIPT, portsip_stub_library, timeout=60, EXIT_VARIANT=variant)
        durations.append(time.monotonic() - began)
        assert result.returncode == code, result.stderr[-3000:]
        assert text in result.stdout + result.stderr
        assert not any(sign in result.stderr for sign in CRASH_SIGNS), result.stderr[-3000:]
    figure("exits with the expected code", RUNS)
    figure("slowest exit, s", max(durations))
