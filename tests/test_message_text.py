"""MessageEvent.text never raises, whatever charset the network names (issue 12, item 7)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portsip.events import RecvMessage, RecvOutOfDialogMessage


def message(sub_mime_type: str, body: bytes) -> RecvOutOfDialogMessage:
    return RecvOutOfDialogMessage("Eve", "sip:eve@example.com", "", "sip:alice@example.com", "text", sub_mime_type, body)


@pytest.mark.parametrize(
    "charset",
    ["utf-16", "utf-32", "base64", "rot13", "zlib", "bz2", "hex", "uu", "quopri", "idna", "punycode", "undefined",
     "unicode_escape", "no-such-codec", "utf_16_be", "..", "encodings.utf_8", "iso2022_jp", "x" * 300],
)
@pytest.mark.parametrize("body", [b"", b"A", b"odd", b"\xff\xfe\x00", b"\\N{", "Grüße".encode(), bytes(range(256))])
def test_text_never_raises_and_falls_back_to_utf8(charset: str, body: bytes) -> None:
    event = message(f"plain;charset={charset}", body)
    text = event.text  # never raises
    if event.charset == "utf-8":  # a codec that is not a body charset: UTF-8, exact bytes recoverable
        assert text.encode("utf-8", "surrogateescape") == body


def test_only_text_encodings_are_charsets() -> None:
    assert message("plain;charset=base64", b"aGk=").text == "aGk="  # the bytes as sent, not "hi"
    assert message("plain;charset=rot13", b"uryyb").text == "uryyb"
    assert message("plain;charset=zlib", b"x\x9c").charset == "utf-8"
    assert message("plain;charset=punycode", b"abc-").charset == "utf-8"  # a domain-name codec, quadratic on hostile input
    assert message("plain;charset=unicode_escape", b"\\]").charset == "utf-8"  # a Python literal codec: it warns
    assert message("plain; charset=\"ISO-8859-1\"", "café".encode("latin-1")).text == "café"
    assert message("plain;charset=utf-16", "hé".encode("utf-16")).text == "hé"


def test_a_body_the_charset_cannot_decode_falls_back_to_utf8() -> None:
    odd = message("plain;charset=utf-16", b"\xff\xfeA\x00B")  # a BOM, "A", and half a character
    assert odd.charset == "utf-16"
    assert odd.text == "\udcff\udcfeA\x00B" and odd.text.encode("utf-8", "surrogateescape") == odd.data
    in_call = RecvMessage(1, "text", "plain;charset=utf-32", b"abc")
    assert in_call.text == "abc"


def test_a_hostile_punycode_body_costs_no_time() -> None:
    # Decoding this as punycode takes seconds (quadratic); it is not a body charset, so it is not tried.
    body = b"a" * 100_000 + b"-" + b"zzzzzzzz" * 12_500
    started = time.perf_counter()
    assert message("plain;charset=punycode", body).text.startswith("aaa")
    assert time.perf_counter() - started < 1.0


@given(st.text(max_size=40), st.binary(max_size=64))
def test_any_sub_mime_type_and_body(sub_mime_type: str, body: bytes) -> None:
    event = message(sub_mime_type, body)
    assert isinstance(event.text, str)
    assert isinstance(event.charset, str)
