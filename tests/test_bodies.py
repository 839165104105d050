"""portsip.bodies: the RFCs' own examples, round trips of every codec, and hostile input.

The examples are typed anew from the RFC text (RFC 3862 section 6, RFC 5438 sections 7.1.1.1 and
7.2.1.1, RFC 3994 section 6, RFC 3863 section 6): facts about the formats, as data.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portsip.bodies import (
    CPIM_NAMESPACE,
    IMDN_NAMESPACE,
    MAX_BODY_BYTES,
    BodyError,
    CpimMessage,
    ImdnNotification,
    IsComposing,
    Pidf,
    PidfNote,
    PidfTuple,
    format_datetime,
    parse_datetime,
)


def crlf(text: str) -> bytes:
    """An example as sent: the RFCs' lines, CRLF-terminated."""
    return text.replace("\n", "\r\n").encode()


# ---- the RFCs' examples ---------------------------------------------------------------------------

RFC3862_EXAMPLE = crlf(
    "From: MR SANDERS <im:piglet@100akerwood.com>\n"
    "To: Depressed Donkey <im:eeyore@100akerwood.com>\n"
    "DateTime: 2000-12-13T13:40:00-08:00\n"
    "Subject: the weather will be fine today\n"
    "Subject:;lang=fr beau temps prevu pour aujourd'hui\n"
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\n"
    "Require: MyFeatures.VitalMessageOption\n"
    "MyFeatures.VitalMessageOption: Confirmation-requested\n"
    "MyFeatures.WackyMessageOption: Use-silly-font\n"
    "\n"
    "Content-type: text/xml; charset=utf-8\n"
    "Content-ID: <1234567890@foo.com>\n"
    "\n"
    "<body>\n"
    "Here is the text of my message.\n"
    "</body>\n"
)

RFC5438_REQUEST = crlf(
    "From: Alice <im:alice@example.com>\n"
    "To: Bob <im:bob@example.com>\n"
    "DateTime: 2006-04-04T12:16:49-05:00\n"
    "NS: imdn <urn:ietf:params:imdn>\n"
    "imdn.Message-ID: 34jk324j\n"
    "imdn.Disposition-Notification: positive-delivery, display\n"
    "\n"
    "Content-type: text/plain\n"
    "Content-length: 12\n"
    "\n"
    "Hello World"
)

RFC5438_DELIVERY = crlf(
    "From: Bob <im:bob@example.com>\n"
    "To: Alice <im:alice@example.com>\n"
    "NS: imdn <urn:ietf:params:imdn>\n"
    "imdn.Message-ID: d834jied93rf\n"
    "DateTime: 2006-04-04T12:16:49-05:00\n"
    "\n"
    "Content-type: message/imdn+xml\n"
    "Content-Disposition: notification\n"
    "\n"
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<imdn xmlns="urn:ietf:params:xml:ns:imdn">\n'
    "   <message-id>34jk324j</message-id>\n"
    "   <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "   <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "   <original-recipient-uri\n"
    "      >im:bob@example.com</original-recipient-uri>\n"
    "   <delivery-notification>\n"
    "      <status>\n"
    "         <delivered/>\n"
    "      </status>\n"
    "   </delivery-notification>\n"
    "</imdn>\n"
)

RFC3994_IDLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="urn:ietf:params:xml:ns:im-composing
  iscomposing.xsd">
  <state>idle</state>
  <lastactive>2003-01-27T10:43:00Z</lastactive>
  <contenttype>audio</contenttype>
</isComposing>
"""

RFC3994_ACTIVE = b"""<?xml version="1.0" encoding="UTF-8"?>
<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="urn:ietf:params:xml:ns:im-composing
  iscomposing.xsd">
  <state>active</state>
  <contenttype>text/plain</contenttype>
  <refresh>90</refresh>
</isComposing>
"""

RFC3863_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:im="urn:ietf:params:xml:ns:pidf:im"
    xmlns:myex="http://id.example.com/presence/"
    entity="pres:someone@example.com">
  <tuple id="bs35r9">
    <status>
      <basic>open</basic>
      <im:im>busy</im:im>
      <myex:location>home</myex:location>
    </status>
    <contact priority="0.8">im:someone@mobilecarrier.net</contact>
    <note xml:lang="en">Don't Disturb Please!</note>
    <note xml:lang="fr">Ne dérangez pas, s'il vous plait</note>
    <timestamp>2001-10-27T16:49:29Z</timestamp>
  </tuple>
  <tuple id="eg92n8">
    <status>
      <basic>open</basic>
    </status>
    <contact priority="1.0">mailto:someone@example.com</contact>
  </tuple>
  <note>I'll be in Tokyo next week</note>
</presence>
""".encode()


def test_rfc3862_example() -> None:
    message = CpimMessage.from_bytes(RFC3862_EXAMPLE)
    assert message.from_uri == "im:piglet@100akerwood.com"
    assert message.to_uris == ("im:eeyore@100akerwood.com",)
    assert message.date_time == datetime(2000, 12, 13, 13, 40, tzinfo=timezone(timedelta(hours=-8)))
    assert message.header_values("Subject") == ("the weather will be fine today", ";lang=fr beau temps prevu pour aujourd'hui")
    assert message.header("VitalMessageOption", "mid:MessageFeatures@id.foo.com") == "Confirmation-requested"
    assert message.header("WackyMessageOption", "mid:MessageFeatures@id.foo.com") == "Use-silly-font"
    assert message.header("VitalMessageOption") is None  # another namespace than CPIM's own
    assert message.content_type == "text/xml; charset=utf-8"
    assert message.content_headers == (("Content-ID", "<1234567890@foo.com>"),)
    assert message.text == "<body>\r\nHere is the text of my message.\r\n</body>\r\n"
    assert message.message_id is None and message.disposition_notification == frozenset()
    assert CpimMessage.from_bytes(message.to_bytes()) == message


def test_rfc5438_request_example() -> None:
    message = CpimMessage.from_bytes(RFC5438_REQUEST)
    assert message.message_id == "34jk324j"
    assert message.disposition_notification == {"positive-delivery", "display"}
    assert message.date_time == datetime(2006, 4, 4, 12, 16, 49, tzinfo=timezone(timedelta(hours=-5)))
    assert message.text == "Hello World"
    assert message.header("Message-ID", IMDN_NAMESPACE) == "34jk324j"


def test_rfc5438_delivery_notification_example() -> None:
    message = CpimMessage.from_bytes(RFC5438_DELIVERY)
    assert (message.message_id, message.content_disposition) == ("d834jied93rf", "notification")
    notification = ImdnNotification.from_xml(message.content)
    assert notification == ImdnNotification(
        "34jk324j", datetime(2008, 4, 4, 12, 16, 49, tzinfo=timezone(timedelta(hours=-5))), "delivery", "delivered",
        "im:bob@example.com", "im:bob@example.com",
    )
    assert ImdnNotification.from_xml(notification.to_xml()) == notification


def test_rfc3994_examples() -> None:
    assert IsComposing.from_xml(RFC3994_IDLE) == IsComposing("idle", "audio", datetime(2003, 1, 27, 10, 43, tzinfo=timezone.utc))
    assert IsComposing.from_xml(RFC3994_ACTIVE) == IsComposing("active", "text/plain", None, 90)


def test_rfc3863_example() -> None:
    document = Pidf.from_xml(RFC3863_EXAMPLE)
    assert document.entity == "pres:someone@example.com" and document.open
    first, second = document.tuples
    assert first == PidfTuple(
        "bs35r9", "open", "im:someone@mobilecarrier.net", "0.8",
        (PidfNote("Don't Disturb Please!", "en"), PidfNote("Ne dérangez pas, s'il vous plait", "fr")),
        datetime(2001, 10, 27, 16, 49, 29, tzinfo=timezone.utc),
    )
    assert second == PidfTuple("eg92n8", "open", "mailto:someone@example.com", "1.0")
    assert document.notes == (PidfNote("I'll be in Tokyo next week"),)
    assert Pidf.from_xml(document.to_xml()) == document  # the extensions (im:im, myex:location) are not kept


# ---- round trips --------------------------------------------------------------------------------

xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"))
token = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="<>\"'&;,"), min_size=1, max_size=40)
uri = token.map(lambda user: f"sip:{user}@example.com")
offsets = st.integers(-23 * 60, 23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=offsets)


@given(moments)
def test_datetimes_round_trip(moment: datetime) -> None:
    assert parse_datetime(format_datetime(moment)) == moment


@given(st.sampled_from(["active", "idle"]), st.none() | token, st.none() | moments, st.none() | st.integers(1, 10**9 - 1))
def test_iscomposing_round_trips(state: str, content_type: str | None, last_active: datetime | None, refresh: int | None) -> None:
    document = IsComposing(state, content_type, last_active, refresh)  # type: ignore[arg-type]
    assert IsComposing.from_xml(document.to_xml()) == document


@given(
    token,
    moments,
    st.sampled_from([("delivery", "delivered"), ("delivery", "failed"), ("display", "displayed"), ("processing", "stored")]),
    st.none() | uri, st.none() | uri, st.none() | xml_text,
)
def test_imdn_round_trips(
    message_id: str, moment: datetime, kind: tuple[str, str], recipient: str | None, original: str | None, subject: str | None
) -> None:
    notification = ImdnNotification(message_id, moment, kind[0], kind[1], recipient, original, subject)  # type: ignore[arg-type]
    assert ImdnNotification.from_xml(notification.to_xml()) == notification


header_value = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60).map(str.strip)


@given(
    st.lists(st.tuples(st.sampled_from(["From", "To", "Subject", "imdn.Message-ID", "x.Y", "Require"]), header_value), max_size=8),
    st.sampled_from(["text/plain;charset=utf-8", "application/octet-stream", "message/imdn+xml"]),
    st.binary(max_size=2000),
    st.lists(st.tuples(st.sampled_from(["Content-ID", "Content-Disposition"]), header_value), max_size=2),
)
def test_cpim_round_trips(
    headers: list[tuple[str, str]], content_type: str, content: bytes, content_headers: list[tuple[str, str]]
) -> None:
    message = CpimMessage(tuple(headers), content_type, content, tuple(content_headers))
    assert CpimMessage.from_bytes(message.to_bytes()) == message


@given(xml_text, uri, uri, token, moments, st.sets(st.sampled_from(["delivered", "displayed", "failed", "processed"])))
def test_cpim_text_messages_round_trip(text: str, sender: str, recipient: str, message_id: str, moment: datetime, notify: set[str]) -> None:
    message = CpimMessage.text_message(text, from_uri=sender, to_uri=recipient, message_id=message_id, date_time=moment, notify=notify)
    read = CpimMessage.from_bytes(message.to_bytes())
    assert (read.text, read.from_uri, read.to_uris, read.message_id, read.date_time) == (text, sender, (recipient,), message_id, moment)
    assert len(read.disposition_notification) == len(notify)


notes = st.lists(st.builds(PidfNote, xml_text, st.none() | st.sampled_from(["en", "fr", "de-CH"])), max_size=3).map(tuple)
tuples = st.builds(
    PidfTuple,
    st.from_regex(r"[A-Za-z_][A-Za-z0-9._-]{0,10}", fullmatch=True),
    st.sampled_from([None, "open", "closed"]),
    uri,
    st.none() | st.from_regex(r"0(\.\d{0,3})?|1(\.0{0,3})?", fullmatch=True),
    notes,
    st.none() | moments,
)


@given(uri, st.lists(tuples, max_size=3, unique_by=lambda t: t.id).map(tuple), notes)
def test_pidf_round_trips(entity: str, pidf_tuples: tuple[PidfTuple, ...], pidf_notes: tuple[PidfNote, ...]) -> None:
    document = Pidf(entity, pidf_tuples, pidf_notes)
    assert Pidf.from_xml(document.to_xml()) == document


# ---- hostile and malformed input ----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>&lol3;</state></isComposing>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE imdn [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>&secret;</message-id></imdn>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE presence SYSTEM "http://127.0.0.1:9/evil.dtd">
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><x/>"""


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY], ids=["laughs", "external", "dtd", "parameter"]
)
@pytest.mark.parametrize("reader", [IsComposing.from_xml, ImdnNotification.from_xml, Pidf.from_xml])
def test_dtds_and_entities_are_refused(body: bytes, reader: object) -> None:
    with pytest.raises(BodyError, match="DTD"):
        reader(body)  # type: ignore[operator]


@pytest.mark.parametrize(
    "body, words",
    [
        (b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>&undefined;</state></isComposing>", "well-formed"),
        (b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>typing</state></isComposing>", "active"),
        (b"<isComposing><state>active</state></isComposing>", "namespace"),
        (b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>active</state><refresh>-1</refresh></isComposing>", "refresh"),
        (b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>active</state>", "well-formed"),
        (b"", "well-formed"),
        (b"<a>" * 40 + b"</a>" * 40, "deeper"),
        (b"\xff\xfe<\x00", "well-formed"),
    ],
)
def test_malformed_xml_is_one_body_error(body: bytes, words: str) -> None:
    with pytest.raises(BodyError, match=words):
        IsComposing.from_xml(body)


def test_bodies_over_64_kib_are_refused_before_parsing() -> None:
    start = b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>active</state>"
    huge = start + b"<!--" + b"x" * MAX_BODY_BYTES + b"--></isComposing>"
    for reader in (IsComposing.from_xml, ImdnNotification.from_xml, Pidf.from_xml, CpimMessage.from_bytes):
        with pytest.raises(BodyError, match="65536"):
            reader(huge)
    with pytest.raises(BodyError, match="limit"):
        CpimMessage((), "text/plain", b"x" * MAX_BODY_BYTES)
    assert issubclass(BodyError, ValueError)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"From: <sip:a@b>\r\nno colon here\r\n\r\nContent-Type: text/plain\r\n\r\nhi", "not a header line"),
        (b"From: <sip:a@b>\r\n", "blank line"),
        (b"From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n", "blank line"),
        (b"From: \xff\r\n\r\nContent-Type: text/plain\r\n\r\n", "UTF-8"),
        (b"X: 1\r\n" * 200 + b"\r\nContent-Type: text/plain\r\n\r\n", "more than"),
        (b"\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n", "more than one Content-Type"),
    ],
)
def test_malformed_cpim_is_one_body_error(body: bytes, words: str) -> None:
    with pytest.raises(BodyError, match=words):
        CpimMessage.from_bytes(body)


def test_cpim_reads_lf_lines_folded_mime_headers_and_undeclared_imdn_prefixes() -> None:
    message = CpimMessage.from_bytes(b"imdn.Message-ID: x1\n\nContent-Type: text/plain;\n charset=utf-8\n\nhi")
    assert (message.message_id, message.content_type, message.text) == ("x1", "text/plain; charset=utf-8", "hi")
    assert message.header("From", CPIM_NAMESPACE) is None


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: CpimMessage((("From", "a\r\nInjected: yes"),), "text/plain", b""), "line breaks"),
        (lambda: CpimMessage((("Bad Name", "x"),), "text/plain", b""), "header name"),
        (lambda: CpimMessage((), "text/plain", b"", (("Content-Type", "x/y"),)), "repeat"),
        (lambda: IsComposing("typing"), "active"),  # type: ignore[arg-type]
        (lambda: IsComposing("active", refresh=0), "positive"),
        (lambda: IsComposing("active", last_active=datetime(2020, 1, 1)), "time zone"),
        (lambda: ImdnNotification("id", datetime.now(timezone.utc), "display", "delivered"), "status"),
        (lambda: ImdnNotification(" id", datetime.now(timezone.utc), "delivery", "delivered"), "white space"),
        (lambda: ImdnNotification("id\x00", datetime.now(timezone.utc), "delivery", "delivered"), "cannot carry"),
        (lambda: PidfTuple("1abc"), "XML ID"),
        (lambda: PidfTuple("a", contact="x", contact_priority="0.12345"), "qvalue"),
        (lambda: Pidf("pres:a@b", (PidfTuple("a"), PidfTuple("a"))), "unique"),
        (
            lambda: CpimMessage.text_message(
                "hi", from_uri="a", to_uri="b", message_id="m", date_time=datetime.now(timezone.utc), notify=["read"]
            ),
            "notify",
        ),
        (lambda: format_datetime(datetime(2020, 1, 1, tzinfo=timezone(timedelta(seconds=30)))), "whole minutes"),
    ],
)
def test_values_that_cannot_be_written_are_body_errors(build: object, words: str) -> None:
    with pytest.raises(BodyError, match=words):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("text", ["2020-13-01T00:00:00Z", "yesterday", "2020-01-01T00:00:00", "2020-01-01T25:00:00Z"])
def test_bad_datetimes_are_body_errors(text: str) -> None:
    with pytest.raises(BodyError):
        parse_datetime(text)


def test_a_leap_second_and_nanoseconds_are_read() -> None:
    assert parse_datetime("2016-12-31T23:59:60.123456789Z") == datetime(2016, 12, 31, 23, 59, 59, 123456, tzinfo=timezone.utc)
