"""The commands ``send``, ``watch`` (and ``record``), ``replay``, ``doctor`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from .._console import Stdout
from .._lib import PortSIPLib
from ..errors import SendFailedError
from ..events import Event
from ..trace import Recording, TracedEvent, TraceError, read_trace
from ._base import (
    EXIT_FAILED,
    EXIT_NO_LIBRARY,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    STUB_MARK,
    CommandError,
    Output,
    _nothing_lost,
    _stub,
    event_json,
    load_library,
    signed_in,
)


def run_demo(options: argparse.Namespace) -> int:
    from .. import demo

    demo.run(load_library(options, stub_by_default=True).path)
    return EXIT_OK


def run_send(options: argparse.Namespace) -> int:
    mime_type, sub_mime_type = options.type
    body = sys.stdin.buffer.read() if options.text == "-" else options.text.encode("utf-8", "surrogateescape")
    with signed_in(options) as session:
        mark = STUB_MARK if session.library.is_stub else ""
        receipt = session.lib.send_out_of_dialog_message_with_receipt(
            options.to, mime_type, sub_mime_type, body, is_sms=options.sms, timeout=options.timeout
        )
        try:
            receipt.result()
        except TimeoutError:
            raise CommandError(EXIT_TIMEOUT, f"no answer from {options.to} within {options.timeout:g} s{mark}") from None
        except SendFailedError as failure:
            raise CommandError(EXIT_FAILED, f"{options.to} refused the message: {failure.code} {failure.reason}{mark}") from None
    out = Stdout()
    out.line(f"delivered to {options.to}{mark}")
    out.check()
    return EXIT_OK


def run_watch(options: argparse.Namespace) -> int:
    output = Output(options.count)
    show: Callable[[Event], str] = event_json if options.json else repr
    recordings: list[Recording] = []

    def prepare(lib: PortSIPLib) -> None:
        if getattr(options, "out", None) is not None:  # portsip record: from before anything arrives
            recordings.append(lib.record(options.out, redact=options.redact))
        lib.on(Event, lambda event: output.line(show(event)))
        for mime_type, sub_mime_type in options.accept:
            lib.add_supported_mime_type("MESSAGE", mime_type, sub_mime_type)

    with output.ends_on_signals(), signed_in(options, prepare) as session:
        for contact in options.subscribe:
            session.lib.presence_subscribe(contact)
        output.wait(options.timeout)
        output.stdout.check()
        _nothing_lost(session.lib)
    for recording in recordings:  # closing the instance stopped it, with every event delivered
        if recording.error is not None:
            raise CommandError(EXIT_FAILED, f"the trace {options.out} is incomplete: {recording.error}")
        if recording.dropped:
            raise CommandError(EXIT_FAILED, f"the trace {options.out} lacks {recording.dropped} item(s): the disk was too slow")
    return EXIT_OK


run_record = run_watch  # the same, with --out: the events go to a trace too


def run_replay(options: argparse.Namespace) -> int:
    """Print the events of a trace as ``watch`` prints them (no SDK needed)."""
    out = Stdout()
    show: Callable[[Event], str] = event_json if options.json else repr
    try:
        for item in read_trace(options.trace):
            if isinstance(item, TracedEvent):
                out.line(show(item.event))
    except OSError as exc:
        raise CommandError(EXIT_USAGE, f"cannot read {options.trace}: {exc.strerror or exc}") from None
    except TraceError as exc:
        raise CommandError(EXIT_FAILED, f"{options.trace}: {exc}") from None
    out.check()
    return EXIT_OK


def run_doctor(options: argparse.Namespace) -> int:
    from .. import _doctor

    report = _doctor.diagnose(_stub(options) or options.library)
    out = Stdout()
    out.line(json.dumps(report.as_dict(), indent=2) if options.json else report.text())
    out.check()
    return EXIT_OK if report.ok else EXIT_NO_LIBRARY
