"""``portsip doctor``: which SDK library this Python would load and why, and what stops it, one line each.

It asks the loader (:mod:`portsip._loader`) exactly what ``PortSIPLib(library)`` asks it: the same
resolution (``--library``, ``$PORTSIP_SDK_LIBRARY``, the default name), the same attempts in the
same order, the same reasons (not found and where it was looked for, another system or
architecture read from the file's header, a missing dependency, missing functions). Then, when the
library loads with the whole ABI, it starts one instance for the SDK's version (PortSIP_getVersion).
It also reports what the rest of the binding runs on: the native event library, whether the stub
is prebuilt or can be built, and the Python, cffi and platform versions.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sys
from dataclasses import asdict, dataclass, field

import cffi

from . import _binary, _cbuild, _loader
from ._delivery import native
from ._version import __version__
from .errors import LibraryLoadError, PortSIPError

#: The ABI the binding is written against (native/portsip_abi.h).
ABI_VERSION = "v17.1"
#: Missing functions the text report names (the JSON lists them all).
SHOWN_MISSING = 10
#: The environment variable that points the binding at another native event library (a sanitizer build).


@dataclass
class Attempt:
    candidate: str
    opened: str | None  # the file opened, or None
    reason: str | None  # why it did not open


@dataclass
class Report:
    """What ``portsip doctor`` found; :attr:`problem` is None when the SDK loads with the whole ABI."""

    why: str  # which library, and why that one
    origin: str | None  # "argument", "environment", "default" (None: the choice itself failed)
    candidates: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    loaded: str | None = None  # the file that loaded
    binary: str | None = None  # its format and architecture, from its header
    is_stub: bool = False  # portsip's stub library, not the SDK
    functions_declared: int = 0  # functions of the ABI
    functions_missing: list[str] = field(default_factory=list)
    sdk_version: str | None = None
    sdk_version_error: str | None = None
    events_library: str = ""
    stub_library: str = ""
    python: str = ""
    cffi: str = ""
    platform: str = ""
    portsip: str = __version__
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, **asdict(self)}

    def text(self) -> str:
        lines = [f"library      {self.why}"]
        lines += [f"  tried      {a.candidate}: {a.reason}" for a in self.attempts if a.reason]
        if self.loaded:
            lines.append(f"  loaded     {self.loaded}" + (f" ({self.binary})" if self.binary else ""))
        if self.is_stub:
            lines.append("  NOTE       this is portsip's stub library, which simulates the SDK: not the PortSIP SDK")
        if self.functions_declared:
            present = self.functions_declared - len(self.functions_missing)
            abi = f"{present}/{self.functions_declared} functions of the PortSIP SDK {ABI_VERSION} ABI"
            if self.functions_missing:
                shown = ", ".join(self.functions_missing[:SHOWN_MISSING])
                more = f", ... ({len(self.functions_missing) - SHOWN_MISSING} more: --json lists all)" if len(
                    self.functions_missing) > SHOWN_MISSING else ""  # fmt: skip
                abi += f"; {len(self.functions_missing)} missing: {shown}{more}"
            lines.append(f"ABI          {abi}")
        if self.sdk_version or self.sdk_version_error:
            lines.append(f"SDK version  {self.sdk_version or 'unknown: ' + str(self.sdk_version_error)}")
        lines += [
            f"events       {self.events_library}",
            f"stub         {self.stub_library}",
            f"python       {self.python}",
            f"cffi         {self.cffi}",
            f"platform     {self.platform}",
            f"portsip      {self.portsip}",
            "",
            f"result       {'OK: the SDK loads with the whole ' + ABI_VERSION + ' ABI' if self.ok else 'PROBLEM: ' + str(self.problem)}",
        ]
        return "\n".join(lines)


def _why(resolution: _loader.Resolution) -> str:
    if resolution.origin == "argument":
        return f"{resolution.candidates[0]} (given with --library)"
    if resolution.origin == "environment":
        return f"{resolution.candidates[0]} (from ${_loader.ENV_VAR})"
    names = ", ".join(resolution.candidates)
    return f"{names} (no --library, ${_loader.ENV_VAR} unset: the default name on the loader's path)"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sdk_version(library: str | None) -> str:
    """PortSIP_getVersion of an instance started on a free loopback port, closed at once."""
    from ._lib import PortSIPLib  # the whole binding, only once the library is known to load

    with PortSIPLib(library) as lib:
        lib.initialize(local_ip="127.0.0.1", local_sip_port=_free_udp_port())
        major, minor = lib.get_version()
    return f"{major}.{minor}"


def _events_library() -> str:
    configured = os.environ.get(native.ENV_LIBRARY)
    packaged = native.packaged_library()
    where = f"{configured} (from ${native.ENV_LIBRARY})" if configured else f"{packaged} (in the package)" if packaged else ""
    try:
        native.events_library()
    except LibraryLoadError as exc:
        return f"{where}: {exc}" if where else str(exc)
    return where


def _stub_library() -> str:
    from .testing import _build  # where the stub comes from: asked here only

    configured = os.environ.get(_build.ENV_LIBRARY)
    if configured:
        return f"{configured} (from ${_build.ENV_LIBRARY})"
    packaged = _cbuild.packaged_library(_build.STUB.name)
    if packaged:
        return f"prebuilt in the package: {packaged}"
    try:
        compiler = _cbuild.find_compiler()
    except _cbuild.BuildError as exc:
        return f"not prebuilt, and cannot be built here: {exc}"
    program = compiler.command[0]
    return f"not prebuilt; built on first use with {program} ({shutil.which(program) or 'not on PATH'})"


def _python() -> str:
    arch = _binary.python_arch()
    return f"{platform.python_implementation()} {platform.python_version()}, {arch.bits}-bit {arch}, {sys.executable}"


def _platform() -> str:
    try:
        return platform.platform()
    except Exception as exc:  # e.g. Wine's WMI: the report goes on without it
        return f"{sys.platform} (platform.platform() failed: {exc})"


def diagnose(library: str | None = None) -> Report:
    """Look at the SDK library ``library`` (None: as ``PortSIPLib()`` would find it) and what the binding needs."""
    try:
        resolution = _loader.resolve(library)
    except LibraryLoadError as exc:
        report = Report(why=str(exc), origin=None, problem=str(exc))
    else:
        report = Report(why=_why(resolution), origin=resolution.origin, candidates=list(resolution.candidates))
        _look_at(report, resolution, library)
    report.events_library = _events_library()
    report.stub_library = _stub_library()
    report.python = _python()
    report.cffi = cffi.__version__
    report.platform = _platform()
    return report


def _look_at(report: Report, resolution: _loader.Resolution, library: str | None) -> None:
    opened = None
    for attempt in _loader.attempts(resolution):
        report.attempts.append(Attempt(attempt.candidate, attempt.path, attempt.reason))
        if attempt.opened:
            opened = attempt
    if opened is None or opened.path is None:
        reasons = "; ".join(f"{a.candidate}: {a.reason}" for a in report.attempts)
        report.problem = f"cannot load {_why(resolution)}: {reasons}"
        return
    report.loaded = opened.path
    binary = _binary.read(opened.path)
    report.binary = str(binary) if binary else None
    report.is_stub = _loader.is_stub_library(opened.path)
    report.functions_declared = opened.declared
    report.functions_missing = list(opened.missing)
    if opened.missing:
        missing, declared = len(opened.missing), opened.declared
        report.problem = (
            f"{opened.path} is not the PortSIP SDK {ABI_VERSION}: it exports {declared - missing} of the {declared} "
            f"functions of its ABI, {missing} missing" + (": is it the SDK at all?" if missing == declared else ": another version?")
        )
        return
    try:
        report.sdk_version = _sdk_version(library)
    except (PortSIPError, OSError) as exc:
        report.sdk_version_error = f"{type(exc).__name__}: {exc}"
