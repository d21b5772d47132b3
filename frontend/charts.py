"""Charts and tables as the bureau pages draw them: inline SVG geometry computed here, drawn by templates.

No chart library and no JavaScript: a chart is a few dataclasses of
coordinates (``ChartView``) that ``frontend/bureau/_chart.html`` turns into
SVG. Every chart is drawn from a ``reports.tables.Table`` and sits next to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from reports.tables import Chart, Table

CHART_WIDTH = 640
NARROW_CHART_WIDTH = 360
SERIES = 5  # CSS classes series-0 … series-4 (colour and dash pattern in bureau.css)


def format_value(value: Any, kind: str) -> str:
    """A cell as shown on the page."""
    if value is None:
        return "—"
    if value == "":
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == "date" and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d")
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    if kind == "yen":
        return f"¥{int(value):,}"
    if kind in ("int", "num") and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


UNITS = {
    "yen": gettext_lazy("yen"),
    "pct": "%",
    "hours": gettext_lazy("hours"),
    "int": gettext_lazy("count"),
    "num": "",
}


def format_tick(value: float, kind: str) -> str:
    """An axis label: short enough for the margin (¥20,000,000 → 2,000万; 300,000,000 → 3億)."""
    if kind == "yen":
        if value >= 1e8:
            return f"{value / 1e8:,.4g}億"
        if value >= 1e4:
            return f"{value / 1e4:,.4g}万"
        return f"{value:,.0f}"
    if kind == "int":
        return f"{round(value):,}"
    return format_value(value, kind)


def axis_top(value: float, kind: str) -> float:
    """The top of the y axis: a nice round number; for counts, four whole-number steps (no 1.25 ticks)."""
    if kind == "int":
        step = max(1, math.ceil(nice_max(value) / 4))
        while step * 4 < value:
            step += 1
        return float(step * 4)
    return nice_max(value)


def nice_max(value: float) -> float:
    """Smallest 1/2/5 × 10^k at or above value (the top of the y axis)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


@dataclass
class Point:
    x: float
    y: float
    title: str


@dataclass
class Series:
    label: str
    css: str
    segments: list[str] = field(default_factory=list)  # polyline "x,y x,y …" runs between missing values
    points: list[Point] = field(default_factory=list)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    text: str
    title: str

    @property
    def text_x(self) -> float:
        return round(self.x + self.width + 4, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height - 2, 1)


@dataclass
class ChartView:
    kind: str
    title: str
    width: int
    height: int
    legend: list[tuple[str, str]]
    unit: str = ""
    empty: bool = False
    series: list[Series] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str, str]] = field(default_factory=list)  # y, short text, full text
    plot: dict[str, float] = field(default_factory=dict)


def _chart_title(table: Table, chart: Chart) -> str:
    names = ", ".join(str(table.column(c).label) for c in chart.columns)
    return f"{table.title}: {names}"


def line_chart(table: Table, chart: Chart, *, width: int = CHART_WIDTH) -> ChartView:
    narrow = width < CHART_WIDTH
    left, right, top, bottom, height = (56 if narrow else 72), (20 if narrow else 32), 12, 40, 220
    plot_w, plot_h = width - left - right, height - top - bottom
    months = table.values("month")
    kind = table.column(chart.columns[0]).kind
    values = {c: table.values(c) for c in chart.columns}
    numbers = [float(v) for vs in values.values() for v in vs if v is not None]
    view = ChartView(
        kind="line",
        title=_chart_title(table, chart),
        width=width,
        height=height,
        legend=[(str(table.column(c).label), f"series-{i % SERIES}") for i, c in enumerate(chart.columns)],
        unit=str(UNITS.get(kind, "")),
        empty=not any(numbers),
        plot={
            "left": left,
            "right": width - right,
            "top": top,
            "bottom": top + plot_h,
            "tick_x": left - 6,
            "label_y": top + plot_h + 18,
        },
    )
    if view.empty or not months:
        view.empty = True
        return view
    top_value = axis_top(max(numbers), kind)
    n = len(months)

    def x(i: int) -> float:
        return round(left + (i * plot_w / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h - v / top_value * plot_h, 1)

    view.y_ticks = [(y(top_value * k / 4), format_tick(top_value * k / 4, kind)) for k in range(5)]
    # A month label is about 50 units wide: at most 12 across the wide chart, 5 across the narrow one.
    step = max(1, math.ceil(n / (5 if narrow else 12)))
    view.x_labels = [(x(i), format_value(m, "month")) for i, m in enumerate(months) if i % step == 0]
    for i, column in enumerate(chart.columns):
        label = str(table.column(column).label)
        series = Series(label=label, css=f"series-{i % SERIES}")
        run: list[str] = []
        for j, v in enumerate(values[column]):
            if v is None:
                if run:
                    series.segments.append(" ".join(run))
                run = []
                continue
            px, py = x(j), y(float(v))
            run.append(f"{px},{py}")
            series.points.append(Point(px, py, f"{format_value(months[j], 'month')} {label}: {format_value(v, kind)}"))
        if run:
            series.segments.append(" ".join(run))
        view.series.append(series)
    return view


def bar_chart(table: Table, chart: Chart, *, width: int = CHART_WIDTH) -> ChartView:
    narrow = width < CHART_WIDTH
    label_w, value_w, top, bar_h, gap = (120 if narrow else 170), (84 if narrow else 90), 4, 14, 10
    area = width - label_w - value_w
    # Characters of a category label before it is cut (the full text stays in the tooltip and the table).
    label_chars = 9 if narrow else 22
    labels = [str(row[0]) for row in table.rows]
    kinds = {c: table.column(c).kind for c in chart.columns}
    values = {c: table.values(c) for c in chart.columns}
    # Every row of the table is drawn, zeros included, so the chart and the table list the same categories.
    keep = list(range(len(labels)))
    numbers = [float(values[c][i]) for c in chart.columns for i in keep if values[c][i] is not None]
    group_h = bar_h * len(chart.columns) + gap
    height = top * 2 + group_h * len(keep)
    view = ChartView(
        kind="bar",
        title=_chart_title(table, chart),
        width=width,
        height=max(height, 1),
        legend=[(str(table.column(c).label), f"series-{i % SERIES}") for i, c in enumerate(chart.columns)],
        unit=str(UNITS.get(kinds[chart.columns[0]], "")),
        empty=not any(numbers),
        plot={"left": label_w, "top": top, "bottom": height - top, "label_x": label_w - 6},
    )
    if view.empty:
        return view
    top_value = max(numbers, default=0.0) or 1.0
    for row, i in enumerate(keep):
        y0 = top + row * group_h
        full = labels[i]
        short = full if len(full) <= label_chars else full[: label_chars - 1] + "…"
        view.labels.append((y0 + bar_h * len(chart.columns) / 2 + 4, short, full))
        for s, column in enumerate(chart.columns):
            v = values[column][i]
            bar_w = 0.0 if v is None else round(float(v) / top_value * area, 1)
            text = format_value(v, kinds[column])
            view.bars.append(
                Bar(
                    x=label_w,
                    y=y0 + s * bar_h,
                    width=max(bar_w, 1.0 if v else 0.0),
                    height=bar_h - 2,
                    css=f"series-{s % SERIES}",
                    text=text,
                    title=f"{full} {table.column(column).label}: {text}",
                )
            )
    return view


@dataclass
class TableView:
    table: Table
    id: str
    rows: list[list[tuple[str, bool]]]  # (text, numeric?)
    charts: list[ChartView]
    # The same charts drawn 360 units wide: on a phone the wide ones shrink to about half and
    # their 11-unit text to 6 px; these keep it near its size (CSS shows one set or the other).
    narrow_charts: list[ChartView] = field(default_factory=list)

    @property
    def side_by_side(self) -> bool:
        # A narrow table fits beside its chart; wide ones (by month) go below it.
        return bool(self.charts) and len(self.table.columns) <= 3

    @property
    def truncated(self) -> bool:
        return self.table.total is not None and self.table.total > len(self.rows)


def table_view(table: Table) -> TableView:
    numeric = [c.kind not in ("text", "month", "date") for c in table.columns]
    rows = [
        [(format_value(v, c.kind), n) for v, c, n in zip(row, table.columns, numeric, strict=True)]
        for row in table.rows
    ]

    def draw(width: int) -> list[ChartView]:
        return [
            line_chart(table, c, width=width) if c.kind == "line" else bar_chart(table, c, width=width)
            for c in table.charts
        ]

    return TableView(
        table=table,
        id=table.key.replace("_", "-"),
        rows=rows,
        charts=draw(CHART_WIDTH),
        narrow_charts=draw(NARROW_CHART_WIDTH),
    )
