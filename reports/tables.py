"""Bureau metrics as tables: one definition feeds the page (table + chart), CSV, XLSX and the full report.

A section's numbers come from ``matching.metrics``; here they get titles,
column labels and kinds (how a value is shown), and the charts drawn from
them. Rendering is elsewhere: ``reports.renderers`` (files) and
``frontend.charts`` (the page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from matching import metrics
from matching.metrics import Filters
from matching.models import Introduction
from reference import vocabulary

Label = str | Promise
RECORDS_LIMIT = 500  # individual rows in an export; the page shows fewer

SECTION_TITLES: dict[str, Label] = {
    "registrations": gettext_lazy("Registrations"),
    "funnel": gettext_lazy("Funnel"),
    "responsiveness": gettext_lazy("Responsiveness"),
    "coverage": gettext_lazy("Coverage"),
    "quality": gettext_lazy("Recommender quality"),
    "outcomes": gettext_lazy("Outcomes"),
}
STAGE_LABELS: dict[str, Label] = {
    "proposed": gettext_lazy("Proposals"),
    "requested": gettext_lazy("Introduction requests"),
    "accepted": gettext_lazy("Accepted"),
    "engaged": gettext_lazy("Engaged"),
    "deal": gettext_lazy("Deals"),
}


@dataclass
class Column:
    key: str
    label: Label
    kind: str = "int"  # text, int, pct (a 0–1 fraction), hours, yen, month, num (summary values)


@dataclass
class Chart:
    """A chart drawn from some columns of its table: "line" (by month) or "bar" (by category)."""

    kind: str
    columns: list[str]
    title: Label = ""


@dataclass
class Table:
    key: str
    title: Label
    columns: list[Column]
    rows: list[list[Any]]
    charts: list[Chart] = field(default_factory=list)
    note: Label = ""
    records: bool = False  # individual records, not aggregates
    total: int | None = None  # records: how many exist (rows may be truncated)
    empty: Label = ""  # shown instead of the table when there are no rows

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def values(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


# --- Labels -----------------------------------------------------------------------------------------------------


def prefecture_label(code: str) -> str:
    return vocabulary.label("prefectures", code) if code else str(_("Not recorded"))


def sector_label(code: str) -> str:
    return vocabulary.label("sectors", code) if code else str(_("No sector"))


def expert_type_label(code: str) -> str:
    return vocabulary.label("expert_types", code) if code else str(_("Not recorded"))


def _summary(key: str, title: Label, items: Iterable[tuple[Label, Any, Label]]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=[
            Column("metric", _("Metric"), "text"),
            Column("value", _("Value"), "num"),
            Column("unit", _("Unit"), "text"),
        ],
        rows=[[label, value, unit] for label, value, unit in items],
    )


def _pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _month_rows(rows: list[dict[str, Any]], keys: list[str]) -> list[list[Any]]:
    return [[r["month"], *[r[k] for k in keys]] for r in rows]


# --- Tables per section -----------------------------------------------------------------------------------------


def registrations_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    kinds = [k for k in Organisation.Kind if k != Organisation.Kind.BUREAU]
    summary: list[tuple[Label, Any, Label]] = [(k.label, data["organisations_by_kind"][k.value], "") for k in kinds]
    summary += [
        (_("Experts: %(type)s") % {"type": expert_type_label(code)}, n, "")
        for code, n in data["experts_by_type"].items()
    ]
    summary += [
        (_("Experts (all types)"), data["experts"], ""),
        (_("Needs opened"), data["needs_opened"], ""),
        (_("Needs closed"), data["needs_closed"], ""),
        (_("Opportunities opened"), data["opportunities_opened"], ""),
        (_("Opportunities closed"), data["opportunities_closed"], ""),
    ]
    month_columns = [
        *[Column(f"org_{k.value}", k.label) for k in kinds],
        Column("experts", _("Experts")),
        Column("needs_opened", _("Needs opened")),
        Column("needs_closed", _("Needs closed")),
        Column("opportunities_opened", _("Opportunities opened")),
        Column("opportunities_closed", _("Opportunities closed")),
    ]
    pref_columns = [
        Column("organisations", _("Organisations")),
        Column("experts", _("Experts")),
        Column("needs_opened", _("Needs opened")),
        Column("opportunities_opened", _("Opportunities opened")),
    ]
    return [
        _summary("registrations_summary", _("Registrations in the period"), summary),
        Table(
            key="registrations_by_month",
            title=_("Registrations by month"),
            columns=[Column("month", _("Month"), "month"), *month_columns],
            rows=_month_rows(data["by_month"], [c.key for c in month_columns]),
            charts=[Chart("line", ["org_sme", "org_buyer", "experts", "needs_opened"])],
        ),
        Table(
            key="registrations_by_prefecture",
            title=_("Registrations by prefecture"),
            columns=[Column("prefecture", _("Prefecture"), "text"), *pref_columns],
            rows=[[prefecture_label(r["key"]), *[r[c.key] for c in pref_columns]] for r in data["by_prefecture"]],
            charts=[Chart("bar", ["organisations", "experts"])],
        ),
    ]


def _stage_columns() -> list[Column]:
    return [Column(stage, label) for stage, label in STAGE_LABELS.items()]


def funnel_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    stages = Table(
        key="funnel_stages",
        title=_("Funnel: proposal → request → accepted → engaged → deal"),
        columns=[
            Column("stage", _("Step"), "text"),
            Column("count", _("Introductions")),
            Column("step_rate", _("Conversion from the previous step (%)"), "pct"),
            Column("share", _("Share of proposals (%)"), "pct"),
        ],
        rows=[[STAGE_LABELS[s["stage"]], s["count"], s["step_rate"], s["share"]] for s in data["stages"]],
        charts=[Chart("bar", ["count"])],
        note=_("Introductions proposed in the period, by the furthest step they have reached so far."),
    )
    rates = _summary(
        "funnel_rates",
        _("Conversion rates"),
        [
            (_("Accepted, of the requests answered"), _pct(data["acceptance_rate"]), "%"),
            (_("Deals, of the engagements closed"), _pct(data["deal_rate"]), "%"),
        ],
    )
    states = Table(
        key="funnel_states",
        title=_("Introductions by current state"),
        columns=[Column("state", _("State"), "text"), Column("count", _("Introductions"))],
        rows=[[Introduction.State(s).label, n] for s, n in data["states"].items()],
    )
    columns = _stage_columns()
    by_month = Table(
        key="funnel_by_month",
        title=_("Funnel by month"),
        columns=[Column("month", _("Month"), "month"), *columns],
        rows=_month_rows(data["by_month"], list(STAGE_LABELS)),
        charts=[Chart("line", list(STAGE_LABELS))],
    )
    by_pref = Table(
        key="funnel_by_prefecture",
        title=_("Funnel by prefecture"),
        columns=[Column("prefecture", _("Prefecture"), "text"), *columns],
        rows=[[prefecture_label(r["key"]), *[r[s] for s in STAGE_LABELS]] for r in data["by_prefecture"]],
        charts=[Chart("bar", ["proposed", "accepted", "deal"])],
    )
    by_sector = Table(
        key="funnel_by_sector",
        title=_("Funnel by sector"),
        columns=[Column("sector", _("Sector"), "text"), *columns],
        rows=[[sector_label(r["key"]), *[r[s] for s in STAGE_LABELS]] for r in data["by_sector"]],
        charts=[Chart("bar", ["proposed", "accepted", "deal"])],
        note=_("An introduction whose need or opportunity has several sectors counts in each of them."),
    )
    return [stages, rates, states, by_month, by_pref, by_sector]


def _responsiveness_columns() -> list[Column]:
    return [
        Column("requested", _("Requests")),
        Column("answered", _("Answered")),
        Column("median_hours", _("Median time to first answer (hours)"), "hours"),
        Column("expired", _("Expired unanswered")),
        Column("expired_share", _("Share expired (%)"), "pct"),
    ]


def responsiveness_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    columns = _responsiveness_columns()
    keys = [c.key for c in columns]
    return [
        _summary(
            "responsiveness_summary",
            _("Responsiveness"),
            [
                (_("Introduction requests"), data["requested"], ""),
                (_("Answered (accepted or declined)"), data["answered"], ""),
                (_("Waiting for an answer"), data["waiting"], ""),
                (_("Expired unanswered"), data["expired"], ""),
                (_("Median time to first answer"), data["median_hours"], _("hours")),
                (_("Share expired unanswered"), _pct(data["expired_share"]), "%"),
            ],
        ),
        Table(
            key="responsiveness_by_month",
            title=_("Responsiveness by month"),
            columns=[Column("month", _("Month"), "month"), *columns],
            rows=_month_rows(data["by_month"], keys),
            charts=[Chart("line", ["median_hours"]), Chart("line", ["expired_share"])],
        ),
        Table(
            key="responsiveness_by_prefecture",
            title=_("Responsiveness by prefecture"),
            columns=[Column("prefecture", _("Prefecture"), "text"), *columns],
            rows=[[prefecture_label(r["key"]), *[r[k] for k in keys]] for r in data["by_prefecture"]],
            charts=[Chart("bar", ["median_hours"]), Chart("bar", ["expired_share"])],
        ),
    ]


def coverage_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    tables = [
        _summary(
            "coverage_summary",
            _("Coverage and capacity (now)"),
            [
                (_("Open needs looking for an expert"), data["open_needs"], ""),
                (_("… without a suitable expert (region, skill, free capacity)"), data["uncovered"], ""),
                (_("Share of needs without a suitable expert"), _pct(data["uncovered_share"]), "%"),
                (_("Experts serving the area"), data["experts"], ""),
                (_("Expert capacity (concurrent engagements)"), data["capacity"], ""),
                (_("Expert load (open engagements)"), data["load"], ""),
                (_("Utilisation"), _pct(data["utilisation"]), "%"),
                (_("Experts at or over capacity"), data["full"], ""),
                (_("Sectors with more demand than free capacity"), len(data["short_sectors"]), ""),
            ],
        ),
        Table(
            key="coverage_by_prefecture",
            title=_("Needs without a suitable expert, by prefecture"),
            columns=[
                Column("prefecture", _("Prefecture"), "text"),
                Column("open_needs", _("Open needs looking for an expert")),
                Column("uncovered", _("No suitable expert")),
            ],
            rows=[[prefecture_label(r["key"]), r["open_needs"], r["uncovered"]] for r in data["by_prefecture"]],
            charts=[Chart("bar", ["open_needs", "uncovered"])],
            note=_(
                "A suitable expert serves the prefecture (experts without regions serve all of Japan), has the "
                "need's category among their skills (or, for a need without a category, shares a sector with it) "
                "and has free capacity now."
            ),
        ),
        Table(
            key="coverage_sectors",
            title=_("Demand and expert capacity by sector"),
            columns=[
                Column("sector", _("Sector"), "text"),
                Column("open_needs", _("Open needs")),
                Column("experts", _("Experts")),
                Column("capacity", _("Capacity")),
                Column("load", _("Load")),
                Column("free", _("Free capacity")),
                Column("gap", _("Needs beyond free capacity")),
                Column("short", _("Demand exceeds capacity"), "text"),
            ],
            rows=[
                [
                    sector_label(r["key"]),
                    r["open_needs"],
                    r["experts"],
                    r["capacity"],
                    r["load"],
                    r["free"],
                    r["gap"],
                    _("Yes") if r["short"] else _("No"),
                ]
                for r in data["sectors"]
            ],
            charts=[Chart("bar", ["open_needs", "free"])],
        ),
        Table(
            key="coverage_expert_load",
            title=_("Expert load and capacity by expert type"),
            columns=[
                Column("expert_type", _("Expert type"), "text"),
                Column("experts", _("Experts")),
                Column("capacity", _("Capacity")),
                Column("load", _("Load")),
                Column("utilisation", _("Utilisation (%)"), "pct"),
                Column("full", _("At or over capacity")),
            ],
            rows=[
                [expert_type_label(r["key"]), r["experts"], r["capacity"], r["load"], r["utilisation"], r["full"]]
                for r in data["expert_load"]
            ],
            charts=[Chart("bar", ["capacity", "load"])],
            note=_("Load counts open engagements on the platform plus those recorded outside it."),
        ),
    ]
    if f.records:
        tables.append(uncovered_needs_table(f))
    return tables


def uncovered_needs_table(f: Filters, limit: int = RECORDS_LIMIT) -> Table:
    needs = metrics.uncovered_needs(f)
    rows = list(needs[:limit])
    return Table(
        key="coverage_uncovered_needs",
        title=_("Open needs without a suitable expert"),
        columns=[
            Column("title", _("Need"), "text"),
            Column("organisation", _("Organisation"), "text"),
            Column("prefecture", _("Prefecture"), "text"),
            Column("created", _("Registered"), "date"),
        ],
        rows=[[n.title, n.organisation.name, prefecture_label(n.prefecture), n.created_at] for n in rows],
        records=True,
        empty=_("Every open need has at least one suitable expert with free capacity."),
        total=len(rows) if len(rows) < limit else needs.count(),
    )


def quality_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    rate_columns = [
        Column("answered", _("Answered requests")),
        Column("accepted", _("Accepted")),
        Column("rate", _("Acceptance rate (%)"), "pct"),
    ]

    def rank_label(rank: int | None) -> Label:
        return str(rank) if rank is not None else _("Not from a recommendation")

    def version_label(version: str) -> Label:
        return version or _("Not recorded")

    return [
        _summary(
            "quality_summary",
            _("Recommender quality"),
            [
                (_("Answered requests"), data["answered"], ""),
                (_("Accepted"), data["accepted"], ""),
                (_("Acceptance rate"), _pct(data["rate"]), "%"),
            ],
        ),
        Table(
            key="quality_by_rank",
            title=_("Acceptance rate by recommendation rank"),
            columns=[Column("rank", _("Rank"), "text"), *rate_columns],
            rows=[[rank_label(r["rank"]), r["answered"], r["accepted"], r["rate"]] for r in data["by_rank"]],
            charts=[Chart("bar", ["rate"])],
            note=_("If the recommender helps, candidates ranked higher are accepted more often."),
        ),
        Table(
            key="quality_by_model",
            title=_("Acceptance rate by model version"),
            columns=[
                Column("model_version", _("Model version"), "text"),
                Column("active", _("Active"), "text"),
                *rate_columns,
            ],
            rows=[
                [
                    version_label(r["model_version"]),
                    _("Yes") if r["active"] else "",
                    r["answered"],
                    r["accepted"],
                    r["rate"],
                ]
                for r in data["by_model"]
            ],
            charts=[Chart("bar", ["rate"])],
        ),
        Table(
            key="quality_detail",
            title=_("Acceptance rate by model version and rank"),
            columns=[
                Column("model_version", _("Model version"), "text"),
                Column("rank", _("Rank"), "text"),
                *rate_columns,
            ],
            rows=[
                [version_label(r["model_version"]), rank_label(r["rank"]), r["answered"], r["accepted"], r["rate"]]
                for r in data["detail"]
            ],
        ),
    ]


def outcomes_tables(data: dict[str, Any], f: Filters) -> list[Table]:
    columns = [
        Column("deals", _("Deals")),
        Column("no_deal", _("Closed without a deal")),
        Column("value_jpy", _("Deal value (yen)"), "yen"),
    ]
    keys = [c.key for c in columns]
    return [
        _summary(
            "outcomes_summary",
            _("Outcomes"),
            [
                (_("Deals"), data["deals"], ""),
                (_("Engagements closed without a deal"), data["no_deal"], ""),
                (_("Deal rate"), _pct(data["deal_rate"]), "%"),
                (_("Total deal value"), data["value_jpy"], _("yen")),
                (_("Deals with a reported value"), data["valued"], ""),
                (_("Average deal value"), data["average_value_jpy"], _("yen")),
                (_("Average feedback (1–5)"), data["feedback_average"], ""),
            ],
        ),
        Table(
            key="outcomes_by_month",
            title=_("Outcomes by month"),
            columns=[Column("month", _("Month"), "month"), *columns],
            rows=_month_rows(data["by_month"], keys),
            charts=[Chart("line", ["deals", "no_deal"]), Chart("line", ["value_jpy"])],
            note=_(
                "Engagements closed in the period; the value of a deal is the larger of the values both sides reported."
            ),
        ),
        Table(
            key="outcomes_by_prefecture",
            title=_("Outcomes by prefecture"),
            columns=[Column("prefecture", _("Prefecture"), "text"), *columns],
            rows=[[prefecture_label(r["key"]), *[r[k] for k in keys]] for r in data["by_prefecture"]],
            charts=[Chart("bar", ["value_jpy"])],
        ),
        Table(
            key="outcomes_by_sector",
            title=_("Outcomes by sector"),
            columns=[Column("sector", _("Sector"), "text"), *columns],
            rows=[[sector_label(r["key"]), *[r[k] for k in keys]] for r in data["by_sector"]],
            charts=[Chart("bar", ["deals"])],
        ),
    ]


TABLE_BUILDERS: dict[str, Callable[[dict[str, Any], Filters], list[Table]]] = {
    "registrations": registrations_tables,
    "funnel": funnel_tables,
    "responsiveness": responsiveness_tables,
    "coverage": coverage_tables,
    "quality": quality_tables,
    "outcomes": outcomes_tables,
}


def section_tables(section: str, f: Filters, data: dict[str, Any] | None = None) -> list[Table]:
    """The tables of one dashboard section (computed from the metrics in a bounded number of queries).

    `data`: the section's metrics when the caller already has them (the dashboard reads its KPIs from them too).
    """
    if data is None:
        data = metrics.section_data(section, f)
    return TABLE_BUILDERS[section](data, f)
