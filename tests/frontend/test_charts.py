"""The bureau's charts: axis labels that fit, whole-number ticks for counts, zero categories kept, units said."""

from __future__ import annotations

from frontend.charts import axis_top, bar_chart, format_tick, line_chart
from reports.tables import Chart, Column, Table


def test_yen_ticks_are_short_enough_for_the_margin() -> None:
    assert format_tick(20_000_000, "yen") == "2,000万"
    assert format_tick(300_000_000, "yen") == "3億"
    assert format_tick(5_000, "yen") == "5,000"


def test_count_axes_step_by_whole_numbers() -> None:
    for top in (1, 2, 3, 5, 7, 13, 99):
        value = axis_top(top, "int")
        assert value >= top and value % 4 == 0, top
    assert axis_top(5, "int") == 8  # ticks 0, 2, 4, 6, 8 instead of 1.25, 2.5, …


def _table(kind: str, rows: list[list[object]], chart: str) -> Table:
    first = Column("month", "月", "month") if chart == "line" else Column("label", "分類", "text")
    return Table(
        key="t",
        title="件数",
        columns=[first, Column("value", "値", kind)],
        rows=rows,
        charts=[Chart(chart, ["value"])],
    )


def test_zero_categories_stay_in_bar_charts_and_the_unit_is_said() -> None:
    table = _table("int", [["東北", 3], ["九州", 0], ["関東", 5]], "bar")
    view = bar_chart(table, table.charts[0])
    assert [short for _y, short, _full in view.labels] == ["東北", "九州", "関東"]
    assert [bar.text for bar in view.bars] == ["3", "0", "5"]
    assert view.unit and view.title.startswith("件数")


def test_line_chart_ticks_fit_and_are_whole_for_counts() -> None:
    from datetime import date

    table = _table("int", [[date(2026, m, 1), v] for m, v in ((1, 1), (2, 3), (3, 5))], "line")
    view = line_chart(table, table.charts[0])
    assert [label for _y, label in view.y_ticks] == ["0", "2", "4", "6", "8"]


def test_narrow_charts_fit_a_phone_with_fewer_labels() -> None:
    from datetime import date

    months = [[date(2026, m, 1), m] for m in range(1, 13)]
    line = line_chart(_table("int", months, "line"), _table("int", months, "line").charts[0], width=360)
    assert line.width == 360 and len(line.x_labels) <= 5
    assert all(0 <= x <= 360 for x, _label in line.x_labels)
    long_names = [["北海道・東北地方の中小企業", 3], ["九州", 5]]
    table = _table("int", long_names, "bar")
    bars = bar_chart(table, table.charts[0], width=360)
    assert bars.width == 360
    assert [short for _y, short, _full in bars.labels] == ["北海道・東北地方…", "九州"]
    assert bars.labels[0][2] == "北海道・東北地方の中小企業"
    # The longest bar and its value text stay inside the drawing.
    assert max(bar.x + bar.width for bar in bars.bars) <= 360 - 80
