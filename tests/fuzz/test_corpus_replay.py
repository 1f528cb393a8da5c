"""Every seed corpus file of csrc/fuzz/corpus replays cleanly through its target.

The replayers are the fuzz targets themselves (their property checks abort on
a wrong answer), built with the system cc and, where available, ASan+UBSan.
Seeds include the regression inputs of past findings (regress-*).
"""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.fuzz import harness


@pytest.fixture(scope="module")
def replayers(tmp_path_factory):
    try:
        return harness.build_all(str(tmp_path_factory.mktemp("fuzz-replay")))
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


def test_every_target_has_a_seed_corpus():
    for target in harness.TARGETS:
        files = harness.corpus_files(target)
        assert len(files) >= 4, f"corpus/{target} has only {len(files)} seeds"
        assert all(os.path.getsize(f) <= 4096 for f in files), f"corpus/{target}: keep seeds small"


@pytest.mark.timeout(180)
@pytest.mark.parametrize("target", harness.TARGETS)
def test_seed_corpus_replays_clean(replayers, target):
    files = harness.corpus_files(target)
    p = subprocess.run([replayers[target], *files], capture_output=True, timeout=120,
                       env=harness.replay_env())
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    assert p.returncode == 0, f"replay_{target} rc={p.returncode}\n{err[-4000:]}"
    assert "runtime error" not in err, err[-4000:]
    done = [line for line in out.splitlines() if line.startswith("ok ")]
    assert len(done) == len(files), f"{len(done)} of {len(files)} inputs replayed\n{err[-2000:]}"


# Deliberate bugs in the decoders, each of which the seed corpus must catch:
# (target, file under csrc/, text in it, replacement).
MUTANTS = {
    "framer-limit-off-by-one": ("framer", "core/wire.c", "len > f->limit)", "len > f->limit + 1)"),
    "framer-no-type-byte-check": ("framer", "core/wire.c", "f->type_byte && f->pfx[0] != f->type_byte", "0"),
    "framer-no-size-cap": ("framer", "core/wire.c", "len > (SIZE_MAX >> 1)", "0"),
    "handshake-ignores-version": ("handshake", "core/wire.c", "in[3] != 0 || ", ""),
    "bt-end-word-over-ttl-accepted": ("bt", "core/wire.c",
                                      "    if (hops > ttl) {\n        return NK_EMSGSIZE;\n    }\n    *btlen",
                                      "    *btlen"),
    "id-short-by-one": ("id", "core/wire.c", "if (n < 4) {", "if (n < 3) {"),
    "pair1-hops-bound": ("pair1", "core/wire.c", "> 0xff", "> 0x100"),
    "ws-frame-len16-not-minimal": ("ws_frame", "transport/ws_frame.c", "(ext == 2 && len < 126)",
                                   "(ext == 2 && len < 125)"),
    "ws-frame-any-masking": ("ws_frame", "transport/ws_frame.c", "|| h->masked != st->server", ""),
    "ws-frame-limit-off-by-one": ("ws_frame", "transport/ws_frame.c", "len > st->frame_max)",
                                  "len > st->frame_max + 1)"),
    "ws-frame-text-accepted": ("ws_frame", "transport/ws_frame.c", "op == NKI_WS_TEXT ?", "0 ?"),
    "ws-http-comma-ends-no-word": ("ws_http", "transport/ws_http.c", "|| v[i + wl] == ','", ""),
    "ws-http-blank-in-name": ("ws_http", "transport/ws_http.c", "if (blank(s[i])) {\n            return 400;",
                             "if (blank(s[i])) {\n            break;"),
    "ws-http-any-version": ("ws_http", "transport/ws_http.c", '!span_is(h, h->line[2], "HTTP/1.1")', "0"),
    "ws-http-head-no-limit": ("ws_http", "transport/ws_http.c", "if (h->nhdr == NKI_WS_HDRS_MAX) {",
                              "if (h->nhdr == NKI_WS_HDRS_MAX + 8) {"),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_seed_corpus_catches_decoder_mutant(mutant, tmp_path):
    """The replay is not vacuous: a decoder with a planted bug fails its corpus."""
    target, unit, old, new = MUTANTS[mutant]
    with open(os.path.join(harness.CSRC, unit), encoding="utf-8") as f:
        text = f.read()
    assert text.count(old) == 1, f"mutant {mutant}: {old!r} no longer in {unit} once; update MUTANTS"
    name = os.path.basename(unit)
    (tmp_path / name).write_text(text.replace(old, new))
    exe = str(tmp_path / f"mutant_{target}")
    srcs = [s for s in harness.sources(target) if not s.endswith(os.sep + unit.replace("/", os.sep))]
    build = subprocess.run([harness.compiler(), *harness.BASE_FLAGS, *harness.INCLUDES, *srcs,
                            str(tmp_path / name), "-o", exe], capture_output=True, timeout=120)
    assert build.returncode == 0, build.stderr.decode(errors="replace")
    p = subprocess.run([exe, *harness.corpus_files(target)], capture_output=True, timeout=60,
                       env=harness.replay_env())
    assert p.returncode != 0, f"mutant {mutant} survived the {target} corpus"
    assert b"fuzz check failed" in p.stderr, p.stderr.decode(errors="replace")[-2000:]
