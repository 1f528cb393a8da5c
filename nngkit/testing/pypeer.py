"""The Python peer: one SP socket of pynng or nngkit acting out a behaviour.

Run as a script (``python pypeer.py --module pynng --proto rep0 --listen URL
--kind echo``, ``--data HEX`` or ``--data-file F``) it is the "pynng" peer, or a subprocess "nngkit" peer; it
imports only the standard library and that module.  ``run()`` is also what
an in-process nngkit peer runs in a thread.

It speaks the same line protocol as the C peer (cpeer.c).  Out, one line
per event: ``ready URL`` (listening, or dialed with the SP handshake done),
``pipe add`` / ``pipe rem``, ``recv HEX`` (a message arrived), ``sent`` (a
``send`` command went out), ``done`` (the behaviour is over), ``error
TEXT``.  In: ``send HEX``, ``quit``.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import threading
from typing import Any, Callable, Iterable, List, Optional
from urllib.parse import urlsplit

NAMES = {"req0": "Req0", "rep0": "Rep0", "pub0": "Pub0", "sub0": "Sub0", "push0": "Push0", "pull0": "Pull0",
         "surveyor0": "Surveyor0", "respondent0": "Respondent0", "bus0": "Bus0", "pair0": "Pair0",
         "pair1": "Pair1"}
Emit = Callable[[str], None]


def parse(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="pypeer")
    p.add_argument("--module", default="pynng")
    p.add_argument("--proto", required=True, choices=sorted(NAMES))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--listen")
    where.add_argument("--dial")
    p.add_argument("--kind", default="record")
    p.add_argument("--data", default="")
    p.add_argument("--data-file")
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--prefix")
    p.add_argument("--topic", action="append", default=[])
    p.add_argument("--tls-ca-file")  # tls+tcp, wss: the CA that signed the other side
    p.add_argument("--tls-cert-key-file")  # and our own certificate, then key
    spec = p.parse_args(argv)
    if spec.data_file is not None:
        with open(spec.data_file, "rb") as f:
            spec.data = f.read().hex()
    return spec


def _recv(sock: Any) -> bytes:
    return bytes(sock.recv_msg().bytes)  # pynng's recv() refuses an empty message; recv_msg() does not


def _answer(spec: argparse.Namespace, fn: Optional[Callable[[bytes], bytes]], msg: bytes) -> bytes:
    if fn is not None:
        return fn(msg)
    if spec.kind == "echo":
        return msg
    if spec.prefix is not None:
        return bytes.fromhex(spec.prefix) + msg
    return bytes.fromhex(spec.data)


def _receive(mod: Any, sock: Any, emit: Emit, limit: int, answer: Optional[Callable[[bytes], bytes]]) -> int:
    """Receive (and answer) until `limit` messages (0: until closed); returns how many."""
    n = 0
    while limit <= 0 or n < limit:
        try:
            msg = _recv(sock)
        except mod.Timeout:
            break  # a survey's answers are over
        emit("recv " + msg.hex())
        n += 1
        if answer is not None:
            sock.send(answer(msg))
    return n


def behave(mod: Any, sock: Any, spec: argparse.Namespace, emit: Emit, connected: threading.Event,
           fn: Optional[Callable[[bytes], bytes]] = None) -> None:
    """The behaviour; returns when it is over, or raises mod.Closed when the socket closes."""
    kind, data, times = spec.kind, bytes.fromhex(spec.data), max(spec.count, 1)
    if kind in ("echo", "reply"):
        _receive(mod, sock, emit, spec.count, lambda m: _answer(spec, fn, m))
    elif kind == "record":
        _receive(mod, sock, emit, spec.count, None)
        emit("done")
    elif kind == "request":
        connected.wait()  # a survey sent before any pipe would reach no one
        for _ in range(times):
            sock.send(data)
            _receive(mod, sock, emit, 1 if spec.proto == "req0" else 0, None)
        emit("done")
    else:  # publish, push, send: after the first pipe (push and pair wait for one anyway)
        connected.wait()
        for _ in range(times):
            sock.send(data)
        emit("done")
        if kind == "send":
            _receive(mod, sock, emit, 0, None)


def tls_config(mod: Any, spec: argparse.Namespace) -> Any:
    """The socket's TLS configuration (None without a CA file): a listener requires a client
    certificate; a dialer checks the server's against the URL's host, named explicitly (NNG 1.11
    with mbedTLS 3.6 refuses to verify a server whose name it was not given)."""
    if spec.tls_ca_file is None:
        return None
    cfg = mod.TLSConfig
    own = {"cert_key_file": spec.tls_cert_key_file} if spec.tls_cert_key_file else {}
    if spec.listen:
        return cfg(cfg.MODE_SERVER, ca_files=[spec.tls_ca_file], auth_mode=cfg.AUTH_MODE_REQUIRED, **own)
    return cfg(cfg.MODE_CLIENT, server_name=urlsplit(spec.dial).hostname, ca_files=[spec.tls_ca_file], **own)


def open_socket(mod: Any, spec: argparse.Namespace, emit: Emit, connected: threading.Event) -> Any:
    tls = tls_config(mod, spec)
    sock = getattr(mod, NAMES[spec.proto])(**({} if tls is None else {"tls_config": tls}))
    if spec.proto == "sub0":
        for topic in spec.topic or [""]:
            sock.subscribe(bytes.fromhex(topic))
    if spec.proto == "surveyor0":
        sock.survey_time = 1000

    def added(_pipe: Any) -> None:
        emit("pipe add")
        connected.set()

    sock.add_post_pipe_connect_cb(added)
    sock.add_post_pipe_remove_cb(lambda _pipe: emit("pipe rem"))
    return sock


def run(mod: Any, spec: argparse.Namespace, emit: Emit, commands: Iterable[str],
        fn: Optional[Callable[[bytes], bytes]] = None,
        on_failure: Optional[Callable[[BaseException], None]] = None) -> None:
    """Open, connect, act, obey commands until ``quit`` (or their end), close.

    A failing behaviour is reported as an ``error`` line and handed to
    `on_failure` (the script exits there); it is raised again at the end.
    """
    connected = threading.Event()
    failures: List[BaseException] = []
    sock = open_socket(mod, spec, emit, connected)

    def worker() -> None:
        try:
            behave(mod, sock, spec, emit, connected, fn)
        except mod.Closed:
            pass
        except BaseException as e:  # noqa: BLE001 - reported as the peer's failure
            failures.append(e)
            emit("error %s: %s" % (type(e).__name__, e))
            if on_failure is not None:
                on_failure(e)

    t = threading.Thread(target=worker, name="sp-peer", daemon=True)
    try:
        url = sock.listen(spec.listen).url if spec.listen else (sock.dial(spec.dial, block=True), spec.dial)[1]
        emit("ready " + str(url))
        t.start()
        for line in commands:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "quit" or failures:
                break
            if cmd == "send":
                sock.send(bytes.fromhex(arg))
                emit("sent")
    finally:
        sock.close()
    if t.is_alive():
        t.join(10)
    if failures:
        raise failures[0]


def _die(e: BaseException) -> None:
    """The script's end on a failed behaviour: the traceback on stderr, exit status 1."""
    import os
    import traceback

    traceback.print_exception(type(e), e, e.__traceback__, file=sys.stderr)
    sys.stderr.flush()
    os._exit(1)


def main(argv: Optional[List[str]] = None) -> int:
    spec = parse(sys.argv[1:] if argv is None else argv)
    mod = importlib.import_module(spec.module)
    lock = threading.Lock()

    def emit(line: str) -> None:
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    run(mod, spec, emit, sys.stdin, on_failure=_die)
    return 0


if __name__ == "__main__":
    sys.exit(main())
