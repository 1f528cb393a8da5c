"""A griffe extension for the API reference: nngkit's option descriptors.

nngkit declares options as class attributes, ``recv_timeout =
MsOption("recv-timeout", "Receive timeout in ms (-1: none).")``; the text
is the descriptor's docstring at run time, which static analysis cannot
see.  This extension reads it from the call instead, gives the attribute
the option's Python type, and adds the core's option name, so the
reference shows every option with its documentation.
Used by mkdocs.yml (the mkdocstrings python handler's ``extensions``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

import griffe

# descriptor class -> (Python type shown, unit or kind added to the text)
KINDS = {
    "IntOption": ("int", ""),
    "MsOption": ("int", "Milliseconds."),
    "SizeOption": ("int", "Bytes."),
    "BoolOption": ("bool", ""),
    "StrOption": ("str", ""),
}

UNIT_SAID = {"Milliseconds.": re.compile(r"\bms\b|millisecond", re.I),
             "Bytes.": re.compile(r"\bbytes?\b", re.I)}


class OptionDocs(griffe.Extension):
    def on_attribute_instance(self, *, node: Any, attr: griffe.Attribute, agent: Any, **kwargs: Any) -> None:
        call = getattr(node, "value", None)
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            return
        kind = KINDS.get(call.func.id)
        if kind is None or not call.args or not isinstance(call.args[0], ast.Constant):
            return
        name = call.args[0].value
        text = ""
        if len(call.args) > 1 and isinstance(call.args[1], ast.Constant):
            text = call.args[1].value
        text = text or "The %r option." % name
        if kind[1] and not UNIT_SAID[kind[1]].search(text):
            text += " " + kind[1]
        text += "\n\nCore option name: `%s`." % name
        attr.docstring = griffe.Docstring(text, parent=attr)
        attr.annotation = kind[0]
        attr.value = None
        attr.labels = {"option"}
