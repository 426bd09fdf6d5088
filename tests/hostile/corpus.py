"""Hostile inbound messages, generated: every case is a function of nothing that returns the raw MIME bytes.

Each reproduces a way a sender (anyone who can mail a route) can make a MIME parser spend memory or time out
of proportion to the message: Python's email header parser is quadratic in some header shapes, and its feed
parser builds an object per part however many there are. Sizes stay under Mailgun's 25 MB.
"""

from __future__ import annotations

from collections.abc import Callable

CRLF = b"\r\n"
TOP = (
    b"From: Hostile <h@sender.example>\r\nTo: in@inbound.example\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n"
)


def _multipart(parts: bytes, boundary: bytes = b"b", extra: bytes = b"") -> bytes:
    return TOP + b'Content-Type: multipart/mixed; boundary="' + boundary + b'"' + extra + CRLF + CRLF + parts


def _text_part(text: bytes = b"body") -> bytes:
    return b"--b\r\nContent-Type: text/plain\r\n\r\n" + text + CRLF


def filename_encoded_words() -> bytes:
    """~200 KiB: a Content-Disposition filename of thousands of RFC 2047 encoded words, folded."""
    words = CRLF.join(b" =?utf-8?q?a%d?=" % n for n in range(12_000))
    attachment = b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
    return _multipart(_text_part() + attachment + words + b'"\r\n\r\n%PDF\r\n--b--\r\n')


def empty_parts() -> bytes:
    """1 M empty parts (~8 MB)."""
    return _multipart(b"--b\r\n\r\n" * 1_000_000 + b"--b--\r\n")


def folded_content_type_params() -> bytes:
    """~225 KiB: a folded top-level Content-Type with many parameters."""
    params = b"".join(b";\r\n p%d=v%d" % (n, n) for n in range(15_000))
    return _multipart(_text_part() + b"--b--\r\n", extra=params)


def deep_nesting() -> bytes:
    """20,000 nested multiparts, each opened and never closed."""
    level = b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n'
    return TOP + b"".join(level % (n, n) for n in range(20_000)) + b"Content-Type: text/plain\r\n\r\ndeep\r\n"


def deep_nesting_closed() -> bytes:
    """5,000 nested multiparts, properly closed."""
    depth = 5_000
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (n, n) for n in range(depth)
    )
    closing = b"".join(b"\r\n--n%d--\r\n" % n for n in reversed(range(depth)))
    return TOP + opening + b"Content-Type: text/plain\r\n\r\ndeep" + closing


def huge_header_line() -> bytes:
    """One 8 MB Subject line, and an 8 MB unfolded Content-Type value."""
    subject = b"Subject: " + b"x" * 8_000_000 + CRLF
    ctype = b"Content-Type: text/plain; charset=utf-8; x=" + b"y" * 8_000_000 + CRLF
    return subject + ctype + CRLF + b"body\r\n"


def huge_address_list() -> bytes:
    """A To header of 200,000 addresses (~5 MB)."""
    to = b"To: " + b", ".join(b"u%d@x.example" % n for n in range(200_000)) + CRLF
    return b"From: a@sender.example\r\n" + to + CRLF + b"body\r\n"


def many_headers() -> bytes:
    """500,000 header lines (~8 MB), then a body."""
    return b"".join(b"X-H%d: v\r\n" % n for n in range(500_000)) + b"Subject: many\r\n\r\nbody\r\n"


def many_encoded_words_subject() -> bytes:
    """A Subject of 400,000 encoded words (~8 MB)."""
    words = b" ".join(b"=?utf-8?b?w6k=?=" for _ in range(400_000))
    return b"Subject: " + words + b"\r\nFrom: a@sender.example\r\n\r\nbody\r\n"


def many_encoded_words_per_part() -> bytes:
    """2,000 attachments, each with 200 encoded words in its filename."""
    words = b" ".join(b"=?utf-8?q?a%d?=" % n for n in range(200))
    part = b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="' + words
    return _multipart(_text_part() + (part + b'"\r\n\r\n%PDF\r\n') * 2_000 + b"--b--\r\n")


def many_disposition_params() -> bytes:
    """An attachment whose Content-Disposition has 100,000 parameters, RFC 2231 continuations among them."""
    params = b"".join(b";\r\n filename*%d=p%d" % (n, n) for n in range(100_000))
    attachment = b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment" + params
    return _multipart(_text_part() + attachment + b"\r\n\r\n%PDF\r\n--b--\r\n")


def boundary_abuse() -> bytes:
    """A body full of near-boundaries: `--b` not at a line start, `--bx` lines, and a 64 KiB boundary."""
    near = b"x--b" * 1_000_000 + CRLF + b"--bx\r\n" * 500_000
    long_boundary = b"q" * 65_536
    inner = (
        b"--" + long_boundary + b"\r\nContent-Type: text/plain\r\n\r\ninner\r\n--" + long_boundary + b"--\r\n"
    )
    nested = b'--b\r\nContent-Type: multipart/mixed; boundary="' + long_boundary + b'"\r\n\r\n' + inner
    return _multipart(_text_part(near) + nested + b"--b--\r\n")


def boundary_lines_only() -> bytes:
    """3 M delimiter lines with nothing between them (~15 MB): the cheapest part there is."""
    return _multipart(b"--b\r\n" * 3_000_000)


def parts_without_end_boundary() -> bytes:
    """200,000 parts, each a nested multipart whose boundary never closes."""
    inner = b"--c\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    part = b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n' + inner
    return _multipart(part * 200_000)


def header_block_without_end() -> bytes:
    """8 MB of folded continuation lines and no blank line: one header that never ends."""
    return b"Subject: start\r\n" + b" more\r\n" * 1_000_000


def quotes_in_disposition() -> bytes:
    """60 KiB of `"` in a Content-Disposition: over five minutes in the stdlib's header parser."""
    attachment = b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="
    return _multipart(_text_part() + attachment + b'"' * 60_000 + b"\r\n\r\n%PDF\r\n--b--\r\n")


def semicolons_in_quoted_filename() -> bytes:
    """A quoted filename of 60,000 `;`, in each of 50 parts: quadratic in the stdlib's parameter splitter."""
    attachment = b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
    return _multipart(_text_part() + (attachment + b";" * 60_000 + b'"\r\n\r\n%PDF\r\n') * 50 + b"--b--\r\n")


def many_params_within_size() -> bytes:
    """Content-Type and Content-Disposition of 5,000 short parameters each, under the header size bound."""
    params = b"".join(b";p%d=%d" % (n, n) for n in range(5_000))
    attachment = (
        b"--b\r\nContent-Type: application/pdf" + params + b"\r\nContent-Disposition: attachment" + params
    )
    return _multipart(_text_part() + attachment + b"\r\n\r\n%PDF\r\n--b--\r\n")


def many_encoded_words_within_size() -> bytes:
    """A Subject and a filename of 6,000 encoded words each, under the header size bound."""
    words = b"".join(b"=?utf-8?q?a?=" for _ in range(4_000))
    attachment = (
        b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="' + words
    )
    body = _text_part() + attachment + b'"\r\n\r\n%PDF\r\n--b--\r\n'
    return b"Subject: " + words + b"\r\n" + _multipart(body)


def address_groups() -> bytes:
    """To, Cc and From of 60 KiB address-group syntax each: seconds apiece in the stdlib's address parser."""
    group = b"g:" + b"a@b," * 15_000 + b";"
    return b"From: " + group + b"\r\nTo: " + group + b"\r\nCc: " + group + b"\r\n\r\nbody\r\n"


CASES: dict[str, Callable[[], bytes]] = {
    name: function
    for name, function in list(globals().items())
    if callable(function) and not name.startswith("_") and getattr(function, "__module__", "") == __name__
    and name not in ("Callable",)
}  # fmt: skip
