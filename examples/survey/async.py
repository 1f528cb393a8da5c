"""SURVEYOR/RESPONDENT with asyncio: two surveys at once through contexts.

Each `Surveyor0` context runs its own survey with its own deadline, so one
socket can ask two questions concurrently; every answer is routed back to
the context whose survey it answers.  Here the surveyor dials the
respondents (each listens on its own ipc path): a blocking dial returns with
the connection attached, so the surveys reach everyone without further ado.
Run: python examples/survey/async.py
"""

import asyncio
import os
import tempfile

import nngkit

RESPONDENTS = {"db": b"ok", "cache": b"ok", "queue": b"degraded"}


async def respond(name: str, sock: nngkit.Respondent0) -> None:
    while True:
        try:
            question = await sock.arecv()
        except nngkit.Closed:
            return
        if question == b"health?":
            await sock.asend(b"%s: %s" % (name.encode(), RESPONDENTS[name]))
        else:
            await sock.asend(b"%s: version 1.%d" % (name.encode(), len(name)))


async def ask(ctx: nngkit.Surveyor0Context, question: bytes, expected: int) -> list:
    await ctx.asend(question)
    answers = []
    while len(answers) < expected:
        try:
            answers.append((await ctx.arecv()).decode())
        except nngkit.Timeout:  # this context's deadline
            break
    return sorted(answers)


async def run(tmp: str) -> None:
    respondents = {}
    try:
        with nngkit.Surveyor0() as surveyor:
            for name in RESPONDENTS:
                url = "ipc://" + os.path.join(tmp, name + ".ipc")
                respondents[name] = nngkit.Respondent0(listen=url)
                surveyor.dial(url, block=True)
            tasks = [asyncio.ensure_future(respond(n, s)) for n, s in respondents.items()]
            health, version = surveyor.new_context(), surveyor.new_context()
            health.survey_time = 500
            version.survey_time = 2000
            got_health, got_version = await asyncio.gather(
                ask(health, b"health?", len(RESPONDENTS)), ask(version, b"version?", len(RESPONDENTS)))
            print("health: ", got_health)
            print("version:", got_version)
            assert got_health == sorted("%s: %s" % (n, s.decode()) for n, s in RESPONDENTS.items())
            assert len(got_version) == len(RESPONDENTS)
    finally:
        for s in respondents.values():
            s.close()
    await asyncio.gather(*tasks)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await asyncio.wait_for(run(tmp), timeout=10)
    print("survey/async: done")


if __name__ == "__main__":
    asyncio.run(main())
