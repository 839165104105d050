"""docs/reference.md: every function and callback of the ABI header beside its Python name.

The Python side is read from the source of portsip/_lib.py and portsip/_api/*.py (no import):
a method *calls* a C function when its body names it, as ``self._call(self._c.PortSIP_setUser, ...)``.
The naming rule says which method a function should have (``PortSIP_sendOutOfDialogMessage`` ->
``send_out_of_dialog_message``); a method of that name that does not call the function is an
error, so the page cannot name the wrong method.
Functions whose method has another name (``PortSIP_unRegisterServer`` -> ``unregister_server``,
``close``) are found by the calls. New API modules and header functions need no change here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from abi import PY_TYPES, Declaration, EventSpec, method_name

_C_FUNCTION = re.compile(r"(?:PortSIP|PSCallback)_\w+")


@dataclass(frozen=True)
class Method:
    """A public method of PortSIPLib, as its source declares it."""

    name: str
    signature: str  # "(to: str, subject: str = '') -> int", without self
    summary: str  # the first sentence of the docstring, without a leading "PortSIP_x:"
    calls: frozenset[str]  # the C functions its body names

    @property
    def usage(self) -> str:
        if self.name == "__init__":
            return f"PortSIPLib{self.signature.split(' -> ')[0]}"
        return f"lib.{self.name}{self.signature}"


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    args = node.args
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = []

    def show(arg: ast.arg, default: ast.expr | None) -> None:
        if arg.arg in ("self", "cls") or arg.arg.startswith("_"):
            return
        text = arg.arg + (f": {ast.unparse(arg.annotation)}" if arg.annotation else "")
        if default is not None:
            text += f" = {ast.unparse(default)}"
        parts.append(text)

    for arg, default in zip(positional, defaults, strict=True):
        show(arg, default)
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        show(arg, kw_default)
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"({', '.join(parts)}){returns}"


def _summary(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    doc = ast.get_docstring(node) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    return re.sub(rf"^{_C_FUNCTION.pattern}[.:]?\s*", "", first)


def _calls(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and _C_FUNCTION.fullmatch(child.value):
            names.add(child.value)
        elif isinstance(child, ast.Attribute) and _C_FUNCTION.fullmatch(child.attr):
            names.add(child.attr)
    return frozenset(names)


def api_methods(root: Path) -> dict[str, Method]:
    """The public methods of PortSIPLib and its API mixins (and __init__), by name."""
    sources = [root / "portsip" / "_lib.py", *sorted((root / "portsip" / "_api").glob("*.py"))]
    methods: dict[str, Method] = {}
    for source in sources:
        for cls in ast.parse(source.read_text(encoding="utf-8")).body:
            if not isinstance(cls, ast.ClassDef):
                continue
            for node in cls.body:
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or any(
                    ast.unparse(d).endswith(("overload", "property")) for d in node.decorator_list
                ):
                    continue  # typing-only signatures; properties call no C function
                if node.name.startswith("_") and not (node.name == "__init__" and cls.name == "PortSIPLib"):
                    continue
                if node.name in methods:
                    raise ValueError(f"two API methods are named {node.name} ({source.name})")
                summary = _summary(cls if node.name == "__init__" else node)
                methods[node.name] = Method(node.name, _signature(node), summary, _calls(node))
    return methods


def python_for(function: Declaration, methods: dict[str, Method]) -> list[Method]:
    """The methods that call ``function``: the one the naming rule names first."""
    named = methods.get(method_name(function.name))
    if named is not None and function.name not in named.calls:
        raise ValueError(f"PortSIPLib.{named.name} does not call {function.name}, as its name says it should")
    # The more dedicated first (unregister_server before close), the constructor last.
    others = sorted(
        (m for m in methods.values() if function.name in m.calls and m is not named),
        key=lambda m: (m.name == "__init__", len(m.calls), m.name),
    )
    return ([named] if named else []) + others


def _event_signature(spec: EventSpec) -> str:
    fields = ", ".join(f"{name}: {PY_TYPES[kind]}" for name, kind in zip(spec.fields, spec.signature, strict=True))
    return f"{spec.class_name}({fields})"


def _anchor(title: str) -> str:
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def render_reference(
    banner: str, functions: list[Declaration], specs: list[EventSpec], methods: dict[str, Method], descriptions: dict[str, str]
) -> str:
    setters = {spec.setter: spec for spec in specs}
    mapped = {f.name: python_for(f, methods) for f in functions}
    sections: dict[str, list[Declaration]] = {}
    for function in functions:
        sections.setdefault(function.section or "Other functions", []).append(function)
    # The SDK's own functions (PortSIP_*) apart from the dispatcher's (PSCallback_*), so the count
    # matches the "140 functions" a licensee knows from the vendor's manual.
    sdk = [f for f in functions if f.name.startswith("PortSIP_")]
    dispatcher = [f for f in functions if not f.name.startswith("PortSIP_") and f.name not in setters]
    with_method = sum(1 for f in sdk if mapped[f.name])
    missing = [f.name for f in sdk if not mapped[f.name]]

    out = [
        "# Reference: the SDK's C functions and callbacks, and their Python names",
        "",
        f"<!-- {banner} -->",
        "",
        "Generated from `native/portsip_abi.h` (the header the binding loads) and the source of",
        "`portsip/_lib.py` and `portsip/_api/`, so it cannot go stale: `tests/test_generated.py` fails if",
        "it differs from what they imply. Python names are the vendor's in snake_case; `lib` is a",
        "`portsip.PortSIPLib`. The SDK handle (`void* sdk`) and a buffer's length are implicit in Python.",
        "",
        f"{len(functions)} functions: the SDK's {len(sdk)} `PortSIP_*` functions ({with_method} called by a Python method,",
        f"{len(missing)} not in the Python API yet), and {len(dispatcher) + len(setters)} `PSCallback_*` functions of the callback",
        f"dispatcher ({len(dispatcher)} that `PortSIPLib()` and `close()` call, {len(setters)} callback setters that `PortSIPLib()`",
        f"installs). {len(specs)} callbacks, each an event class.",
        "",
        "## Functions",
        "",
    ]
    out += [f"- [{title}](#{_anchor(title)})" for title in sections]
    out += ["- [Callbacks (events)](#callbacks-events)", ""]
    for title, members in sections.items():
        out += [f"### {title}", ""]
        setters_here = [f for f in members if f.name in setters]
        if setters_here:
            example = setters_here[0]
            params = ", ".join(
                f"{'<event>Handler' if p.c_type == setters[example.name].typedef else p.c_type} {p.name}" for p in example.params
            )
            out += [
                f"#### `PSCallback_set<Event>Handler` ({len(setters_here)} functions)",
                "",
                "```c",
                f"{example.returns} PSCallback_set<Event>Handler({params});",
                "```",
                "",
                "One per callback; `PortSIPLib()` installs every one for each instance. Each is listed with its",
                "event under [Callbacks](#callbacks-events).",
                "",
            ]
        for function in members:
            if function.name in setters:
                continue
            out += [f"#### `{function.name}`", "", "```c", function.c_text() + ";", "```", ""]
            if not mapped[function.name]:
                out.append("Not in the Python API yet.")
            for method in mapped[function.name]:
                summary = f" — {method.summary}" if method.summary else ""
                out.append(f"- `{method.usage}`{summary}")
            out.append("")
    out += [
        "## Callbacks (events)",
        "",
        "Each callback arrives as an immutable event object (`portsip.events`), on the binding's thread:",
        "`lib.on(EventClass, handler)`, `lib.wait_for(EventClass)`, `lib.async_events(EventClass)`, or the",
        "`SIPCallbackEvents` method named below with `lib.attach(obj)`. Strings are `str` (UTF-8,",
        "`surrogateescape`), a buffer and its length one `data: bytes`.",
        "",
    ]
    for spec in specs:
        description = descriptions.get(spec.vendor_name, "")
        out += [
            f"#### `{spec.vendor_name}`",
            "",
            "```c",
            f"typedef {spec.declaration.c_text(f'(*{spec.typedef})')};",
            "```",
            "",
            f"- Event: `{_event_signature(spec)}`" + (f" — {description}" if description else ""),
            f"- Handler method: `SIPCallbackEvents.{spec.handler_name}(event)`; setter: `{spec.setter}`",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"
