"""A report written into the README by the program that measured it, between its markers
(``<!-- benchmarks/NAME.py: begin -->`` and ``... end -->``): figures are never pasted by hand."""

from __future__ import annotations

from pathlib import Path


def write_into(readme: Path, writer: str, report: str) -> None:
    """Put ``report`` between the markers of ``writer`` (its path in the repository, such as
    ``benchmarks/replay.py``), replacing what its last run put there."""
    begin, end = (f"<!-- {writer}: {word} -->" for word in ("begin", "end"))
    text = readme.read_text()
    if begin not in text or end not in text:
        raise SystemExit(f"{readme}: no {begin} ... {end} markers to write between")
    head, rest = text.split(begin, 1)
    readme.write_text(f"{head}{begin}\n{report}\n{end}{rest.split(end, 1)[1]}")
