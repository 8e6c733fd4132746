"""The attainment figure of a two-objective benchmark: median attainment surfaces over the true front.

Like `plots`, it only draws arrays computed elsewhere (benchlab.analysis.multiobjective), on a
plain `matplotlib.figure.Figure` (no pyplot, no backend chosen).
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from benchlab.analysis.plots import _MARGINS, _STYLE


def _staircase(ax, points, directions, **style) -> None:
    """Draw a set as the boundary of what it attains: x = second objective, y = first."""
    if len(points) == 0:
        return
    x, y = points[:, 1], points[:, 0]
    order = np.argsort(x if directions[1] == "min" else -x, kind="stable")
    ax.plot(x[order], y[order], drawstyle="steps-post", **style)


def attainment_figure(benchmark, objectives, directions, front, surfaces, palette):
    """Each strategy's median attainment surface (final archives over seeds) and the table's true front."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.5, 4.0))
        ax = fig.subplots()
        fig.subplots_adjust(**{**_MARGINS, "left": 0.12})
        front = np.asarray(front, dtype=float)
        ax.scatter(front[:, 1], front[:, 0], s=14, color="black", zorder=3, label="true front (table)")
        _staircase(ax, front, directions, color="black", lw=0.8, ls=":")
        for strategy, surface in surfaces.items():
            _staircase(ax, np.asarray(surface, dtype=float).reshape(-1, 2), directions, color=palette[strategy],
                       lw=1.6, label=f"{strategy} (median attainment)")
        ax.set(xlabel=f"{objectives[1]} ({directions[1]})", ylabel=f"{objectives[0]} ({directions[0]})")
        if directions[1] == "min" and front[:, 1].min() > 0 and front[:, 1].max() / front[:, 1].min() > 20:
            ax.set_xscale("log")
        ax.set_title(f"{benchmark}: 50% attainment surfaces of the final archives", fontsize=10)
        ax.legend(fontsize=8, loc="best")
    return fig
