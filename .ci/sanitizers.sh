#!/usr/bin/env bash
# The suite against the stub, the wire stub and the event queue built with AddressSanitizer and UBSan, so a
# memory error in our C or a lifetime bug in the binding (a pointer used after its callback
# returned) fails CI. The builds are the package's own (portsip/_cbuild.py flags), with the
# sanitizers added through CC; the installed portsip is pointed at them.
#
#   .ci/sanitizers.sh VENV [PYTEST ARGS...]
#
# VENV: a venv with portsip and its [test] extra installed (from a wheel or the source tree).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
shift
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
out="$(mktemp -d)"
stub=$(CC="cc $sanitize" python3 portsip/_cbuild.py --out "$out" portsip_stub)
events=$(CC="cc $sanitize" python3 portsip/_cbuild.py --out "$out" portsip_events)
# The wire stub too (it needs libre, expat and a compiler: not a wheel's), and its tests must run.
wire_stub=$(CC="cc $sanitize" PORTSIP_STUB_CACHE="$out" \
    "$venv/bin/python" -c "from portsip.testing import stub_library_path; print(stub_library_path(wire=True))")
PORTSIP_STUB_LIBRARY="$stub" PORTSIP_EVENTS_LIBRARY="$events" PORTSIP_WIRE_STUB_LIBRARY="$wire_stub" PORTSIP_REQUIRE_WIRE=1 \
LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$venv/bin/pytest" -q -p no:cacheprovider "$@"
echo "sanitizers: done in $SECONDS s"
