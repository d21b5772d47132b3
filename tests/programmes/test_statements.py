"""Monthly statements as XLSX: the CSV's rows and totals as numbers and dates, for the same people as the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from core.spreadsheets import XLSX_TYPE, sheet_title
from programmes.models import Programme, WorkLogEntry
from tests.clients import api_client, web_client
from tests.factories import (
    ExpertProfileFactory,
    OrganisationFactory,
    PaidEngagementFactory,
    PaidProgrammeFactory,
    UserFactory,
    WorkLogEntryFactory,
)

pytestmark = pytest.mark.django_db

CSV_API = "/api/v1/paid-engagements/statement/"
XLSX_API = "/api/v1/paid-engagements/statement.xlsx"
# The last day of the previous month: always a past day, and not this month.
LAST_MONTH = timezone.localdate().replace(day=1) - dt.timedelta(days=1)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheet(content: bytes) -> Any:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return sheet


HOURS = 5  # the column of hours in both files


def as_csv_row(row: list[Any]) -> list[str]:
    """A row read back from the XLSX, written as the CSV writes the same values."""
    return [
        value.date().isoformat()
        if isinstance(value, dt.datetime)
        # Excel keeps no decimal places (3.00 h reads back as 3); the CSV has the model's two.
        else f"{value:.2f}"
        if i == HOURS
        else str(value)
        for i, value in enumerate(row)
    ]


def work(programme: Programme, expert_user: User, *, sme_name: str, entries: list[tuple[int, str]]) -> None:
    engagement = PaidEngagementFactory(
        programme=programme,
        expert=ExpertProfileFactory(user=expert_user, name=expert_user.full_name or "専門家"),
        organisation=OrganisationFactory(name=sme_name),
    )
    for day, hours in entries:
        WorkLogEntryFactory(
            engagement=engagement,
            worked_on=LAST_MONTH.replace(day=day),
            hours=Decimal(hours),
            amount_jpy=int(Decimal(hours) * 3500),
            copay_jpy=int(Decimal(hours) * 500),
            status=WorkLogEntry.Status.CONFIRMED,
        )


@pytest.fixture
def month_of_work() -> dict[str, User]:
    """Two experts' confirmed work last month under one scheme, plus entries no statement shows."""
    programme = PaidProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）")
    hanako = UserFactory(full_name="支援 花子")
    taro = UserFactory(full_name="診断 太郎")
    work(programme, hanako, sme_name="株式会社みやぎ食品", entries=[(3, "2.5"), (10, "1.25"), (11, "3")])
    work(programme, taro, sme_name="有限会社いわて精工", entries=[(5, "4")])
    # Not on last month's statement: waiting for the SME, and work of another month.
    engagement = hanako.expert_profile.paid_engagements.get()
    WorkLogEntryFactory(engagement=engagement, worked_on=LAST_MONTH.replace(day=12), amount_jpy=99_999)
    WorkLogEntryFactory(
        engagement=engagement,
        worked_on=LAST_MONTH.replace(day=1) - dt.timedelta(days=3),
        amount_jpy=88_888,
        status=WorkLogEntry.Status.CONFIRMED,
    )
    return {"hanako": hanako, "taro": taro}


def test_it_keeps_the_csv_contract(month_of_work: dict[str, User]) -> None:
    response = api_client(month_of_work["hanako"]).get(CSV_API, {"month": f"{LAST_MONTH:%Y-%m}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    month = f"{LAST_MONTH:%Y-%m}"
    assert csv_rows(response.content) == [
        [
            "month",
            "programme",
            "expert",
            "sme",
            "date",
            "hours",
            "hourly_rate_jpy",
            "amount_jpy",
            "copay_jpy",
            "paid_by_programme_jpy",
            "status",
        ],
        *[
            [
                month,
                "dispatch",
                "支援 花子",
                "株式会社みやぎ食品",
                f"{month}-{day}",
                hours,
                "3500",
                amount,
                copay,
                paid,
                "confirmed",
            ]
            for day, hours, amount, copay, paid in (
                ("03", "2.50", "8750", "1250", "7500"),
                ("10", "1.25", "4375", "625", "3750"),
                ("11", "3.00", "10500", "1500", "9000"),
            )
        ],
    ]


def test_the_xlsx_has_the_csv_rows_as_numbers_and_their_totals(month_of_work: dict[str, User]) -> None:
    api = api_client(month_of_work["hanako"])
    month = {"month": f"{LAST_MONTH:%Y-%m}"}
    expected = csv_rows(api.get(CSV_API, month).content)
    response = api.get(XLSX_API, month)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="statement-{LAST_MONTH:%Y-%m}.xlsx"'

    sheet = xlsx_sheet(response.content)
    assert f"{LAST_MONTH:%Y-%m}" in sheet.title
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, *rows, totals = cells
    assert [header, *[as_csv_row(row) for row in rows]] == expected
    # Numbers are numbers: yen as integers, hours as decimals, the day as a date.
    first = rows[0]
    assert isinstance(first[4], dt.datetime) and first[5] == 2.5
    assert all(isinstance(v, int) for v in first[6:10])
    assert all(cell.font.bold for cell in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet["F2"].number_format == "0.00" and sheet["H2"].number_format == "#,##0"
    # The totals line sums the CSV's columns (not the hourly rate).
    column = {name: i for i, name in enumerate(expected[0])}
    assert totals[0] == "合計" and totals[column["hourly_rate_jpy"]] is None
    for name in ("hours", "amount_jpy", "copay_jpy", "paid_by_programme_jpy"):
        assert totals[column[name]] == pytest.approx(sum(float(r[column[name]]) for r in expected[1:])), name
    assert totals[column["amount_jpy"]] == 23625 and totals[column["hours"]] == 6.75
    # Every column is wide enough for its header and never absurdly wide.
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"]
    assert all(10 <= w <= 42 for w in widths), widths
    assert sheet.column_dimensions["D"].width >= 2 * len("株式会社みやぎ食品")


def test_an_expert_sees_only_their_own_work_and_others_have_no_statement(
    month_of_work: dict[str, User], owner_api: APIClient
) -> None:
    taro_api = api_client(month_of_work["taro"])
    sheet = xlsx_sheet(taro_api.get(XLSX_API, {"month": f"{LAST_MONTH:%Y-%m}"}).content)
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"診断 太郎", None}  # their row and the totals line (no expert named on it)
    assert owner_api.get(XLSX_API).status_code == 404  # not an expert: no statement, as for the CSV
    assert owner_api.get(CSV_API).status_code == 404
    assert api_client().get(XLSX_API).status_code == 401


def test_a_malformed_month_is_refused_like_the_csv(month_of_work: dict[str, User]) -> None:
    api = api_client(month_of_work["hanako"])
    for url in (CSV_API, XLSX_API):
        response = api.get(url, {"month": "2026-13"})
        assert response.status_code == 400 and "month" in response.json()["extra"]["fields"], url


def test_an_empty_month_has_a_header_and_zero_totals(month_of_work: dict[str, User]) -> None:
    sheet = xlsx_sheet(api_client(month_of_work["taro"]).get(XLSX_API, {"month": "2001-01"}).content)
    header, totals = list(sheet.iter_rows(values_only=True))
    assert header[0] == "month" and totals[0] == "合計" and totals[7] == 0


def test_the_pages_offer_the_same_statements_as_xlsx(month_of_work: dict[str, User], bureau_client: Client) -> None:
    expert_client = web_client(month_of_work["hanako"])
    month = {"month": f"{LAST_MONTH:%Y-%m}"}
    listing = expert_client.get("/paid-support/").content.decode()
    assert "/paid-support/statement.csv?month=" in listing and "/paid-support/statement.xlsx?month=" in listing
    for client, path, people in (
        (expert_client, "/paid-support/statement", {"支援 花子"}),
        (bureau_client, "/bureau/programmes/dispatch/statement", {"支援 花子", "診断 太郎"}),
    ):
        expected = csv_rows(client.get(f"{path}.csv", month).content)
        response = client.get(f"{path}.xlsx", month)
        assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE, path
        header, *rows, _totals = [list(r) for r in xlsx_sheet(response.content).iter_rows(values_only=True)]
        assert header == expected[0] and header[0] == "月"  # the page's translated header, as in its CSV
        assert [as_csv_row(row) for row in rows] == expected[1:], path
        assert {row[2] for row in rows} == people, path
    budgets = bureau_client.get("/bureau/programmes/").content.decode()
    assert "/bureau/programmes/dispatch/statement.xlsx?month=" in budgets


def test_the_pages_keep_the_csv_rules_for_who_may_download(
    month_of_work: dict[str, User], owner_client: Client, expert_client: Client
) -> None:
    assert owner_client.get("/paid-support/statement.xlsx").status_code == 403  # an SME member, not an expert
    assert expert_client.get("/bureau/programmes/dispatch/statement.xlsx").status_code == 403
    assert owner_client.get("/bureau/programmes/dispatch/statement.xlsx").status_code == 403
    assert Client().get("/paid-support/statement.xlsx").status_code == 302  # to the log-in page


def test_sheet_titles_are_what_excel_accepts() -> None:
    used: set[str] = set()
    assert sheet_title("明細 2026-11", used) == "明細 2026-11"
    assert sheet_title("明細 2026-11", used) == "明細 2026-11 2"
    assert sheet_title("a/b:c" * 10) == "a_b_c" * 6 + "a"
