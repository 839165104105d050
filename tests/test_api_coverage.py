"""Every PortSIP_* function of the header has a public method in portsip/_api that calls it, named after it."""

from __future__ import annotations

import ast
from pathlib import Path

from support import RENAMED_METHODS, method_name

import portsip._api

import abi

_, FUNCTIONS = abi.parse_declarations(abi.read(abi.ABI_HEADER))
DECLARED = {f.name for f in FUNCTIONS if f.name.startswith("PortSIP_")}

#: Declared functions that no public method of portsip/_api calls, and why.
WITHOUT_METHOD = {
    "PortSIP_unInitialize": "PortSIPLib.close() (portsip/_lib.py) calls it, together with stopping event delivery",
    "PortSIP_delCallbackParameters": (
        "it frees the ICallbackParameters objects that the SDK posts to the application in the vendor's C++ "
        "message API (see the VC++ samples). The callback dispatcher API this binding uses passes every event's "
        "values as plain arguments and never hands such an object out, so an application has nothing it may "
        "pass: any other pointer would be freed by the SDK and corrupt the heap"
    ),
}



def _called_by_public_methods() -> dict[str, set[str]]:
    """PortSIP_* function -> the public methods of portsip/_api whose body names it (as a string or self._c.<name>)."""
    found: dict[str, set[str]] = {}
    for path in Path(portsip._api.__file__).parent.glob("*.py"):
        if path.name.startswith("_"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for method in node.body:
                if not isinstance(method, ast.FunctionDef) or method.name.startswith("_"):
                    continue
                for inner in ast.walk(method):
                    name = inner.value if isinstance(inner, ast.Constant) else inner.attr if isinstance(inner, ast.Attribute) else None
                    if isinstance(name, str) and name in DECLARED:
                        found.setdefault(name, set()).add(method.name)
    return found


def test_every_declared_function_has_a_method_named_after_it() -> None:
    called = _called_by_public_methods()
    missing = sorted(DECLARED - set(called) - set(WITHOUT_METHOD))
    assert not missing, f"declared in portsip_abi.h but called by no public method of portsip/_api: {missing}"
    for function, methods in called.items():
        expected = method_name(function)
        assert expected in methods, f"{function} is called by {sorted(methods)}, expected a method {expected}()"


def test_the_exceptions_are_declared_and_really_have_no_method() -> None:
    called = _called_by_public_methods()
    assert set(WITHOUT_METHOD) <= DECLARED
    assert not set(WITHOUT_METHOD) & set(called)
    assert set(RENAMED_METHODS) <= DECLARED
