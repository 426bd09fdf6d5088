"""The signature scan reads a form as it arrives: the same answer wherever the chunks split, and nothing kept
per field."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.signing import SignedParts
from app.intake.signature_fields import (
    FormScan,
    TooManyParts,
    UnreadableBody,
    UrlencodedScan,
    form_scanner,
    scan_form,
)

URLENCODED = "application/x-www-form-urlencoded"


def multipart_body(
    fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]
) -> tuple[bytes, str]:
    parts = [
        b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (n.encode(), v.encode())
        for n, v in fields
    ] + [
        b'--B\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s\r\n\r\n%s\r\n'
        % (n.encode(), f.encode(), t.encode(), data)
        for n, f, t, data in files
    ]
    return b"".join(parts) + b"--B--\r\n", "multipart/form-data; boundary=B"


SIGNED = SignedParts("1700000000", "tok", "sig")


def in_pieces(body: bytes, content_type: str, cuts: list[int]) -> FormScan:
    scanner = form_scanner(content_type)
    buffer = bytearray()
    for cut in [*sorted(cuts), len(body)]:
        start = len(buffer)
        buffer += body[start : max(cut, start)]
        scanner.feed(buffer, start)
    return scanner.finish(buffer)


FIELDS = [
    ("token", "user's own"),
    ("a", "1&2"),
    ("message-url", "https://x"),
    ("timestamp", "1700000000"),
    ("token", "tok"),
    ("signature", "sig"),
]


@given(st.lists(st.integers(0, 200), max_size=8))
def test_urlencoded_scan_is_the_same_wherever_the_chunks_split(cuts: list[int]) -> None:
    body = urlencode(FIELDS).encode()
    assert in_pieces(body, URLENCODED, cuts) == FormScan(SIGNED, store_notify=True)


@given(st.lists(st.integers(0, 600), max_size=8))
def test_multipart_scan_is_the_same_wherever_the_chunks_split(cuts: list[int]) -> None:
    body, content_type = multipart_body(FIELDS, [])
    assert in_pieces(body, content_type, cuts) == FormScan(SIGNED, store_notify=True)


def test_percent_encoded_names_are_the_names_a_decoder_sees() -> None:
    body = b"%74oken=tok&%54oken=no&times%74amp=1700000000&%73ignature=sig&message%2Durl=u"
    assert scan_form(body, URLENCODED) == FormScan(SIGNED, store_notify=True)


def test_the_first_field_and_fields_without_a_value() -> None:
    assert scan_form(b"token=tok&timestamp&signature=", URLENCODED) == FormScan(
        SignedParts("", "tok", ""), store_notify=False
    )
    assert scan_form(b"&token=tok", URLENCODED).signed == SignedParts("", "tok", "")
    assert scan_form(b"xtoken=tok&tokens=t", URLENCODED).signed is None


def test_a_long_value_is_cut_and_so_refused_later() -> None:
    scan = scan_form(b"signature=" + b"a" * 5000 + b"&token=t", URLENCODED)
    assert scan.signed == SignedParts("", "t", "a" * 1024)


def test_the_urlencoded_scan_keeps_nothing_per_field() -> None:
    scanner = UrlencodedScan()
    buffer = bytearray(b"&".join(b"f%d=v" % n for n in range(50_000)))
    scanner.feed(buffer, 0)
    assert scanner.finish(buffer) == FormScan(None, store_notify=False)
    assert scanner.found == {}


def test_multipart_limits() -> None:
    part = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
    scan_form(part * 100_000 + b"--B--\r\n", "multipart/form-data; boundary=B")
    with pytest.raises(TooManyParts):
        scan_form(part * 100_001 + b"--B--\r\n", "multipart/form-data; boundary=B")
    endless = b'--B\r\nContent-Disposition: form-data; name="f"; filename="' + b"a" * 70_000
    with pytest.raises(UnreadableBody, match="headers over"):
        scan_form(endless, "multipart/form-data; boundary=B")
    with pytest.raises(UnreadableBody, match="boundary"):
        form_scanner("multipart/form-data")


def test_a_signature_field_sent_as_a_file_is_refused() -> None:
    body, content_type = multipart_body([], [("token", "t.txt", "text/plain", b"tok")])
    with pytest.raises(UnreadableBody, match="not files"):
        scan_form(body, content_type)
