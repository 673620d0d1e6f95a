"""The progress bar chart sent as a picture in the chat.

Headless: the figure is drawn with matplotlib's Agg canvas directly (no pyplot, so no global
figure state and nothing that needs a display, safe in the bot's worker threads). Text uses
DejaVu Sans, which ships with matplotlib and has every Vietnamese diacritic.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import matplotlib

from bot.services.items import kind_label

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import N_, Translator
from bot.services.progress import Progress

FONT = "DejaVu Sans"

# Stacked from the bottom: what is done first, what is still missing on top.
SERIES: tuple[tuple[str, str, str], ...] = (
    ("accepted", N_("Accepted"), "#2e7d32"),
    ("submitted", N_("Submitted"), "#1976d2"),
    ("returned", N_("Returned"), "#f9a825"),
    ("missing", N_("Missing"), "#c62828"),
)


@dataclass(frozen=True)
class Series:
    """One state's bars (a `SERIES` row in the reader's language): a count per deadline."""

    key: str
    label: str
    color: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class ChartData:
    """What the chart shows: one stacked bar per deadline, one series per state."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    totals: tuple[int, ...]


def chart_data(t: Translator, progress: Progress) -> ChartData:
    """The numbers and labels of the chart, in the user's language."""
    title = t("Progress of {title}", title=progress.campaign_title)
    if progress.cluster_name is not None:
        title += "\n" + t("Cluster: {name}", name=progress.cluster_name)
    categories = tuple(
        kind_label(t, item.kind) + "\n" + t("due {date}", date=t.date(item.due_on))
        for item in progress.items
    )
    series = tuple(
        Series(
            key=key,
            label=t(label),
            color=color,
            values=tuple(int(getattr(item.overall, key)) for item in progress.items),
        )
        for key, label, color in SERIES
    )
    totals = tuple(item.overall.total for item in progress.items)
    return ChartData(title=title, categories=categories, series=series, totals=totals)


def build_figure(t: Translator, progress: Progress) -> Figure:
    """The chart as a matplotlib Figure; each bar container's label is its series key."""
    data = chart_data(t, progress)
    with matplotlib.rc_context({"font.family": FONT, "font.sans-serif": [FONT]}):
        width = max(6.0, 2.2 * len(data.categories) + 2.5)
        figure = Figure(figsize=(width, 5.0), dpi=100, layout="constrained")
        ax = figure.add_subplot()
        ax.set_title(data.title, fontsize=12, fontfamily=FONT)
        if not data.categories:
            ax.text(
                0.5,
                0.5,
                t("This campaign has no deadlines."),
                ha="center",
                va="center",
                fontfamily=FONT,
                transform=ax.transAxes,
            )
            ax.set_axis_off()
            return figure
        positions = list(range(len(data.categories)))
        # A number is written inside its segment only when the segment is tall enough.
        smallest = max([*data.totals, 1]) * 0.04
        bottoms = [0] * len(positions)
        for series in data.series:
            container = ax.bar(
                positions,
                series.values,
                bottom=bottoms,
                color=series.color,
                label=series.key,
                width=0.6,
            )
            ax.bar_label(
                container,
                labels=[t.number(v) if v and v >= smallest else "" for v in series.values],
                label_type="center",
                color="white",
                fontsize=9,
                fontfamily=FONT,
            )
            bottoms = [b + v for b, v in zip(bottoms, series.values, strict=True)]
        ax.set_xticks(positions, data.categories, fontfamily=FONT, fontsize=9)
        ax.set_ylabel(t("Enterprises"), fontfamily=FONT)
        ax.set_ylim(0, max([*data.totals, 1]) * 1.08)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles,
            [s.label for s in data.series],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncols=len(data.series),
            frameon=False,
            prop={"family": FONT},
        )
    return figure


def progress_chart(t: Translator, progress: Progress) -> bytes:
    """The progress chart as PNG bytes, ready to send as a photo."""
    figure = build_figure(t, progress)
    FigureCanvasAgg(figure)  # draws with Agg, without pyplot and its global state
    buffer = BytesIO()
    with matplotlib.rc_context({"font.family": FONT}):
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
