"""Compile the project's native libraries: the one place that knows compilers, flags and outputs.

Every native library the project builds is one entry of :data:`LIBRARIES` (its sources, include
directories and exported headers). :func:`build` compiles an entry for a target:

* ``"posix"`` (Linux and other ELF systems: ``libNAME.so``) and ``"darwin"`` (``libNAME.dylib``)
  with the host's C compiler, ``$CC`` else ``cc``;
* ``"windows"`` (x64, ``NAME.dll``): on Windows with ``$CC``, else ``gcc`` (mingw-w64, MSYS2) or
  MSVC's ``cl`` from a developer prompt; from another system with the mingw-w64 cross compiler
  ``x86_64-w64-mingw32-gcc`` (``$PORTSIP_MINGW_CC`` to override).

gcc-style compilers get the project's warning set as errors (:data:`WARNINGS`); the Windows
DLL links its C runtime support statically (``-static-libgcc``) and uses Win32 threads
(native/ps_threads.h), so it needs only system DLLs. MSVC gets ``/W3`` without ``/WX``: no CI
here runs it, and a licensee's build must not fail on a warning class gcc never showed.

A build is atomic: the compiler writes into a temporary directory beside the output, which is
renamed into place only when complete, so concurrent builders never see half a library.

This module imports only the standard library, so that a build hook (setup.py) can load it by
file path without importing portsip. Run it to build libraries by hand::

    python portsip/_cbuild.py --target windows --out dist/bin          # every library
    python portsip/_cbuild.py --target windows --out dist/bin portsip_stub
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

#: Warnings are errors: the native code must agree with portsip_abi.h to the letter, and every
#: function it exports must have a prototype in one of our headers (-Wmissing-prototypes).
WARNINGS = ("-Wall", "-Wextra", "-Werror", "-Wpedantic", "-Wmissing-prototypes", "-Wstrict-prototypes")
GCC_FLAGS = ("-std=c11", "-O1", "-shared", *WARNINGS)
GCC_TARGET_FLAGS = {
    "posix": ("-g", "-fPIC", "-pthread"),
    "darwin": ("-g", "-fPIC", "-pthread"),
    "windows": ("-static-libgcc",),
}
MSVC_FLAGS = ("/nologo", "/std:c11", "/O1", "/W3", "/utf-8", "/LD", "/D_CRT_SECURE_NO_WARNINGS")

TARGETS = tuple(GCC_TARGET_FLAGS)
MINGW_CC = "x86_64-w64-mingw32-gcc"

#: Where an installed package keeps its prebuilt libraries (setup.py builds every entry of
#: LIBRARIES there; the wheels carry them): portsip/_prebuilt/<library file name>.
PREBUILT_DIR = "_prebuilt"

#: Source directories by role (with a file that marks each): in a checkout <root>/<role>,
#: installed portsip/_<role>.
SOURCE_ROLES = {"native": "portsip_abi.h", "stubs": "stub_internal.h", "stubs/wire": "wire.h"}


class BuildError(Exception):
    """A native library could not be built: no suitable compiler, or the sources do not compile."""


@dataclass(frozen=True)
class LibrarySpec:
    """How to build one native library of the project: its files by role (never by path), exports, flags."""

    name: str  # file stem: portsip_stub -> libportsip_stub.so, libportsip_stub.dylib, portsip_stub.dll
    sources: tuple[tuple[str, str], ...]  # (role, glob) pairs; every match is a translation unit
    include_dirs: tuple[str, ...]  # roles on the include path; every header there is a build input
    exports: tuple[tuple[str, str], ...]  # (role, header): the functions the library exports
    optimize_for_speed: bool = False  # -O2 (/O2) instead of -O1 (/O1): for code on a hot path


#: The project's native libraries. Adding one is one entry: the install step (setup.py), the
#: stub's build and cache, the wheels (tools/build_wheels.py) and CI pick up every entry.
LIBRARIES: dict[str, LibrarySpec] = {
    "portsip_stub": LibrarySpec(
        name="portsip_stub",
        sources=(("stubs", "*.c"),),
        include_dirs=("native", "stubs"),
        exports=(("native", "portsip_abi.h"), ("stubs", "portsip_stub.h")),
    ),
    # The native event queue: C handlers for the SDK's callbacks (portsip/_delivery/native.py).
    # Every installed portsip carries it prebuilt (setup.py builds it; the wheels ship it).
    "portsip_events": LibrarySpec(
        name="portsip_events",
        sources=(("native", "portsip_events.c"),),
        include_dirs=("native",),
        exports=(("native", "portsip_events.h"),),
        optimize_for_speed=True,
    ),
}


@dataclass(frozen=True)
class Compiler:
    command: tuple[str, ...]  # argv prefix, e.g. ("cc",) or ("cc", "-fsanitize=address")
    style: str  # "gcc" (gcc, clang, mingw-w64) or "msvc" (cl, clang-cl)
    target: str  # one of TARGETS


# ---- where things are --------------------------------------------------------------------------

def source_dir(role: str) -> Path:
    """The directory of a source role: portsip/_<role> when installed, <checkout>/<role> otherwise."""
    if role not in SOURCE_ROLES:
        raise ValueError(f"unknown source role {role!r}; known: {', '.join(SOURCE_ROLES)}")
    candidates = (_PACKAGE / f"_{role}", _PACKAGE.parent / role)
    for candidate in candidates:
        if (candidate / SOURCE_ROLES[role]).is_file():
            return candidate
    raise FileNotFoundError(
        f"the {role} sources are missing: looked in {candidates[0]} and {candidates[1]}; the portsip installation is incomplete"
    )


def host_target() -> str:
    if sys.platform == "win32":
        return "windows"
    return "darwin" if sys.platform == "darwin" else "posix"


def library_filename(name: str, target: str | None = None) -> str:
    target = target or host_target()
    if target == "windows":
        return f"{name}.dll"
    return f"lib{name}.dylib" if target == "darwin" else f"lib{name}.so"


def packaged_library(name: str) -> Path | None:
    """The prebuilt library ``name`` for this system shipped inside the installed package, if any."""
    candidate = _PACKAGE / PREBUILT_DIR / library_filename(name)
    return candidate if candidate.is_file() else None


def _files(patterns: Iterable[tuple[str, str]]) -> dict[str, Path]:
    """Map "role/name" to the path of every file matching the (role, glob) patterns, sorted by key."""
    found = {f"{role}/{path.name}": path for role, pattern in patterns for path in source_dir(role).glob(pattern)}
    return dict(sorted(found.items()))


def sources(library: LibrarySpec) -> list[Path]:
    """The library's translation units, in a stable order."""
    files = list(_files(library.sources).values())
    if not files:
        raise BuildError(f"{library.name}: no source files match {library.sources}")
    return files


def inputs(library: LibrarySpec) -> dict[str, Path]:
    """Everything a build of the library reads, by "role/name": its sources and every header it may include."""
    return _files([*library.sources, *((role, "*.h") for role in library.include_dirs)])


# ---- compilers ---------------------------------------------------------------------------------

def _split_command(text: str) -> list[str]:
    if os.name == "nt":  # keep backslashes in Windows paths; drop the quotes around parts
        return [part.strip('"') for part in shlex.split(text, posix=False)]
    return shlex.split(text)


def _style(program: str) -> str:
    stem = Path(program).name.lower().removesuffix(".exe")
    return "msvc" if stem in ("cl", "clang-cl") else "gcc"


def find_compiler(target: str | None = None) -> Compiler:
    """The C compiler for ``target`` (default: this system), or BuildError saying what to install."""
    target = target or host_target()
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
    if target == host_target():
        configured = os.environ.get("CC", "").strip()
        if configured:
            command = _split_command(configured)
            return Compiler(tuple(command), _style(command[0]), target)
        candidates = ["gcc", "cl"] if target == "windows" else ["cc"]
        advice = {
            "windows": "install mingw-w64 gcc (e.g. MSYS2) or run from a Visual Studio developer prompt, or set CC",
            "darwin": "install the Xcode command line tools (xcode-select --install) or set CC",
        }.get(target, "install one (e.g. apt-get install gcc) or set CC")
    elif target == "windows":
        candidates = [os.environ.get("PORTSIP_MINGW_CC", "").strip() or MINGW_CC]
        advice = "install mingw-w64 (e.g. apt-get install gcc-mingw-w64-x86-64) or set PORTSIP_MINGW_CC"
    else:
        raise BuildError(f"cannot build for {target} on {sys.platform}: build on a {target} machine")
    for candidate in candidates:
        if shutil.which(candidate):
            return Compiler((candidate,), _style(candidate), target)
    raise BuildError(f"no C compiler for {target} found (looked for {', '.join(candidates)}): {advice}")


def check_compiler(compiler: Compiler) -> None:
    """BuildError, in one line with the advice of :func:`find_compiler`, unless ``compiler`` runs
    (``CC=false``, a CC that is not installed); MSVC's ``cl`` is not probed."""
    if compiler.style == "msvc":
        return
    try:
        result = subprocess.run([*compiler.command, "--version"], capture_output=True, timeout=60)
        failure = f"exit code {result.returncode}" if result.returncode else ""
    except (OSError, subprocess.TimeoutExpired) as exc:
        failure = str(exc)
    if failure:
        raise BuildError(f"the C compiler {shlex.join(compiler.command)} does not run ({failure}): install one (e.g. apt-get "
                         "install gcc; on macOS the Xcode command line tools) or set CC to one that runs")


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PROTOTYPE = re.compile(r"^(?!typedef\b)[\w\s\*]*?\b(\w+)\s*\([^()]*\)$")


def exported_functions(library: LibrarySpec) -> list[str]:
    """The function names the library's export headers declare (MSVC needs them in a .def file)."""
    names = []
    for role, header in library.exports:
        text = _COMMENT.sub(" ", (source_dir(role) / header).read_text(encoding="utf-8"))
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for statement in text.split(";"):
            match = _PROTOTYPE.match(" ".join(statement.split()))
            if match:
                names.append(match[1])
    return names


def compile_command(
    compiler: Compiler,
    source_files: Sequence[Path],
    output: Path,
    *,
    include_dirs: Sequence[Path] = (),
    defines: Sequence[str] = (),
    link: Sequence[Path] = (),
    def_file: Path | None = None,
    speed: bool = False,
    strict: bool = True,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The full command line that compiles ``source_files`` into the shared library ``output``.

    ``speed`` optimises for speed instead of size; ``strict=False`` keeps the warnings but not as
    errors (an install on a licensee's machine must not fail on a warning our compilers never gave).
    ``extra_args`` go after the sources: flags and libraries of a system dependency (pkg-config's).
    """
    files = [str(path) for path in source_files]
    if compiler.style == "msvc":
        return [
            *compiler.command, *(("/O2" if speed and f == "/O1" else f) for f in MSVC_FLAGS),
            *(f"/I{d}" for d in include_dirs), *(f"/D{d}" for d in defines),
            *files, *extra_args, f"/Fe{output}", f"/Fo{output.parent}{os.sep}",
            "/link", *map(str, link), *([f"/DEF:{def_file}"] if def_file else []),
        ]  # fmt: skip
    flags = [("-O2" if speed and f == "-O1" else f) for f in GCC_FLAGS if strict or f != "-Werror"]
    return [
        *compiler.command, *flags, *GCC_TARGET_FLAGS[compiler.target],
        *(f"-I{d}" for d in include_dirs), *(f"-D{d}" for d in defines),
        *files, *map(str, link), *extra_args, "-o", str(output),
    ]  # fmt: skip


def fingerprint(library: LibrarySpec, compiler: Compiler, defines: Sequence[str] = (), extra_args: Sequence[str] = ()) -> str:
    """A key that changes with the library's content and the build's flags, never with paths.

    Two checkouts or virtual environments with the same sources share one build.
    """
    digest = hashlib.sha256()
    for name, path in inputs(library).items():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    flags = compile_command(compiler, [], Path("out"), defines=defines, speed=library.optimize_for_speed, extra_args=extra_args)
    digest.update("\0".join([compiler.style, compiler.target, *flags]).encode())
    return digest.hexdigest()


# ---- building ----------------------------------------------------------------------------------

def compile_shared(
    compiler: Compiler,
    source_files: Sequence[Path],
    output: Path,
    *,
    include_dirs: Sequence[Path] = (),
    defines: Sequence[str] = (),
    link: Sequence[Path] = (),
    exports: Sequence[str] = (),
    speed: bool = False,
    strict: bool = True,
    extra_args: Sequence[str] = (),
) -> Path:
    """Compile ``source_files`` into the shared library ``output``, atomically; return ``output``.

    ``link`` are further inputs for the linker (e.g. a DLL to import from). ``exports`` name the
    functions to export where the compiler does not export every function by itself (MSVC).
    """
    output = Path(output).resolve()
    source_files = [Path(path).resolve() for path in source_files]
    link = [Path(path).resolve() for path in link]
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".build-") as work:
        partial = Path(work) / output.name
        def_file = None
        if compiler.style == "msvc" and exports:
            def_file = Path(work) / f"{output.stem}.def"
            def_file.write_text("EXPORTS\n" + "".join(f"    {name}\n" for name in exports), encoding="ascii")
        command = compile_command(
            compiler, source_files, partial, include_dirs=include_dirs, defines=defines, link=link, def_file=def_file,
            speed=speed, strict=strict, extra_args=extra_args,
        )
        try:
            result = subprocess.run(command, capture_output=True, text=True, errors="replace", cwd=work)
        except OSError as exc:
            raise BuildError(f"cannot run the C compiler ({command[0]}): {exc}") from exc
        if result.returncode != 0 or not partial.is_file():
            raise BuildError(f"building {output.name} failed:\n$ {shlex.join(command)}\n{result.stderr}{result.stdout}")
        os.replace(partial, output)
    return output


def build(
    library: LibrarySpec | str,
    output: Path,
    *,
    compiler: Compiler | None = None,
    target: str | None = None,
    defines: Sequence[str] = (),
    link: Sequence[Path] = (),
    extra_sources: Iterable[Path] = (),
    strict: bool = True,
    extra_args: Sequence[str] = (),
) -> Path:
    """Build one entry of :data:`LIBRARIES` (or another LibrarySpec) into ``output`` (see :func:`compile_shared`)."""
    if isinstance(library, str):
        library = LIBRARIES[library]
    compiler = compiler or find_compiler(target)
    return compile_shared(
        compiler,
        [*sources(library), *extra_sources],
        output,
        include_dirs=[source_dir(role) for role in library.include_dirs],
        defines=defines,
        link=link,
        exports=exported_functions(library),
        speed=library.optimize_for_speed,
        strict=strict,
        extra_args=extra_args,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the project's native libraries.")
    parser.add_argument("--target", choices=TARGETS, default=host_target())
    parser.add_argument("--out", type=Path, required=True, help="directory for the libraries")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"libraries to build (default: all of {', '.join(LIBRARIES)})")
    options = parser.parse_args(argv)
    unknown = set(options.names) - set(LIBRARIES)
    if unknown:
        parser.error(f"unknown libraries: {', '.join(sorted(unknown))}; known: {', '.join(LIBRARIES)}")
    try:
        compiler = find_compiler(options.target)
        for name in options.names or LIBRARIES:
            print(build(name, options.out / library_filename(name, options.target), compiler=compiler))
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
