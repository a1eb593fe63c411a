"""Every figure rnnlab draws, in one style: matplotlib with the Agg backend, written as PNG
beside a CSV of the same numbers. Not here: computing what is plotted.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
# panel_grid's reference line styles, one per label in the order first met (matplotlib dashes)
_LINE_STYLES: tuple[object, ...] = ("--", "-.", (0, (1, 1)), (0, (5, 1, 1, 1, 1, 1)))


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


@dataclass
class Panel:
    """One axes of a panel grid: named series, axis labels, reference lines and a corner note.

    A series is (xs, ys) or (xs, ys, lo, hi); with lo and hi a band is shaded between them.
    """

    series: Mapping[str, Sequence[Sequence[float]]]  # name -> (xs, ys[, lo, hi])
    xlabel: str
    ylabel: str
    title: str = ""
    logx: bool = False
    logy: bool = False
    hlines: Sequence[tuple[float, str]] = ()  # (y, label): dashed grey lines
    vlines: Sequence[tuple[float, str]] = ()  # (x, label): dotted lines
    note: str = ""  # text in the upper left corner, e.g. the spectral radius
    ylim: tuple[float, float] | None = None
    xticks: Sequence[float] = ()  # x positions labelled with plain numbers (e.g. on a log axis)


def panel_grid(
    path: str | Path,
    panels: Sequence[Panel],
    *,
    ncols: int,
    title: str = "",
    sharey: bool | str = False,
    panel_size: tuple[float, float] = (3.4, 2.6),
) -> Path:
    """Panels in rows of `ncols`, one legend for the whole figure; a series keeps its colour in
    every panel. Reference lines are labelled once in the legend."""
    plt = _pyplot()
    nrows = -(-len(panels) // ncols)
    keys = _GridKeys([c["color"] for c in plt.rcParams["axes.prop_cycle"]])
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.6),
            sharey=sharey,
            squeeze=False,
        )
        for ax, panel in zip(axes.flat, panels):
            _draw_panel(ax, panel, keys)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title)
        legend = keys.legend
        fig.legend(
            list(legend.values()),
            list(legend.keys()),
            loc="lower center",
            ncol=min(len(legend), 6),
            bbox_to_anchor=(0.5, 0.0),
        )
        _fixed_margins(fig, nrows, ncols, panel_size, titled=bool(title), sharey=bool(sharey))
        return save_figure(fig, path)


@dataclass
class _GridKeys:
    """What a grid keeps the same across its panels: each series' colour (from `cycle`, in the
    order first met), each reference line's style, and one legend handle per label."""

    cycle: list[str]
    colors: dict[str, str] = field(default_factory=dict)
    styles: dict[str, object] = field(default_factory=dict)
    legend: dict[str, object] = field(default_factory=dict)

    def color(self, name: str) -> str:
        return self.colors.setdefault(name, self.cycle[len(self.colors) % len(self.cycle)])

    def style(self, label: str) -> object:
        return self.styles.setdefault(label, _LINE_STYLES[len(self.styles) % len(_LINE_STYLES)])


def _draw_panel(ax, panel: Panel, keys: _GridKeys) -> None:
    """`panel`'s series (with their bands), reference lines, axes and note, drawn on `ax`."""
    for name, data in panel.series.items():
        color = keys.color(name)
        xs, ys = list(data[0]), list(data[1])
        marker = "o" if len(xs) <= 30 else None
        (line,) = ax.plot(xs, ys, color=color, marker=marker, ms=3, label=name)
        keys.legend.setdefault(name, line)
        if len(data) == 4:
            ax.fill_between(xs, list(data[2]), list(data[3]), color=color, alpha=0.2, lw=0)
    for y, label in panel.hlines:
        ls = keys.style(label)
        keys.legend.setdefault(label, ax.axhline(y, color="grey", ls=ls, lw=1, label=label))
    for x, label in panel.vlines:
        keys.legend.setdefault(label, ax.axvline(x, color="black", ls=":", lw=1, label=label))
    _set_axes(ax, panel)


def _set_axes(ax, panel: Panel) -> None:
    """`panel`'s scales, limits, ticks, labels, title and corner note on `ax`."""
    if panel.logx:
        ax.set_xscale("log")
    if panel.logy:
        ax.set_yscale("log")
    if panel.ylim is not None:
        ax.set_ylim(*panel.ylim)
    if panel.xticks:
        ax.set_xticks(list(panel.xticks), [f"{x:g}" for x in panel.xticks])
        ax.minorticks_off()
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.set_title(panel.title, fontsize=9)
    if panel.note:
        ax.text(0.03, 0.97, panel.note, transform=ax.transAxes, va="top", fontsize=7.5)


def _fixed_margins(
    fig, nrows: int, ncols: int, panel_size: tuple[float, float], *, titled: bool, sharey: bool
) -> None:
    """Margins fixed in inches, as fractions of the figure: tight_layout on a grid of log axes
    costs seconds. Room at the bottom for the legend, at the top for the title if any."""
    height = panel_size[1] * nrows + 0.6  # inches
    fig.subplots_adjust(
        left=0.75 / (panel_size[0] * ncols),
        right=0.99,
        bottom=1.05 / height,
        top=1 - (0.75 if titled else 0.35) / height,
        hspace=0.55,
        wspace=0.12 if sharey else 0.32,
    )


def _training_curve_of_run(run: str) -> int:
    """`python -m rnnlab.plots RUN`: draw RUN/training.png from RUN/history.csv (what `rnnlab
    train` starts in a process of its own, so the figure does not hold up the run)."""
    from rnnlab.nn.runfile import read_history

    records = read_history(Path(run))
    if records:
        training_curve(Path(run) / "training.png", records)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_training_curve_of_run(sys.argv[1]))
