"""The weekly attendance chart (PNG), drawn with matplotlib loaded only when asked for."""

from __future__ import annotations

import io

from bot.attendance.reports import WeekRate
from bot.i18n import texts
from bot.labels import day_month

_LEGEND_COLUMNS = 4


def render_chart(rates: dict[str, list[WeekRate]], title: str) -> bytes:
    """A PNG line chart of the weekly rates in percent, one line per group.

    Uses the Agg canvas directly: no pyplot state, so it is safe from any thread. matplotlib
    is imported here, not at load: it costs about half a second that only a chart needs.
    """
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    legend_rows = -(-len(rates) // _LEGEND_COLUMNS)
    figure = Figure(figsize=(10, 5.5 + 0.25 * legend_rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_ylabel(texts.CHART_Y_LABEL)
    axes.set_ylim(0, 105)
    axes.grid(visible=True, alpha=0.3)
    if any(rates.values()):
        for label, weeks in rates.items():
            axes.plot(
                [week.week_start for week in weeks],
                [float("nan") if week.rate is None else 100 * week.rate for week in weeks],
                marker="o",
                label=label,
            )
        axes.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
        axes.xaxis.set_major_formatter(  # in the reader's language (Babel), not the C locale's
            FuncFormatter(lambda value, _: day_month(mdates.num2date(value)))
        )
        axes.set_xlabel(texts.CHART_X_LABEL)
        axes.tick_params(axis="x", labelrotation=45)
        figure.legend(
            loc="outside lower center", ncols=min(_LEGEND_COLUMNS, len(rates)), fontsize="small"
        )
    else:
        axes.text(0.5, 0.5, texts.CHART_EMPTY, ha="center", va="center")
        axes.set_xticks([])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
