#!/usr/bin/env python3
"""Writes the seed corpora under csrc/fuzz/corpus/<target>/ (small, committed).

Run it again after changing an input format; libFuzzer adds its own finds to
a scratch copy (scripts/fuzz.sh), never here.  Regression inputs for findings
(regress-*) are written here too, so that tests/fuzz replays them in CI.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

PROTOS = {"pair0": 0x10, "pair1": 0x11, "pub0": 0x20, "sub0": 0x21, "req0": 0x30, "rep0": 0x31,
          "push0": 0x50, "pull0": 0x51, "surveyor0": 0x62, "respondent0": 0x63, "bus0": 0x70}


def hs(proto, version=0, reserved=0, magic=b"\x00SP"):
    return magic + bytes([version]) + struct.pack(">HH", proto, reserved)


def q(n):
    return struct.pack(">Q", n)


def w(n):
    return struct.pack(">I", n)


def tcp_frame(payload):
    return q(len(payload)) + payload


def ipc_frame(payload, type_byte=1):
    return bytes([type_byte]) + tcp_frame(payload)


def handshake_seeds():
    out = {f"valid-{name}": hs(p) for name, p in PROTOS.items()}
    out.update({
        "bad-magic": b"\x00SQ\x00\x00\x30\x00\x00",
        "bad-version": hs(0x30, version=1),
        "reserved-set": hs(0x30, reserved=1),
        "short": b"\x00SP",
        "http": b"GET / HTTP/1.1\r\n\r\n",
        "two-headers": hs(0x30) + hs(0x31),
    })
    return out


def framer_seeds():
    # [cfg: type byte index][limit selector][split seed][stream]
    return {
        "tcp-two-frames": b"\x00\x00\x07" + tcp_frame(b"hello") + tcp_frame(b""),
        "ipc-two-frames": b"\x01\x04\x03" + ipc_frame(b"hello") + ipc_frame(b"x" * 20),
        "ipc-wrong-type": b"\x01\x00\x01" + ipc_frame(b"hi", type_byte=2),
        "claim-8gib-limit-1gib": b"\x00\x04\x05" + q(8 << 30),
        "claim-2pow63-no-limit": b"\x00\x00\x09" + q(1 << 63),
        "claim-max-no-limit": b"\x01\x00\x02" + b"\x01" + b"\xff" * 8,
        "limit-1-frame-2": b"\x00\x02\x04" + tcp_frame(b"a") + tcp_frame(b"bb"),
        "limit-1k-exact": b"\x00\x03\x06" + q(1024) + b"z" * 16,
        "limit-from-bytes": b"\x00\xff\x0b" + q(3) + b"abc" + q(4) + b"defg",
        "type-0xff": b"\x03\x00\x00" + ipc_frame(b"ff", type_byte=0xFF),
        "partial-prefix": b"\x00\x00\x00" + b"\x00\x00\x00",
    }


def bt_seeds():
    return {
        "one-hop": b"\x08" + w(0x80000001) + b"body",
        "three-hops": b"\x08" + w(1) + w(2) + w(0x80000003) + b"body",
        "no-end-word": b"\x08" + w(1) + w(2),
        "over-ttl": b"\x02" + w(1) + w(2) + w(0x80000003),
        "ttl-15-full": b"\x0f" + b"".join(w(i) for i in range(14)) + w(0x8000000f),
        "ttl-0": b"\x00" + w(0x80000001),
        "short-tail": b"\x08" + w(1) + b"\x80\x00",
        "empty": b"\x08",
    }


def id_seeds():
    return {"id": w(0x80000001) + b"reply", "short": b"\x80\x00\x01", "empty": b"", "exact": w(0x12345678)}


def pair1_seeds():
    return {
        "hops-1": b"\x08" + w(1) + b"body",
        "hops-0": b"\x08" + w(0),
        "hops-255": b"\x08" + w(0xFF),
        "hops-256": b"\x08" + w(0x100),
        "over-ttl": b"\x02" + w(3),
        "short": b"\x08\x00\x00",
    }


# fuzz_socket targets, in the order of its table
SOCKET_TARGETS = ["rep0", "respondent0", "pull0", "pair0", "pair1-poly", "bus0", "sub0",
                  "req0", "surveyor0", "pair1", "rep0-raw", "respondent0-raw"]
# what a peer of each listener sends (after the header fuzz_socket prepends)
SOCKET_PAYLOADS = {
    "rep0": [w(0x80000001) + b"request", w(7) + w(0x80000002) + b"two hops", w(1) + w(2)],
    "respondent0": [w(0x80000001) + b"survey", w(0x7fffffff)],
    "pull0": [b"pushed", b""],
    "pair0": [b"second peer"],
    "pair1-poly": [w(1) + b"hop", w(0x100) + b"bad hops", w(200) + b"over ttl"],
    "bus0": [b"bus message"],
    "sub0": [b"topic news", b""],
    "req0": [w(0x80000001) + b"unknown reply", b"\x00\x01"],
    "surveyor0": [w(0x80000009) + b"late answer", b"\x01"],
    "pair1": [w(1) + b"rejected"],
    "rep0-raw": [w(3) + w(0x80000001) + b"raw request", b"".join(w(i) for i in range(20))],
    "respondent0-raw": [w(0x80000001) + b"raw survey"],
}


def socket_seeds():
    out = {}
    for i, name in enumerate(SOCKET_TARGETS):
        for j, payload in enumerate(SOCKET_PAYLOADS[name]):
            out[f"{name}-tcp-{j}"] = bytes([i]) + tcp_frame(payload)
            out[f"{name}-ipc-{j}"] = bytes([i | 0x10]) + ipc_frame(payload)
    out.update({
        "rep0-tcp-claim-8gib": bytes([0]) + q(8 << 30),
        "rep0-ipc-over-limit": bytes([0x10]) + b"\x01" + q(4096) + b"x" * 64,
        "pull0-tcp-truncated": bytes([2]) + q(100) + b"only part",
        "pull0-verbatim-garbage": bytes([2 | 0x20]) + b"GET / HTTP/1.1\r\n\r\n",
        "rep0-verbatim-wrong-proto": bytes([0x20]) + hs(0x20) + tcp_frame(b"x"),
        "bus0-verbatim-short-header": bytes([5 | 0x20]) + b"\x00SP\x00",
        "pair1-poly-ipc-wrong-type": bytes([4 | 0x10]) + ipc_frame(w(1) + b"x", type_byte=2),
        # findings (see SECURITY.md): empty frames used NULL bodies (F1, F2)
        "regress-empty-frame-rep0": bytes.fromhex("000000000000000000f7"),
        "regress-sub-empty-msg": bytes.fromhex("c6") + bytes(19),
    })
    return out


WS_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
WS_HEADERS = (b"Host: 127.0.0.1:4000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + WS_KEY + b"\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n")
WS_REQUEST = b"GET /sp HTTP/1.1\r\n" + WS_HEADERS + b"\r\n"
WS_RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
               b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
               b"Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n")


def ws_edit(old, new, base=WS_REQUEST):
    assert old in base, old
    return base.replace(old, new, 1)


def ws_http_seeds():
    many = b"GET /sp HTTP/1.1\r\n" + b"".join(b"X%d: v\r\n" % i for i in range(129)) + b"\r\n"
    return {
        "request": WS_REQUEST,
        "request-then-frame": WS_REQUEST + b"\x82\x80\x01\x02\x03\x04",
        "response": WS_RESPONSE,
        "response-no-reason": ws_edit(b" Switching Protocols", b"", WS_RESPONSE),
        "response-404": b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "response-upgrade-case": ws_edit(b"Upgrade: websocket", b"Upgrade: WebSocket", WS_RESPONSE),
        "http10": ws_edit(b"HTTP/1.1", b"HTTP/1.0"),
        "version-lower": ws_edit(b"HTTP/1.1", b"http/1.1"),
        "post": ws_edit(b"GET", b"POST"),
        "head": ws_edit(b"GET", b"HEAD"),
        "body": ws_edit(b"Host:", b"Content-Length: 5\r\nHost:") + b"hello",
        "chunked": ws_edit(b"Host:", b"Transfer-Encoding: chunked\r\nHost:"),
        "bare-lf": WS_REQUEST.replace(b"\r\n", b"\n"),
        "proto-wrong": ws_edit(b"rep.sp", b"req.sp"),
        "proto-list": ws_edit(b"rep.sp.nanomsg.org", b"foo, rep.sp.nanomsg.org"),
        "connection-comma": ws_edit(b"Connection: Upgrade", b"Connection: keep-alive,Upgrade"),
        "connection-list": ws_edit(b"Connection: Upgrade", b"Connection: Upgrade,keep-alive"),
        "upgrade-list": ws_edit(b"Upgrade: websocket", b"Upgrade: foo ,, websocket"),
        "key-short": ws_edit(WS_KEY, b"abc"),
        "no-host": ws_edit(b"Host: 127.0.0.1:4000\r\n", b""),
        "name-blank": ws_edit(b"Sec-WebSocket-Version:", b"Sec-WebSocket-Version :"),
        "folded": ws_edit(b"Host:", b"X: a\r\n b\r\nHost:"),
        "garbage": b"GARBAGE\r\n\r\n",
        "absolute-uri": ws_edit(b"GET /sp", b"GET http://127.0.0.1:4000/%73p?q=1"),
        "bad-escape": ws_edit(b"GET /sp", b"GET /sp%2"),
        "too-many-headers": many,
        "incomplete": WS_REQUEST[:-2],
        "nul": ws_edit(b"Host:", b"X: a\x00b\r\nHost:"),
    }


def ws_frame(fin, op, payload_len, mask=None, rsv=0, ext=None):
    """A frame header; ext forces a 16- or 64-bit length (ext=2 or 8)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    if ext is None:
        ext = 0 if payload_len < 126 else 2 if payload_len <= 0xFFFF else 8
    l7 = payload_len if ext == 0 else 126 if ext == 2 else 127
    out = bytes([b0, (0x80 if mask else 0) | l7])
    out += payload_len.to_bytes(ext, "big") if ext else b""
    return out + (mask or b"")


def ws_frame_seeds():
    # [cfg: bit 0 server, bit 1 in a message, bits 2-3 limit none/125/64K/1M][frame]
    key = b"\x37\xfa\x21\x3d"
    srv, mid, lim125, lim1m = 1, 2, 4, 12
    return {
        "nng-request": bytes([srv | lim1m]) + bytes.fromhex("828c") + key + bytes(12),
        "client-binary": bytes([lim1m]) + ws_frame(1, 2, 5) + b"hello",
        "text-1003": bytes([0]) + ws_frame(1, 1, 5) + b"Hello",
        "server-unmasked-1002": bytes([srv]) + ws_frame(1, 2, 0),
        "client-masked-1002": bytes([0]) + ws_frame(1, 2, 0, key),
        "len16": bytes([lim1m]) + ws_frame(1, 2, 300),
        "len64": bytes([lim1m]) + ws_frame(1, 2, 70000),
        "len16-not-minimal": bytes([0]) + ws_frame(1, 2, 125, ext=2),
        "len64-not-minimal": bytes([0]) + ws_frame(1, 2, 9, ext=8),
        "len64-top-bit": bytes([0]) + b"\x82\x7f\x80" + bytes(7),
        "claim-2pow62": bytes([srv | lim1m]) + ws_frame(1, 2, 1 << 62, key),
        "claim-2pow62-no-limit": bytes([0]) + ws_frame(1, 2, 1 << 62),
        "over-limit-by-one": bytes([lim125]) + ws_frame(1, 2, 126),
        "at-limit": bytes([lim125]) + ws_frame(1, 2, 125),
        "rsv1": bytes([0]) + ws_frame(1, 2, 0, rsv=4),
        "opcode-3": bytes([0]) + ws_frame(1, 3, 0),
        "ping-125": bytes([lim125 | mid]) + ws_frame(1, 9, 125) + b"p" * 125,
        "ping-126": bytes([0]) + ws_frame(1, 9, 126),
        "ping-fragmented": bytes([0]) + ws_frame(0, 9, 0),
        "cont-no-message": bytes([0]) + ws_frame(1, 0, 3) + b"abc",
        "cont-in-message": bytes([mid]) + ws_frame(0, 0, 3) + b"abc",
        "binary-in-message": bytes([mid]) + ws_frame(1, 2, 0),
        "close-1000": bytes([srv]) + ws_frame(1, 8, 2, key) + b"\x03\xe8",
        "close-empty": bytes([0]) + ws_frame(1, 8, 0),
        "close-one-byte": bytes([0]) + ws_frame(1, 8, 1) + b"\x03",
        "close-1005": bytes([0]) + ws_frame(1, 8, 2) + b"\x03\xed",
        "close-4999": bytes([0]) + ws_frame(1, 8, 2) + b"\x13\x87",
        "partial": bytes([0]) + b"\x82\x7f\x00\x00",
    }


def main():
    sets = {"handshake": handshake_seeds(), "framer": framer_seeds(), "bt": bt_seeds(),
            "id": id_seeds(), "pair1": pair1_seeds(), "socket": socket_seeds(),
            "ws_http": ws_http_seeds(), "ws_frame": ws_frame_seeds()}
    total = 0
    for target, seeds in sets.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            total += 1
    print(f"wrote {total} seeds under {CORPUS}", file=sys.stderr)


if __name__ == "__main__":
    main()
