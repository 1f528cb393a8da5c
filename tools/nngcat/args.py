"""nngcat's command line: one option table, NNG's parsing rules, NNG's validation.

Parsing follows NNG 1.x ``nng_opts_parse``: long options take any unambiguous
prefix (an exact name wins over prefix ambiguity), values come after ``=``,
``:`` or as the next argument; short options take an attached value
(``-L5678``) and never cluster; parsing stops at the first argument that is
not an option (or after a bare ``-``) and the rest is ignored.  Each option
is acted on as it is parsed, so the first problem in argument order is the
one reported, with NNG's texts, exactly as ``nngcat`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Dict, Iterator, List, Optional, Tuple

from . import fmt, usage


class Fatal(Exception):
    """An error that ends nngcat: the message goes to stderr, the exit code is 1."""


class Finish(Exception):
    """--help / --version: ``text`` goes to stdout and nngcat exits with ``code``."""

    def __init__(self, text: str, code: int) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


@dataclass(frozen=True)
class Opt:
    name: str            # long name, without "--"
    short: str           # one character, or ""
    takes_value: bool
    key: str             # what the option does (aliases share a key)


# NNG nngcat's table (the same names, short letters and argument flags), then
# nngkit's additions.  Additions may only turn a parse error into a success:
# no prefix that resolved before may become ambiguous.
OPTIONS: Tuple[Opt, ...] = (
    Opt("help", "h", False, "help"),
    Opt("verbose", "v", False, "verbose"),
    Opt("silent", "q", False, "silent"),
    Opt("req0", "", False, "req0"),
    Opt("rep0", "", False, "rep0"),
    Opt("push0", "", False, "push0"),
    Opt("pull0", "", False, "pull0"),
    Opt("pub0", "", False, "pub0"),
    Opt("sub", "", False, "sub0"),  # explicit: "sub" is also a prefix of "subscribe"
    Opt("sub0", "", False, "sub0"),
    Opt("surveyor0", "", False, "surveyor0"),
    Opt("respondent0", "", False, "respondent0"),
    Opt("pair", "", False, "pair"),
    Opt("pair0", "", False, "pair0"),
    Opt("pair1", "", False, "pair1"),
    Opt("bus0", "", False, "bus0"),
    Opt("dial", "", True, "dial"),
    Opt("listen", "", True, "listen"),
    Opt("data", "D", True, "data"),
    Opt("file", "F", True, "file"),
    Opt("subscribe", "", True, "subscribe"),
    Opt("format", "", True, "format"),
    Opt("ascii", "A", False, "ascii"),
    Opt("quoted", "Q", False, "quoted"),
    Opt("raw", "", False, "raw"),
    Opt("hex", "", False, "hex"),
    Opt("compat", "", False, "compat"),
    Opt("async", "", False, "async"),
    Opt("msgpack", "", False, "msgpack"),
    Opt("recv-maxsz", "Z", True, "recv-maxsz"),
    Opt("count", "C", True, "count"),
    Opt("delay", "d", True, "delay"),
    Opt("interval", "i", True, "interval"),
    Opt("recv-timeout", "", True, "recv-timeout"),
    Opt("send-timeout", "", True, "send-timeout"),
    Opt("socket-name", "", True, "socket-name"),
    Opt("bind", "", True, "listen"),
    Opt("connect", "", True, "dial"),
    Opt("bind-ipc", "X", True, "bind-ipc"),
    Opt("connect-ipc", "x", True, "connect-ipc"),
    Opt("bind-local", "L", True, "bind-local"),
    Opt("connect-local", "l", True, "connect-local"),
    Opt("insecure", "k", False, "insecure"),
    Opt("cacert", "", True, "cacert"),
    Opt("key", "", True, "key"),
    Opt("cert", "E", True, "cert"),
    Opt("zt-home", "", True, "zt-home"),
    Opt("version", "V", False, "version"),
    # nngkit additions
    Opt("receive-timeout", "", True, "recv-timeout"),  # the spelling of NNG's own docs
    Opt("stats", "", False, "stats"),
)

PROTOCOLS = ("req0", "rep0", "push0", "pull0", "pub0", "sub0", "surveyor0",
             "respondent0", "pair", "pair0", "pair1", "bus0")
FORMAT_FLAGS = ("ascii", "quoted", "raw", "hex", "msgpack")
INFINITE = -1  # a duration that was not given


@dataclass
class Config:
    """Everything the command line asked for (durations in milliseconds)."""

    proto: Optional[str] = None
    addrs: List[Tuple[str, str]] = field(default_factory=list)  # ("dial"|"listen", url)
    format: Optional[str] = None  # None: no format option (prints nothing)
    data: Optional[bytes] = None
    topics: List[bytes] = field(default_factory=list)
    count: int = 0
    delay: int = 0
    interval: int = INFINITE
    send_timeout: int = INFINITE
    recv_timeout: int = INFINITE
    recv_maxsz: int = -1  # -1: not given
    verbose: bool = False
    compat: bool = False
    async_dial: bool = False
    insecure: bool = False
    cacert: Optional[bytes] = None
    key: Optional[bytes] = None
    cert: Optional[bytes] = None
    zt_home: Optional[str] = None
    socket_name: Optional[str] = None
    stats: bool = False

    @property
    def uses_tls(self) -> bool:
        return self.insecure or self.cacert is not None or self.key is not None or self.cert is not None


# -- the parser ----------------------------------------------------------------

def _lookup_long(name: str, arg: str) -> Opt:
    matches = 0
    found: Optional[Opt] = None
    for opt in OPTIONS:
        if not opt.name.startswith(name):
            continue
        matches += 1
        found = opt
        if opt.name == name:
            matches = 1
            break
    if matches == 0:
        raise Fatal("Option %s is invalid." % arg)
    if matches > 1:
        raise Fatal("Option %s is ambiguous (specify in full)." % arg)
    assert found is not None
    return found


def _lookup_short(letter: str, arg: str) -> Opt:
    for opt in OPTIONS:
        if opt.short and opt.short == letter:
            return opt
    raise Fatal("Option %s is invalid." % arg)


def split_options(argv: List[str]) -> Iterator[Tuple[Opt, Optional[str]]]:
    """Yield (Opt, value or None) in order; raise Fatal on a parse error."""
    idx = 0
    while idx < len(argv):
        arg = argv[idx]
        if not arg.startswith("-"):
            return
        if arg == "-":
            return
        if arg.startswith("--"):
            body = arg[2:]
            cut = min((i for i in (body.find("="), body.find(":")) if i >= 0), default=len(body))
            opt = _lookup_long(body[:cut], arg)
            rest = body[cut:]
            attached = rest[1:]
        else:
            opt = _lookup_short(arg[1], arg)
            rest = attached = arg[2:]
        if not opt.takes_value:
            if rest:
                raise Fatal("Option %s is invalid." % arg)
            yield opt, None
            idx += 1
            continue
        if rest:
            yield opt, attached
            idx += 1
            continue
        if idx + 1 >= len(argv):
            raise Fatal("Option %s requires argument." % arg)
        yield opt, argv[idx + 1]
        idx += 2


def intarg(text: str, maxv: int) -> int:
    """NNG's integer argument: decimal digits, checked digit by digit in C int arithmetic."""
    if text == "":
        raise Fatal("Empty integer argument.")
    v = 0
    for ch in text:
        if ch not in "0123456789":
            raise Fatal("Integer argument expected.")
        v = (v * 10 + (ord(ch) - 48)) & 0xFFFFFFFF  # wraps like the C int it copies
        if v >= 0x80000000:
            v -= 0x100000000
        if v > maxv:
            raise Fatal("Integer argument too large.")
    if v < 0:
        raise Fatal("Integer argument overflow.")
    return v


def _arg_bytes(value: str) -> bytes:
    """The argument's original bytes (argv is decoded with surrogateescape)."""
    return os.fsencode(value)


def load_file(path: str, stdin: Optional[BinaryIO]) -> bytes:
    if path == "-":
        return stdin.read() if stdin is not None else b""
    try:
        if os.path.isdir(path):
            raise Fatal("Read from %s failed: %s" % (path, os.strerror(21)))  # EISDIR
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise Fatal("Cannot open file %s: %s" % (path, e.strerror)) from None


# -- acting on each option, in argument order ------------------------------------

def _set_protocol(cfg: Config, key: str) -> None:
    if cfg.proto is not None:
        raise Fatal("Only one protocol may be specified.")
    cfg.proto = key


def _set_format(cfg: Config, name: str) -> None:
    if cfg.format is not None:
        raise Fatal("Format may be specified only once.")
    if name not in fmt.FORMATS:
        raise Fatal("Invalid format specified.")
    cfg.format = name


def _set_data(cfg: Config, data: Callable[[], bytes]) -> None:
    if cfg.data is not None:
        raise Fatal("Data (--file, --data) may be specified only once.")
    cfg.data = data()


def _ipc_url(path: str) -> str:
    return ("ipc:///" + path)[:511]  # NNG formats into a 512-byte buffer


def _local_url(port: str) -> str:
    return "tcp://127.0.0.1:%d" % intarg(port, 65536)


def _set_once(cfg: Config, attr: str, what: str, path: str, stdin: Optional[BinaryIO]) -> None:
    if getattr(cfg, attr) is not None:
        raise Fatal("%s may be specified only once." % what)
    setattr(cfg, attr, load_file(path, stdin))


def _apply(cfg: Config, key: str, value: Optional[str], stdin: Optional[BinaryIO]) -> None:
    v = value if value is not None else ""
    simple: Dict[str, Callable[[], None]] = {
        "dial": lambda: cfg.addrs.append(("dial", v)),
        "listen": lambda: cfg.addrs.append(("listen", v)),
        "connect-local": lambda: cfg.addrs.append(("dial", _local_url(v))),
        "bind-local": lambda: cfg.addrs.append(("listen", _local_url(v))),
        "connect-ipc": lambda: cfg.addrs.append(("dial", _ipc_url(v))),
        "bind-ipc": lambda: cfg.addrs.append(("listen", _ipc_url(v))),
        "count": lambda: setattr(cfg, "count", intarg(v, 0x7FFFFFFF)),
        "subscribe": lambda: cfg.topics.append(_arg_bytes(v)),
        "verbose": lambda: setattr(cfg, "verbose", True),
        "silent": lambda: setattr(cfg, "verbose", False),
        "delay": lambda: setattr(cfg, "delay", intarg(v, 86400) * 1000),
        "interval": lambda: setattr(cfg, "interval", intarg(v, 86400) * 1000),
        "send-timeout": lambda: setattr(cfg, "send_timeout", intarg(v, 86400) * 1000),
        "recv-timeout": lambda: setattr(cfg, "recv_timeout", intarg(v, 86400) * 1000),
        "recv-maxsz": lambda: setattr(cfg, "recv_maxsz", intarg(v, 0x7FFFFFFF) or 0x7FFFFFFF),
        "compat": lambda: setattr(cfg, "compat", True),
        "async": lambda: setattr(cfg, "async_dial", True),
        "format": lambda: _set_format(cfg, v),
        "file": lambda: _set_data(cfg, lambda: load_file(v, stdin)),
        "data": lambda: _set_data(cfg, lambda: _arg_bytes(v)),
        "cacert": lambda: _set_once(cfg, "cacert", "CA Certificate (--cacert)", v, stdin),
        "key": lambda: _set_once(cfg, "key", "Key (--key)", v, stdin),
        "cert": lambda: _set_once(cfg, "cert", "Cert (--cert)", v, stdin),
        "zt-home": lambda: setattr(cfg, "zt_home", v),
        "insecure": lambda: setattr(cfg, "insecure", True),
        "socket-name": lambda: setattr(cfg, "socket_name", v),
        "stats": lambda: setattr(cfg, "stats", True),
    }
    if key == "help":
        raise Finish(usage.HELP, 1)
    if key == "version":
        raise Finish(usage.version_text(), 0)
    if key in PROTOCOLS:
        _set_protocol(cfg, key)
    elif key in FORMAT_FLAGS:
        _set_format(cfg, key)
    else:
        simple[key]()


def parse(argv: List[str], stdin: Optional[BinaryIO] = None) -> Config:
    """Parse argv (without the program name) into a Config; raise Fatal or Finish."""
    cfg = Config()
    for opt, value in split_options(list(argv)):
        _apply(cfg, opt.key, value, stdin)
    return cfg


# -- validation, in NNG's order ---------------------------------------------------

def _check_protocol_needs(cfg: Config) -> None:
    p, has_data, has_interval = cfg.proto, cfg.data is not None, cfg.interval >= 0
    if p in ("pull0", "sub0"):
        if has_data:
            raise Fatal("Protocol does not support --file or --data.")
        if has_interval:
            raise Fatal("Protocol does not support --interval.")
    elif p in ("push0", "pub0"):
        if cfg.format is not None:
            raise Fatal("Protocol does not support --format options.")
        if not has_data:
            raise Fatal("Protocol requires either --file or --data.")
    elif p in ("surveyor0", "req0"):
        if not has_data:
            raise Fatal("Protocol requires either --file or --data.")
    elif p in ("rep0", "respondent0"):
        if has_interval:
            raise Fatal("Protocol does not support --interval.")
    elif p in ("pair0", "pair1", "bus0"):
        if has_interval and not has_data:
            raise Fatal("Option --interval requires either --file or --data.")


def validate(cfg: Config) -> Config:
    """NNG's checks after parsing, in its order; resolves --pair and the default topic."""
    if not cfg.addrs:
        raise Fatal("No address specified.")
    if cfg.compat:
        if cfg.async_dial:
            raise Fatal("Options --async and --compat are incompatible.")
        if cfg.count != 0:
            raise Fatal("Options --count and --compat are incompatible.")
        if cfg.proto == "pair":
            cfg.proto = "pair0"
        if cfg.proto == "pair1":
            raise Fatal("Protocol does not support --compat.")
        cfg.async_dial = True
    elif cfg.proto == "pair":
        cfg.proto = "pair1"
    if cfg.proto == "sub0":
        if not cfg.topics:
            cfg.topics.append(b"")
    elif cfg.topics:
        raise Fatal("Protocol does not support --subscribe.")
    _check_protocol_needs(cfg)
    if cfg.proto is None:
        raise Fatal("No protocol specified.")
    return cfg
