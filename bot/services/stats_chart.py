"""The figures as a picture: issues and resolutions per month, and three rates by village.

Drawn with matplotlib's Agg backend on a Figure of its own (no pyplot: no global state, safe
in a server). Chinese labels need a CJK font: Noto Sans CJK, installed from the package
index with the project (`noto-cjk-sans-otc`, SIL Open Font License), registered once.
"""

from __future__ import annotations

import io
from functools import cache

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import N_, Translator
from bot.services.stats import Monthly, Report

# The three rates drawn per village (the ones the office reports upward).
RATES = (
    ("response", N_("Response rate")),
    ("resolution", N_("Resolution rate")),
    ("satisfaction", N_("Satisfaction rate")),
)
COLOURS = ("#2f6db5", "#3a9a5b", "#e08a1e")


@cache
def cjk_font() -> str:
    """The family name of the bundled CJK font, registered with matplotlib on first use."""
    from noto_cjk_sans_otc import FONT_PATH

    path = str(FONT_PATH)
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def _month_label(tr: Translator, month_index: int, year: int, first_year: int) -> str:
    if year != first_year or month_index == 1:
        return tr._("{year}-{month}", year=year, month=month_index)
    return tr._("{month}", month=month_index)


def render(tr: Translator, report: Report, monthly: Monthly) -> bytes:
    """A PNG: on top the months, below the rates by village (in percent)."""
    # Every text of the figure in the CJK font (it has Latin letters and digits too).
    with rc_context({"font.family": cjk_font()}):
        figure = Figure(figsize=(9, 8), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        top, bottom = figure.subplots(2, 1)
        figure.suptitle(
            tr._(
                "{township}: {first} – {last}",
                township=report.township,
                first=report.period.first.isoformat(),
                last=report.period.last.isoformat(),
            ),
            fontsize=14,
        )
        _months(tr, top, monthly)
        _villages(tr, bottom, report)
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()


def _months(tr: Translator, axes: Axes, monthly: Monthly) -> None:
    first_year = monthly.months[0].year if monthly.months else 0
    labels = [_month_label(tr, m.month, m.year, first_year) for m in monthly.months]
    positions = list(range(len(labels)))
    width = 0.4
    issues = [p - width / 2 for p in positions]
    resolved = [p + width / 2 for p in positions]
    axes.bar(issues, monthly.issues, width, color=COLOURS[0], label=tr._("Issues received"))
    axes.bar(resolved, monthly.resolved, width, color=COLOURS[1], label=tr._("Topics resolved"))
    axes.set_xticks(positions, labels)
    axes.set_title(tr._("Issues and resolutions per month"))
    axes.legend()


def _villages(tr: Translator, axes: Axes, report: Report) -> None:
    villages = [v.name or "" for v in report.by_village]
    positions = list(range(len(villages)))
    width = 0.8 / len(RATES)
    for index, ((attribute, label), colour) in enumerate(zip(RATES, COLOURS, strict=True)):
        values = []
        for village in report.by_village:
            value = getattr(village, attribute).value
            values.append(0.0 if value is None else 100 * value)
        offset = (index - (len(RATES) - 1) / 2) * width
        axes.bar([p + offset for p in positions], values, width, color=colour, label=tr._(label))
    axes.set_xticks(positions, villages)
    # Room above 100% for the legend.
    axes.set_ylim(0, 125)
    axes.set_yticks([0, 20, 40, 60, 80, 100])
    axes.set_title(tr._("Rates by village (%)"))
    if villages:
        axes.legend(ncols=len(RATES))
    else:
        axes.text(0.5, 0.5, tr._("Nothing in this period."), ha="center", transform=axes.transAxes)
