"""What each flag does to the configuration, and NNG's parsing rules (in-process, no network).

Every entry of the option table is exercised by its long name, its short
letter where it has one, and the value spellings `=`, `:`, attached and next
argument.  Errors and their texts are in test_errors.py.
"""
from __future__ import annotations

import io
import os

import pytest

from nngcat import args
from nngcat.args import Config

CERT_BYTES = b"-----BEGIN CERTIFICATE-----\nnot really\n"


@pytest.fixture
def pem(tmp_path):
    path = tmp_path / "x.pem"
    path.write_bytes(CERT_BYTES)
    return str(path)


def parse(argv, stdin=b""):
    return args.parse(argv, io.BytesIO(stdin))


PROTOCOL_SPELLINGS = [
    ("--req0", "req0"), ("--req", "req0"), ("--rep0", "rep0"), ("--rep", "rep0"),
    ("--pub0", "pub0"), ("--pub", "pub0"), ("--sub0", "sub0"), ("--sub", "sub0"),
    ("--push0", "push0"), ("--push", "push0"), ("--pull0", "pull0"), ("--pull", "pull0"),
    ("--surveyor0", "surveyor0"), ("--surveyor", "surveyor0"), ("--surv", "surveyor0"),
    ("--respondent0", "respondent0"), ("--respondent", "respondent0"), ("--resp", "respondent0"),
    ("--bus0", "bus0"), ("--bus", "bus0"), ("--pair0", "pair0"), ("--pair1", "pair1"), ("--pair", "pair"),
]


@pytest.mark.parametrize("flag,proto", PROTOCOL_SPELLINGS)
def test_protocol_flags_and_their_aliases(flag, proto):
    assert parse([flag]).proto == proto


ADDRESS_SPELLINGS = [
    (["--dial", "tcp://h:1"], ("dial", "tcp://h:1")),
    (["--dial=tcp://h:1"], ("dial", "tcp://h:1")),
    (["--connect", "tcp://h:1"], ("dial", "tcp://h:1")),
    (["--listen", "ipc:///a"], ("listen", "ipc:///a")),
    (["--bind:ipc:///a"], ("listen", "ipc:///a")),  # the value keeps its own ':'
    (["-x", "tmp/s"], ("dial", "ipc:///tmp/s")),
    (["-x/tmp/s"], ("dial", "ipc:////tmp/s")),  # three slashes, as NNG does
    (["--connect-ipc", "rel"], ("dial", "ipc:///rel")),
    (["-X", "/tmp/s"], ("listen", "ipc:////tmp/s")),
    (["--bind-ipc=p"], ("listen", "ipc:///p")),
    (["-l", "5555"], ("dial", "tcp://127.0.0.1:5555")),
    (["-l5555"], ("dial", "tcp://127.0.0.1:5555")),
    (["--connect-local", "65536"], ("dial", "tcp://127.0.0.1:65536")),  # NNG accepts up to 65536
    (["-L", "0"], ("listen", "tcp://127.0.0.1:0")),
    (["--bind-local=007"], ("listen", "tcp://127.0.0.1:7")),
]


@pytest.mark.parametrize("argv,addr", ADDRESS_SPELLINGS)
def test_address_flags(argv, addr):
    assert parse(argv).addrs == [addr]


def test_addresses_keep_command_line_order():
    cfg = parse(["--listen", "a://1", "-l", "2", "--dial", "b://3", "-X", "p"])
    assert cfg.addrs == [("listen", "a://1"), ("dial", "tcp://127.0.0.1:2"), ("dial", "b://3"),
                         ("listen", "ipc:///p")]


def test_ipc_shorthand_is_cut_at_511_bytes_like_nngs_buffer():
    assert parse(["-x", "a" * 600]).addrs[0][1] == ("ipc:///" + "a" * 600)[:511]


FORMAT_SPELLINGS = [
    (["--format", "no"], "no"), (["--format=raw"], "raw"), (["--format:ascii"], "ascii"),
    (["--format", "quoted"], "quoted"), (["--format", "hex"], "hex"), (["--format", "msgpack"], "msgpack"),
    (["--format", "json"], "json"), (["--raw"], "raw"), (["--ascii"], "ascii"), (["-A"], "ascii"),
    (["--quoted"], "quoted"), (["-Q"], "quoted"), (["--hex"], "hex"), (["--msgpack"], "msgpack"),
    (["--forma", "hex"], "hex"), (["--msg"], "msgpack"), (["--q"], "quoted"), ([], None),
]


@pytest.mark.parametrize("argv,name", FORMAT_SPELLINGS)
def test_format_flags(argv, name):
    assert parse(argv).format == name


INTEGER_FLAGS = [
    (["--count", "5"], "count", 5), (["-C", "7"], "count", 7), (["-C7"], "count", 7),
    (["--count=2147483647"], "count", 0x7FFFFFFF),
    (["--count", "9999999999"], "count", 1410065407),  # NNG's C int wraps and is not caught
    (["--delay", "2"], "delay", 2000), (["-d", "86400"], "delay", 86_400_000),
    (["--interval", "3"], "interval", 3000), (["-i0"], "interval", 0),
    (["--recv-timeout", "4"], "recv_timeout", 4000), (["--receive-timeout", "4"], "recv_timeout", 4000),
    (["--recv-t", "4"], "recv_timeout", 4000), (["--send-timeout=5"], "send_timeout", 5000),
    (["--recv-maxsz", "100"], "recv_maxsz", 100), (["-Z", "0"], "recv_maxsz", 0x7FFFFFFF),
    (["-Z5"], "recv_maxsz", 5), (["--recv-m:6"], "recv_maxsz", 6), (["-C", "0005"], "count", 5),
]


@pytest.mark.parametrize("argv,attr,value", INTEGER_FLAGS)
def test_integer_flags(argv, attr, value):
    assert getattr(parse(argv), attr) == value


def test_defaults_are_nngs():
    cfg = parse([])
    assert (cfg.count, cfg.delay, cfg.interval, cfg.recv_timeout, cfg.send_timeout, cfg.recv_maxsz) == \
        (0, 0, -1, -1, -1, -1)
    assert not (cfg.verbose or cfg.compat or cfg.async_dial or cfg.stats or cfg.uses_tls)
    assert cfg.data is None and cfg.topics == [] and cfg.format is None


@pytest.mark.parametrize("argv,verbose", [
    (["-v"], True), (["--verbose"], True), (["--verb"], True), (["-q"], False), (["--silent"], False),
    (["-v", "-q"], False), (["-q", "-v"], True), (["--verbose", "--silent", "--verbose"], True),
])
def test_verbose_and_silent_last_one_wins(argv, verbose):
    assert parse(argv).verbose is verbose


@pytest.mark.parametrize("argv,attr", [
    (["--compat"], "compat"), (["--comp"], "compat"), (["--async"], "async_dial"), (["--asy"], "async_dial"),
    (["--insecure"], "insecure"), (["-k"], "insecure"), (["--stats"], "stats"), (["--st"], "stats"),
])
def test_switches(argv, attr):
    assert getattr(parse(argv), attr) is True


def test_data_is_the_argument_bytes_exactly():
    assert parse(["--data", "hello"]).data == b"hello"
    assert parse(["-D", "x y"]).data == b"x y"
    assert parse(["-Dattached"]).data == b"attached"
    assert parse(["--data="]).data == b""  # given, and empty
    assert parse(["--data:a=b:c"]).data == b"a=b:c"
    assert parse(["--data", "-v"]).data == b"-v"  # the next argument, whatever it looks like
    assert parse(["--data", os.fsdecode(b"\xff\xfe\x01")]).data == b"\xff\xfe\x01"


def test_file_is_read_whole_and_binary(tmp_path):
    body = bytes(range(256)) * 5
    path = tmp_path / "body.bin"
    path.write_bytes(body)
    assert parse(["--file", str(path)]).data == body
    assert parse(["-F" + str(path)]).data == body


def test_file_dash_reads_all_of_stdin():
    body = bytes(range(255, -1, -1)) * 300
    assert parse(["--file", "-"], stdin=body).data == body
    assert parse(["-F", "-"], stdin=b"").data == b""


def test_subscribe_is_repeatable_and_keeps_bytes():
    cfg = parse(["--subscribe", "one", "--subscribe=two", "--subs:", "--subscribe", os.fsdecode(b"\xff")])
    assert cfg.topics == [b"one", b"two", b"", b"\xff"]


def test_tls_files_are_loaded_while_parsing(pem):
    cfg = parse(["--cacert", pem, "--key", pem, "--cert", pem])
    assert cfg.cacert == cfg.key == cfg.cert == CERT_BYTES
    assert parse(["-E", pem]).cert == CERT_BYTES
    assert parse(["-E" + pem]).uses_tls


def test_accepted_and_ignored_options():
    cfg = parse(["--zt-home", "/nowhere", "--socket-name", "me"])
    assert (cfg.zt_home, cfg.socket_name) == ("/nowhere", "me")


@pytest.mark.parametrize("argv", [
    ["--req0", "foo", "--dial", "x"], ["--req0", "-", "--dial", "x"], ["--req0", "", "--dial", "x"],
])
def test_parsing_stops_at_the_first_non_option(argv):
    cfg = parse(argv)
    assert cfg.proto == "req0" and cfg.addrs == []


def test_exact_name_beats_prefix_ambiguity():
    assert parse(["--pair"]).proto == "pair"        # also a prefix of pair0, pair1
    assert parse(["--sub"]).proto == "sub0"         # also a prefix of sub0, subscribe
    assert parse(["--bind", "u://"]).addrs == [("listen", "u://")]  # also bind-ipc, bind-local
    assert parse(["--key", "-"]).key == b""         # 'key' is not a prefix of anything else


def test_help_and_version_stop_parsing_where_they_appear():
    with pytest.raises(args.Finish) as help_:
        parse(["--req0", "-h", "--bogus"])
    assert help_.value.code == 1 and help_.value.text.startswith("Usage: nngcat <proto>")
    with pytest.raises(args.Finish) as version:
        parse(["--vers", "--bogus"])
    assert version.value.code == 0


# -- validation's effects ----------------------------------------------------------

def valid(argv):
    return args.validate(parse(argv))


def test_pair_means_pair1_and_pair0_under_compat():
    assert valid(["--pair", "--dial", "u://"]).proto == "pair1"
    assert valid(["--pair", "--compat", "--dial", "u://"]).proto == "pair0"


def test_compat_implies_async_dialing():
    assert valid(["--pull0", "--compat", "--dial", "u://"]).async_dial is True
    assert valid(["--pull0", "--dial", "u://"]).async_dial is False


def test_sub_without_topics_subscribes_to_everything():
    assert valid(["--sub0", "--dial", "u://"]).topics == [b""]
    assert valid(["--sub0", "--dial", "u://", "--subscribe", "a"]).topics == [b"a"]


def test_the_option_table_has_nngs_names_and_letters():
    names = {o.name: (o.short, o.takes_value) for o in args.OPTIONS}
    nng = {
        "help": ("h", False), "verbose": ("v", False), "silent": ("q", False), "data": ("D", True),
        "file": ("F", True), "ascii": ("A", False), "quoted": ("Q", False), "recv-maxsz": ("Z", True),
        "count": ("C", True), "delay": ("d", True), "interval": ("i", True), "bind-ipc": ("X", True),
        "connect-ipc": ("x", True), "bind-local": ("L", True), "connect-local": ("l", True),
        "insecure": ("k", False), "cert": ("E", True), "version": ("V", False),
    }
    for name, spec in nng.items():
        assert names[name] == spec, name
    longs_only = ["req0", "rep0", "push0", "pull0", "pub0", "sub", "sub0", "surveyor0", "respondent0", "pair",
                  "pair0", "pair1", "bus0", "dial", "listen", "subscribe", "format", "raw", "hex", "compat",
                  "async", "msgpack", "recv-timeout", "send-timeout", "socket-name", "bind", "connect", "cacert",
                  "key", "zt-home"]
    for name in longs_only:
        assert names[name][0] == "", name


def test_a_fresh_config_is_independent():
    a, b = Config(), Config()
    a.addrs.append(("dial", "x"))
    assert b.addrs == []
