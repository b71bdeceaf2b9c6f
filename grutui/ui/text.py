"""Text for the screen built from data, never parsed as markup.

A name, a path, a typed value or an error message may hold ``[`` and ``]``: formatted into a
markup string, ``[/x]`` ends the app with a ``MarkupError`` and ``[params]`` vanishes. Every
label that shows such text is a ``Content`` made here (or a ``rich.text.Text``).
"""

from __future__ import annotations

from textual.content import Content


def heading(title: str, rest: str = "") -> Content:
    """``title`` in bold, then ``rest``, both literally."""
    return Content.assemble((title, "bold"), f"  {rest}" if rest else "")


def failure(message: str) -> Content:
    """A refusal or an error, marked with a red cross."""
    return Content.assemble(("✗ ", "bold red"), message)
