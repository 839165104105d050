#!/usr/bin/env bash
# The Linux wheel where no C compiler is reachable: the whole suite (the README's examples
# included) and the demo, against the wheel's prebuilt event queue and stub; and there the sdist
# must refuse to install, in one line that says what to install. Fails on any failure.
#
#   .ci/linux_wheel.sh VENV SDIST
#
# VENV: a fresh venv with the Linux wheel installed with its [test] extra (.ci/run makes it);
# SDIST: the sdist tools/build_wheels.py wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath "$1")
sdist=$2

# A PATH with every program of the system's folders but the C and C++ compilers, and CC=false: a
# build would fail, so what runs is the wheel's. An empty stub cache that stays empty shows that
# nothing was compiled.
no_compiler="$(mktemp -d)"
stub_cache="$(mktemp -d)"
for folder in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    [ -d "$folder" ] || continue
    for program in "$folder"/*; do
        case "${program##*/}" in
            cc | c89 | c99 | cpp | cpp-* | *gcc* | *g++* | *c++* | *clang* | tcc | *-cpp | *-cpp-*) continue ;;
        esac
        [ -e "$no_compiler/${program##*/}" ] || ln -s "$program" "$no_compiler/${program##*/}"
    done
done
export PATH="$venv/bin:$no_compiler" CC=false PORTSIP_STUB_CACHE="$stub_cache"
if command -v cc || command -v gcc || command -v clang; then
    echo "linux wheel: a C compiler is still reachable"; exit 1
fi

# The checkout's tests against the installed wheel: the pytest script does not put the checkout on
# sys.path (tests/test_packaging.py checks where portsip came from and that no compiler is found).
PORTSIP_EXPECT_PACKAGED_STUB=1 "$venv/bin/pytest" -q -p no:cacheprovider
"$venv/bin/portsip-demo" >/dev/null
if [ -n "$(ls -A "$stub_cache")" ]; then
    echo "linux wheel: something was compiled: $(ls -A "$stub_cache")"; exit 1
fi

# The sdist there: the install stops at once, with one line that says what to install.
sdist_log="$(mktemp)"
if "$venv/bin/pip" install --no-deps --quiet "$sdist" >"$sdist_log" 2>&1; then
    echo "linux wheel: the sdist installed without a compiler"; exit 1
fi
grep "portsip needs a C compiler to build from source" "$sdist_log"
echo "linux wheel: done in $SECONDS s"
