"""How the reports show things: values, tables as HTML and Markdown, figures as PNG and SVG
bytes, and the self-contained HTML page (the experiment report and the predictor report)."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;padding:1rem 1.5rem;
max-width:1100px;line-height:1.45;color:#222;box-sizing:border-box}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.85rem;color:#555}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.2rem .45rem;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere;min-width:4rem}
th{background:#f4f4f4}
pre{background:#f7f7f7;padding:.6rem;white-space:pre-wrap;word-break:break-word;font-size:.8rem}
p{overflow-wrap:anywhere}
"""


@dataclass
class Figure:
    name: str
    caption: str
    png: bytes
    svg: bytes


def render(fig, name: str, caption: str) -> Figure:
    """PNG and SVG bytes of a `plots` figure (each format drawn by its own canvas, Agg for PNG)."""
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    fig.savefig(svg, format="svg", metadata={"Date": None})  # no date: same data, same file
    return Figure(name, caption, png.getvalue(), svg.getvalue())


def fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "inf"
        return f"{value:.4g}"
    return str(value)


def html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def html_figure(figure: Figure) -> str:
    """The figure's PNG inline, captioned with the names of its files."""
    encoded = base64.b64encode(figure.png).decode()
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(figure.caption)}">'
        f"<figcaption>{html.escape(figure.caption)} (files: figures/{figure.name}.png, .svg)</figcaption></figure>"
    )


def html_document(title: str, parts: list[str]) -> str:
    """A self-contained page: `parts` (HTML) in the reports' style."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(parts) + "\n</body></html>\n"
    )


def md_text(text) -> str:
    """Text as Markdown shows it literally: HTML-special characters escaped (names come from files)."""
    return html.escape(str(text), quote=False)


def _md_cell(value) -> str:
    return md_text(fmt(value)).replace("|", "\\|").replace("\n", " ")


def md_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(_md_cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def html_page(title: str, items) -> str:
    """The page of (kind, payload) items: h1/h2/h3/p text, a table, pre text or a `Figure`."""
    parts = []
    for kind, payload in items:
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{html.escape(payload)}</{kind}>")
        elif kind == "table":
            parts.append(html_table(payload))
        elif kind == "pre":
            parts.append(f"<pre>{html.escape(payload)}</pre>")
        elif kind == "figure":
            parts.append(html_figure(payload))
    return html_document(title, parts)


def markdown_page(items) -> str:
    """The same items as Markdown (figures linked to their PNG files)."""
    parts = []
    for kind, payload in items:
        if kind == "h1":
            parts.append(f"# {md_text(payload)}")
        elif kind == "h2":
            parts.append(f"## {md_text(payload)}")
        elif kind == "h3":
            parts.append(f"### {md_text(payload)}")
        elif kind == "p":
            parts.append(md_text(payload))
        elif kind == "table":
            parts.append(md_table(payload))
        elif kind == "pre":
            parts.append(f"```json\n{payload}\n```")
        elif kind == "figure":
            parts.append(f"![{md_text(payload.caption)}](figures/{payload.name}.png)")
    return "\n\n".join(parts) + "\n"
