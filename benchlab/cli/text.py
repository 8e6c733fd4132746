"""Plain-text tables for the command line.

Written by hand because the library that does it (pandas' `to_string`) costs a third of a
second to import, more than a whole `benchlab query` should take.
"""

from __future__ import annotations

from collections.abc import Sequence


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, align: str = "left") -> str:
    """Columns padded to their widest cell, one space apart ("left" or "right" aligned), trailing
    blanks removed: the layout of pandas' `to_string(index=False)`."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    pad = str.ljust if align == "left" else str.rjust
    lines = (" ".join(pad(cell, width) for cell, width in zip(line, widths)).rstrip() for line in [header, *rows])
    return "\n".join(lines)
