"""portsip/_header.py: the cdefs are the headers, integer #defines included (one value, no copies)."""

from __future__ import annotations

import re

from portsip import _header


def test_integer_defines_stay_in_the_cdef_and_other_preprocessor_lines_go() -> None:
    text = "#ifndef GUARD_H\n#define GUARD_H\n#include <stdbool.h>\n#define ANSWER 42 /* why */\n#define MASK 0xFF\n" \
           "#define NEGATIVE -1  // note\n#define MACRO(x) ((x) + 1)\nint f(void);\n#endif\n"
    kept = [line for line in _header.cdef_source(text).splitlines() if line.startswith("#")]
    assert kept == ["#define ANSWER 42 /* why */", "#define MASK 0xFF", "#define NEGATIVE -1  // note"]


def test_every_integer_define_of_a_cdef_header_is_a_constant_of_its_ffi(portsip_stub_library: str) -> None:
    # the values the C code compiles with, read by cffi from the same line: nothing copies them
    for header in (_header.ABI_HEADER, _header.ERRORS_HEADER, _header.STUB_HEADER, "portsip_events.h"):
        defines = dict(re.findall(r"^#define (\w+) (\d+)", _header.read_header(header), re.M))
        lib = _header.ffi_for(header).dlopen(portsip_stub_library)  # any library: constants come from the cdef
        assert {name: getattr(lib, name) for name in defines} == {name: int(value) for name, value in defines.items()}
    assert _header.ffi_for(_header.STUB_HEADER).dlopen(portsip_stub_library).STUB_ABI_VERSION >= 1
