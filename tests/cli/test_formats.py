"""The output formats, byte for byte, against nngcat-reference.md section 4.

The expectations are written out from the reference (not computed by the
code under test); the side-by-side tests compare the same formats with the
real nngcat over the network.
"""
from __future__ import annotations

import base64
import json

import pytest

from nngcat import fmt

# The reference's sample payload: 41 09 0a 0d 22 5c 01 7f ff 20 7a
SAMPLE = bytes([0x41, 0x09, 0x0A, 0x0D, 0x22, 0x5C, 0x01, 0x7F, 0xFF, 0x20, 0x7A])


def test_reference_sample_in_every_nng_format():
    assert fmt.FORMATS["no"](SAMPLE) == b""
    assert fmt.formatter(None)(SAMPLE) == b""
    assert fmt.FORMATS["raw"](SAMPLE) == SAMPLE
    assert fmt.FORMATS["ascii"](SAMPLE) == b'A..."\\... z'
    assert fmt.FORMATS["quoted"](SAMPLE) == b'"A\\t\\n\\r\\"\\\\\\x01\\x7f\\xff z"\n'
    assert fmt.FORMATS["hex"](SAMPLE) == b'"\\x41\\x09\\x0a\\x0d\\x22\\x5c\\x01\\x7f\\xff\\x20\\x7a"\n'
    assert fmt.FORMATS["msgpack"](SAMPLE) == b"\xc4\x0b" + SAMPLE


def test_ascii_keeps_0x20_to_0x7e_and_dots_the_rest_without_newline():
    out = fmt.fmt_ascii(bytes(range(256)))
    assert len(out) == 256
    assert out[0x20:0x7F] == bytes(range(0x20, 0x7F))
    assert set(out[:0x20] + out[0x7F:]) == {ord(".")}
    assert fmt.fmt_ascii(b"ping") * 3 == b"pingpingping"  # messages run together, as in NNG


def test_quoted_every_byte_value():
    expected = []
    for b in range(256):
        if b in (0x0A, 0x0D, 0x09):
            expected.append({0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t"}[b])
        elif b in (0x22, 0x5C):
            expected.append(b"\\" + bytes([b]))
        elif 0x20 <= b <= 0x7E:
            expected.append(bytes([b]))
        else:
            expected.append(("\\x" + format(b, "02x")).encode())
    assert fmt.fmt_quoted(bytes(range(256))) == b'"' + b"".join(expected) + b'"\n'
    assert fmt.fmt_quoted(b"") == b'""\n'


def test_hex_is_lowercase_for_every_byte():
    body = bytes(range(256))
    out = fmt.fmt_hex(body)
    assert out == ('"' + "".join("\\x%s" % format(b, "02x") for b in body) + '"\n').encode()
    assert b"\\xff" in out and b"\\xFF" not in out
    assert fmt.fmt_hex(b"") == b'""\n'


@pytest.mark.parametrize("size,head", [
    (0, b"\xc4\x00"), (255, b"\xc4\xff"), (256, b"\xc5\x01\x00"), (65535, b"\xc5\xff\xff"),
    (65536, b"\xc6\x00\x01\x00\x00"), (70000, b"\xc6\x00\x01\x11\x70"),
])
def test_msgpack_bin_header_sizes(size, head):
    body = bytes(size)
    assert fmt.fmt_msgpack(body) == head + body


def test_raw_passes_memoryviews_and_bytearrays_through():
    assert fmt.fmt_raw(bytearray(b"ab")) == b"ab"
    assert fmt.fmt_quoted(memoryview(b"a\n")) == b'"a\\n"\n'


def test_json_is_one_object_per_line_text_or_base64():
    text = fmt.fmt_json("h\u00e9llo \"q\"\n".encode())
    binary = fmt.fmt_json(b"\xff\x00\x01")
    empty = fmt.fmt_json(b"")
    for line in (text, binary, empty):
        assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(text) == {"size": 11, "encoding": "utf-8", "body": "h\u00e9llo \"q\"\n"}
    obj = json.loads(binary)
    assert (obj["size"], obj["encoding"], base64.b64decode(obj["body"])) == (3, "base64", b"\xff\x00\x01")
    assert json.loads(empty) == {"size": 0, "encoding": "utf-8", "body": ""}


def test_json_rejects_surrogate_smuggling():
    # an encoded surrogate is not valid UTF-8, so it must come out as base64
    assert json.loads(fmt.fmt_json(b"\xed\xa0\x80"))["encoding"] == "base64"
