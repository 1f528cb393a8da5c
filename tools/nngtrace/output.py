"""Writing events: one human line each (rich colours on a terminal), or JSON Lines."""
from __future__ import annotations

from typing import IO, Any, List

from rich.console import Console
from rich.text import Text

from .events import ARROWS, Event

STYLES = {"conn": "bold blue", "sp": "cyan", "ws": "cyan", "tls": "green", "msg": "default", "state": "magenta",
          "fault": "bold yellow", "error": "bold red"}


class HumanWriter:
    """``  0.001234 c1 -> msg   REQ0 len=9 request id=0x80000001 "ping"``"""

    def __init__(self, stream: IO[str], color: Any = None) -> None:
        force = None if color is None else bool(color)
        self.console = Console(file=stream, force_terminal=force, no_color=color is False, highlight=False,
                               soft_wrap=True)

    def __call__(self, ev: Event) -> None:
        style = STYLES.get(ev.layer, "default")
        if ev.layer == "sp" and not getattr(ev, "ok", True):
            style = "bold red"
        line = Text("%10.6f c%-3d %s %-5s " % (ev.ts, ev.conn, ARROWS[ev.dir], ev.layer))
        line.append(ev.text, style=style)
        self.console.print(line)

    def many(self, events: List[Event]) -> None:
        for ev in events:
            self(ev)


class JsonWriter:
    """One line per event; flushed per line when ``live`` (a pipe someone reads), else by the file's buffer."""

    def __init__(self, stream: IO[str], live: bool = True) -> None:
        self.stream = stream
        self.live = live

    def __call__(self, ev: Event) -> None:
        self.stream.write(ev.json_line() + "\n")
        if self.live or ev.conn == 0:  # "listening" is always visible at once: others wait for it
            self.stream.flush()

    def many(self, events: List[Event]) -> None:
        """One write for all of a read's events."""
        self.stream.write("".join([ev.json_line() + "\n" for ev in events]))
        if self.live:
            self.stream.flush()
