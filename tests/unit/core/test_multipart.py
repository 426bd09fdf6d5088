"""One multipart reader: the intake's signature scan, legacy form webhooks and route forwards decode the same
tricky body the same way, however it is cut into chunks, and refuse the same bodies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import multipart
from app.core.signing import SignedParts
from app.intake.signature_fields import UnreadableBody, form_scanner, scan_form
from workers.events.legacy_form import group_pairs, mailgun_value
from workers.events.payload_decode import NormalizationError, decode_form_body
from workers.inbound.route_form import UnreadableForm, decode_route_form

BOUNDARY = b"tricky:b=nd ary"
CONTENT_TYPE = 'multipart/form-data; boundary="tricky:b=nd ary"'  # quoted: it holds a space and a colon


def part(headers: bytes, value: bytes, line_break: bytes = b"\r\n") -> bytes:
    return b"--" + BOUNDARY + line_break + headers + line_break + line_break + value + line_break


def disposition(name: bytes, extra: bytes = b"") -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"' + extra


TRICKY = (
    b"".join(
        [
            part(
                disposition(b"token"), b"the sender's own token"
            ),  # a user variable: Mailgun's value comes last
            part(disposition(b"event"), b"delivered", line_break=b"\n"),  # LF-only line breaks
            part(disposition(b"tag"), b"one", line_break=b"\r"),  # CR-only
            part(disposition(b"tag"), b"two"),
            part(disposition(b"body-plain"), b"a line\r\n--" + BOUNDARY + b"-and-more is no boundary"),
            part(disposition(b"subject") + b"\r\nContent-Type: text/plain; charset=iso-8859-1", b"caf\xe9"),
            # RFC 7578 retires Content-Transfer-Encoding: the content is what was sent, not base64-decoded.
            part(disposition(b"encoded") + b"\r\nContent-Transfer-Encoding: base64", b"ZGVsaXZlcmVk"),
            part(
                b"Content-Disposition: form-data; name=\"attachment-1\"; filename*=utf-8''na%C3%AFve%20cv.txt"
                b"\r\nContent-Type: text/plain",
                b"file content",
            ),
            part(disposition(b"timestamp"), b"1700000000"),
            part(disposition(b"token"), b"mailgun-token"),
            part(disposition(b"signature"), b"abc123"),
        ]
    )
    + b"--"
    + BOUNDARY
    + b"--\r\n"
)

FIELDS = [
    ("token", "the sender's own token"),
    ("event", "delivered"),
    ("tag", "one"),
    ("tag", "two"),
    ("body-plain", "a line\r\n--tricky:b=nd ary-and-more is no boundary"),
    ("subject", "caf\u00e9"),
    ("encoded", "ZGVsaXZlcmVk"),
    ("timestamp", "1700000000"),
    ("token", "mailgun-token"),
    ("signature", "abc123"),
]
SIGNED = SignedParts("1700000000", "mailgun-token", "abc123")


def scanned_in_pieces(body: bytes, content_type: str, cuts: list[int]) -> SignedParts | None:
    scanner = form_scanner(content_type)
    buffer = bytearray()
    for cut in [*sorted(cuts), len(body)]:
        start = len(buffer)
        buffer += body[start : max(cut, start)]
        scanner.feed(buffer, start)
    return scanner.finish(buffer).signed


def test_the_legacy_webhook_reader_decodes_the_tricky_body() -> None:
    pairs = decode_form_body(CONTENT_TYPE, TRICKY)
    assert pairs == [*FIELDS[:7], ("attachment-1", "na\u00efve cv.txt"), *FIELDS[7:]]
    grouped = group_pairs(pairs)
    assert (
        SignedParts(*(mailgun_value(name, grouped[name]) for name in ("timestamp", "token", "signature")))
        == SIGNED
    )


def test_the_route_reader_decodes_it_the_same() -> None:
    form = decode_route_form(CONTENT_TYPE, TRICKY)
    assert form.fields == FIELDS
    [attachment] = form.files
    assert (attachment.field_name, attachment.filename, attachment.content_type, attachment.content) == (
        "attachment-1",
        "na\u00efve cv.txt",
        "text/plain",
        b"file content",
    )


@given(st.lists(st.integers(0, len(TRICKY)), max_size=6))
def test_the_signature_scan_finds_the_same_fields_however_the_body_arrives(cuts: list[int]) -> None:
    assert scanned_in_pieces(TRICKY, CONTENT_TYPE, cuts) == SIGNED


def signature_of(pairs: list[tuple[str, str]]) -> SignedParts | None:
    grouped = group_pairs(pairs)
    if not any(name in grouped for name in ("timestamp", "token", "signature")):
        return None
    names = ("timestamp", "token", "signature")
    return SignedParts(*(mailgun_value(n, grouped[n])[:1024] if n in grouped else "" for n in names))


def every_reader(body: bytes, cuts: list[int]) -> tuple[object, object, object]:
    """What the intake's scan (the body arriving cut at `cuts`), the legacy reader and the route reader
    make of a multipart body: "refused", or what each found."""
    content_type = "multipart/form-data; boundary=B"
    try:
        found = scanned_in_pieces(body, content_type, cuts)
        # NUL is replaced once the pairs are grouped (group_pairs), as the stores need.
        scanned: object = found and SignedParts(
            *(getattr(found, name).replace("\x00", "\ufffd") for name in ("timestamp", "token", "signature"))
        )
    except UnreadableBody:
        scanned = "refused"
    try:
        pairs = decode_form_body(content_type, body)
        legacy: object = (signature_of(pairs), [p for p in pairs if p[0] != "body-mime"])
    except NormalizationError:
        legacy = "refused"
    try:
        fields = decode_route_form(content_type, body).fields
        clean = [(n.replace("\x00", "\ufffd"), v.replace("\x00", "\ufffd")) for n, v in fields]
        route: object = (signature_of(fields), clean)  # NUL is replaced later on this path
    except UnreadableForm:
        route = "refused"
    return scanned, legacy, route


LINE_BREAKS = st.sampled_from([b"\r\n", b"\n", b"\r"])
VALUES = st.binary(max_size=12) | st.sampled_from([b"--B", b"\r\n--B-", b"\r\n--Bx", b"--B--", b"\n--B\r"])


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    body = b""
    for _ in range(draw(st.integers(0, 4))):
        lb = draw(LINE_BREAKS)
        name = draw(st.sampled_from([b"token", b"timestamp", b"signature", b"a", b"body-mime"]))
        body += b"--B" + lb + b'Content-Disposition: form-data; name="' + name + b'"' + lb + lb
        body += draw(VALUES) + lb
    return body + b"--B--" + draw(st.sampled_from([b"", b"\r\n", b"\r\nepilogue"]))


# Werkzeug's decoder can read a body differently when it is cut elsewhere (these two did, once); every
# reader feeds it the same pieces, so they agree whatever the piece size and however the body arrived.
SEEN_SPLIT = [
    b'--B\r\nContent-Disposition: form-data; name="token"\r\n\r\n--B\r\n--B\r\n'
    b'Content-Disposition: form-data; name="timestamp"\r\n\r\n\r\n--B--',
    b'--B\nContent-Disposition: form-data; name="token"\n\n--B\n--B\r\n'
    b'Content-Disposition: form-data; name="timestamp"\r\n\r\n\r\n--B--',
]


@settings(max_examples=300)
@given(
    body=st.one_of(bodies(), st.sampled_from(SEEN_SPLIT)),
    piece=st.sampled_from([1, 2, 3, 5, 8, 64, multipart.FEED_CHUNK]),
    cuts=st.lists(st.integers(0, 300), max_size=5),
)
def test_every_reader_reads_any_body_alike_in_any_pieces(body: bytes, piece: int, cuts: list[int]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(multipart, "FEED_CHUNK", piece)
        scanned, legacy, route = every_reader(body, cuts)
    if scanned == "refused":
        assert legacy == route == "refused"
    else:
        assert legacy == route and isinstance(legacy, tuple)
        assert scanned == legacy[0]


REFUSED = {
    "a part without Content-Disposition": b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n",
    "no closing delimiter": b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n',
    "no boundary in the body": b"just text",
    "undecodable header bytes": b'--B\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--B--\r\n',
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_body_one_reader_refuses_every_reader_refuses(case: str) -> None:
    body, content_type = REFUSED[case], "multipart/form-data; boundary=B"
    with pytest.raises(UnreadableBody):
        scan_form(body, content_type)
    with pytest.raises(NormalizationError):
        decode_form_body(content_type, body)
    with pytest.raises(UnreadableForm):
        decode_route_form(content_type, body)


def test_field_text_takes_the_part_charset_and_never_raises() -> None:
    assert multipart.field_text(b"caf\xe9", "latin-1") == "caf\u00e9"
    assert multipart.field_text(b"caf\xc3\xa9", "us-ascii") == "caf\u00e9"  # ASCII labels carry UTF-8
    assert multipart.field_text(b"\xff", "no-such-charset") == "\ufffd"
    assert multipart.field_text(b"\\ud800", "unicode_escape") == "\ufffd"  # no lone surrogate gets out
    assert multipart.field_text(b"x", "idna") == "x"
