"""Every figure rnnlab draws, in one style: matplotlib with the Agg backend, written as PNG
beside a CSV of the same numbers. Not here: computing what is plotted.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from rnnlab.fileio import atomic_write_bytes, atomic_write_csv

STYLE = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Write `fig` as a PNG atomically and close it."""
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def line_plot(
    path: str | Path,
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    logy: bool = False,
    logx: bool = False,
    hline: tuple[float, str] | None = None,
    csv_path: str | Path | None = None,
) -> Path:
    """One line per named series of (x, y); optionally a labelled horizontal reference line.

    With `csv_path`, the same numbers are written as rows (series, x, y).
    """
    plt = _pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for name, (xs, ys) in series.items():
            ax.plot(list(xs), list(ys), marker="o" if len(xs) <= 30 else None, ms=3, label=name)
        if hline is not None:
            ax.axhline(hline[0], color="grey", ls="--", lw=1, label=hline[1])
        if logy:
            ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if len(series) > 1 or hline is not None:
            ax.legend()
        out = save_figure(fig, path)
    if csv_path is not None:
        rows = [(name, x, y) for name, (xs, ys) in series.items() for x, y in zip(xs, ys)]
        atomic_write_csv(csv_path, ("series", xlabel, ylabel), rows)
    return out


def training_curve(path: str | Path, records: Sequence[Mapping[str, float]]) -> Path:
    """Validation accuracy and loss against training seconds, from History.records."""
    plt = _pyplot()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        xs = [r["train_seconds"] for r in records]
        ax.plot(
            xs,
            [r["val_char_accuracy"] for r in records],
            marker="o",
            ms=3,
            label="validation character accuracy",
        )
        ax.set_xlabel("training time (s)")
        ax.set_ylabel("accuracy (real characters)")
        ax.set_ylim(0, 1.01)
        ax2 = ax.twinx()
        ax2.plot(
            xs,
            [r["val_loss"] for r in records],
            color="tab:orange",
            marker=".",
            ms=3,
            label="validation loss",
        )
        ax2.set_ylabel("cross-entropy (nats per character)")
        ax2.set_yscale("log")
        ax.set_title("Training curve")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="center right")
        return save_figure(fig, path)
