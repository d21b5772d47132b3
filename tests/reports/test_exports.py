"""Export jobs (the bureau's full report) and the files they write; the pages are tested in tests/frontend."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import translation

from accounts.models import User
from core.exceptions import NotFound
from matching.metrics import Filters
from reports import tables
from reports.models import ExportJob
from reports.renderers import tables_csv, tables_xlsx
from reports.selectors import export_job_get, export_job_path
from reports.services import export_job_create, export_job_run
from reports.tables import Column, Table
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_builds_the_report_through_the_task_after_commit(
    bureau_user: User, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_job_create(user=bureau_user, filters=Filters(prefectures=("04",)), language="en")
    assert job.state == ExportJob.State.PENDING  # nothing is sent before the row is committed
    for callback in callbacks:
        callback()  # eager Celery: the task registered by name runs here
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.progress == 100
    workbook = openpyxl.load_workbook(export_job_path(job=job))
    assert workbook.sheetnames[0] == "Registrations" and len(workbook.sheetnames) == 6


def test_a_finished_job_is_not_run_again(bureau_user: User, media: Path) -> None:
    job = ExportJob.objects.create(user=bureau_user, filters=Filters().to_json())
    assert export_job_run(job_id=job.pk).state == ExportJob.State.DONE
    first = (media / ExportJob.objects.get(pk=job.pk).file).stat().st_mtime_ns
    assert export_job_run(job_id=job.pk).state == ExportJob.State.DONE  # redelivered message: no second run
    assert (media / ExportJob.objects.get(pk=job.pk).file).stat().st_mtime_ns == first


def test_a_failed_export_is_marked_failed(
    bureau_user: User,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def boom(section: str, f: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tables, "section_tables", boom)
    with django_capture_on_commit_callbacks(execute=True):
        # Eager Celery runs the export on commit; its failure is the job's, not the request's.
        export_job_create(user=bureau_user, filters=Filters(), language="en")
    job = ExportJob.objects.get(user=bureau_user)
    assert job.state == ExportJob.State.FAILED and job.is_finished
    assert "disk on fire" in job.error
    assert not job.file


def test_a_job_belongs_to_whoever_asked(bureau_user: User) -> None:
    job = ExportJob.objects.create(user=bureau_user)
    assert export_job_get(user=bureau_user, job_id=job.pk) == job
    with pytest.raises(NotFound):
        export_job_get(user=UserFactory(), job_id=job.pk)


def _table(rows: int, total: int | None = None) -> Table:
    return Table(
        key="t",
        title="Needs",
        columns=[Column("name", "Name", "text"), Column("share", "Share (%)", "pct")],
        rows=[[f"need {i}", 0.125] for i in range(rows)],
        total=total,
    )


def test_the_files_say_when_rows_were_left_out() -> None:
    f = Filters(description={"Area": "東北"})
    with translation.override("en"):
        raw = tables_csv([_table(2, total=9)], f)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Area", "東北"]
    assert ["need 0", "12.5"] in rows  # a 0–1 share is written as a percentage
    assert rows[-1] == ["First 2 of 9 rows."]

    sheet_title = "Funnel: by [prefecture]/sector and month, long"
    sheet = openpyxl.load_workbook(io.BytesIO(tables_xlsx([(sheet_title, [_table(1)])], f))).active
    assert sheet is not None and sheet.title == "Funnel_ by _prefecture__sector "  # Excel: 31 chars, no []:*?/\
