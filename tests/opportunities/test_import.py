from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ExpertProfile, Organisation
from opportunities.models import Need, Opportunity
from tests.factories import corporate_number

pytestmark = pytest.mark.django_db

PROFILES: list[dict[str, Any]] = [
    {
        "id": "sme-1",
        "kind": "sme",
        "name": "株式会社北上精密",
        "prefecture": "03",
        "description": "半導体製造装置向けの精密切削加工。",
        "sectors": ["semiconductor"],
        "capabilities": ["precision_machining"],
        "certifications": ["iso9001"],
        "industry": "manufacturing",
        "employees": 45,
        "capital_jpy": 20000000,
        "corporate_number": corporate_number(123),
    },
    {"id": "sme-2", "kind": "sme", "name": "有限会社米沢工業", "prefecture": "06", "description": "板金とプレス。"},
    {
        "id": "buyer-1",
        "kind": "buyer",
        "name": "東北エレクトロン株式会社",
        "prefecture": "04",
        "sectors": ["semiconductor"],
        "capacity": 5,
    },
    {
        "id": "expert-1",
        "kind": "expert",
        "name": "佐藤 一郎",
        "prefecture": "04",
        "expert_type": "dx_coordinator",
        "skills": ["dx.digitization"],
        "regions": ["04", "07"],
        "capacity": 2,
        "active_engagements": 1,
        "description": "製造業のデジタル化支援",
    },
]
QUERIES: list[dict[str, Any]] = [
    {
        "id": "need-1",
        "kind": "need",
        "owner": "sme-1",
        "target": "expert",
        "title": "生産管理のIT化",
        "description": "紙の台帳をやめたい",
        "category": "dx.digitization",
        "sectors": ["semiconductor"],
        "prefecture": "03",
    },
    {
        "id": "opp-1",
        "kind": "opportunity",
        "owner": "buyer-1",
        "target": "sme",
        "title": "精密部品の加工先",
        "required_capabilities": ["precision_machining"],
        "required_certifications": ["iso9001"],
        "deadline": "2027-01-31",
        "budget_jpy": 1000000,
        "restricted": True,
    },
]


def write(tmp_path: Path, name: str, rows: list[Any]) -> Path:
    path = tmp_path / name
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        ExpertProfile.objects.count(),
        Need.objects.count(),
        Opportunity.objects.count(),
    )


def test_it_imports_a_good_file(tmp_path: Path) -> None:
    call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
    call_command("import_queries", str(write(tmp_path, "q.jsonl", QUERIES)))
    assert snapshot() == (3, 1, 1, 1)
    sme = Organisation.objects.get(external_id="sme-1")
    assert sme.size_class == "sme"
    assert [t.code for t in sme.capabilities.all()] == ["precision_machining"]
    expert = ExpertProfile.objects.get(external_id="expert-1")
    assert sorted(t.code for t in expert.regions.all()) == ["04", "07"]
    assert expert.active_engagements == 1
    opp = Opportunity.objects.get(external_id="opp-1")
    assert opp.organisation.external_id == "buyer-1"
    assert opp.restricted is True
    assert [t.code for t in opp.required_certifications.all()] == ["iso9001"]
    assert Need.objects.get().status == "open"


def test_it_reports_every_bad_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[Any] = [
        PROFILES[0],
        {**PROFILES[1], "prefecture": "99"},  # line 2: unknown code
        "{not json",  # line 3: malformed
        {"id": "x", "kind": "sme"},  # line 4: missing name
        {**PROFILES[2], "id": "sme-1"},  # line 5: duplicate id
        {**PROFILES[3], "id": "expert-2", "capacity": -1},  # line 6: negative int
        {**PROFILES[1], "id": "sme-9", "corporate_number": "1234567890123"},  # line 7: bad check digit
    ]
    path = write(tmp_path, "bad.jsonl", rows)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_profiles", str(path))
    err = capsys.readouterr().err
    for line in (2, 3, 4, 5, 6, 7):
        assert f"{path}:{line}: " in err, err
    assert f"{path}:1: " not in err
    assert "prefecture" in err and "duplicate id" in err and "法人番号" in err
    assert snapshot() == (0, 0, 0, 0)


def test_it_rejects_a_bad_last_line_without_partial_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
    before = snapshot()
    bad = [*QUERIES, {**QUERIES[0], "id": "need-2", "owner": "nobody"}]
    path = write(tmp_path, "q.jsonl", bad)
    with pytest.raises(CommandError):
        call_command("import_queries", str(path))
    assert f"{path}:3: field 'owner'" in capsys.readouterr().err
    assert snapshot() == before


def test_it_upserts_on_repeat_import(tmp_path: Path) -> None:
    profiles = write(tmp_path, "p.jsonl", PROFILES)
    queries = write(tmp_path, "q.jsonl", QUERIES)
    for _ in range(2):
        call_command("import_profiles", str(profiles))
        call_command("import_queries", str(queries))
    assert snapshot() == (3, 1, 1, 1)
    changed = [{**PROFILES[0], "name": "株式会社北上精密（改称）", "sectors": []}, *PROFILES[1:]]
    call_command("import_profiles", str(write(tmp_path, "p2.jsonl", changed)))
    sme = Organisation.objects.get(external_id="sme-1")
    assert sme.name == "株式会社北上精密（改称）"
    assert sme.sectors.count() == 0
    assert snapshot() == (3, 1, 1, 1)


def test_it_refuses_a_corporate_number_held_by_another_organisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Organisation.objects.create(kind="sme", name="既存株式会社", corporate_number=PROFILES[0]["corporate_number"])
    path = write(tmp_path, "p.jsonl", PROFILES)
    with pytest.raises(CommandError):
        call_command("import_profiles", str(path))
    assert f"{path}:1: field 'corporate_number'" in capsys.readouterr().err
    assert Organisation.objects.count() == 1


def test_it_round_trips_through_export(tmp_path: Path) -> None:
    call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
    call_command("import_queries", str(write(tmp_path, "q.jsonl", QUERIES)))
    Organisation.objects.create(kind="sme", name="画面から登録した会社", prefecture="02")
    out_p, out_q = tmp_path / "out_p.jsonl", tmp_path / "out_q.jsonl"
    call_command("export_profiles", str(out_p))
    call_command("export_queries", str(out_q))
    exported = [json.loads(line) for line in out_p.read_text(encoding="utf-8").splitlines()]
    assert {p["id"] for p in exported} >= {"sme-1", "sme-2", "buyer-1", "expert-1"}
    assert next(p for p in exported if p["id"] == "sme-1")["capabilities"] == ["precision_machining"]
    before = snapshot()
    call_command("import_profiles", str(out_p))
    call_command("import_queries", str(out_q))
    assert snapshot() == before


def test_it_runs_model_validation_on_every_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        PROFILES[0],
        {**PROFILES[1], "email": "not an address"},  # line 2: the model's EmailField refuses it
        {**PROFILES[2], "phone": "0" * 40},  # line 3: longer than the field
        {**PROFILES[3], "name": "佐" * 151},  # line 4: longer than the field
    ]
    path = write(tmp_path, "p.jsonl", rows)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_profiles", str(path))
    err = capsys.readouterr().err
    assert f"{path}:2: field 'contact_email'" in err
    assert f"{path}:3: field 'contact_phone'" in err
    assert f"{path}:4: field 'name'" in err
    assert f"{path}:1: " not in err
    assert snapshot() == (0, 0, 0, 0)


def test_it_refreshes_recommendations_after_an_import(tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    from matching.models import Recommendation

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
        call_command("import_queries", str(write(tmp_path, "q.jsonl", QUERIES)))
    need = Need.objects.get(external_id="need-1")
    # Eager Celery: the group refresh ran on commit of the import.
    assert Recommendation.objects.filter(need=need, expert__external_id="expert-1").exists()


def test_it_sets_closed_at_by_the_same_rule_as_an_edit(tmp_path: Path) -> None:
    call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
    call_command("import_queries", str(write(tmp_path, "q.jsonl", [{**QUERIES[0], "status": "closed"}])))
    need = Need.objects.get(external_id="need-1")
    assert need.status == "closed" and need.closed_at is not None
    call_command("import_queries", str(write(tmp_path, "q2.jsonl", [QUERIES[0]])))
    need.refresh_from_db()
    assert need.status == "open" and need.closed_at is None


def test_it_shows_progress_on_stderr_and_keeps_stdout_for_the_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_profiles", str(write(tmp_path, "p.jsonl", PROFILES)))
    out, err = capsys.readouterr()
    assert out.strip() == "profiles: 4 created, 0 updated"
    assert "profiles: lines checked: 4" in err and "profiles: rows written: 4" in err


def test_it_reports_bad_values_at_their_line_instead_of_a_database_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Values the file format itself refuses, found in the first pass over the file.
    rows: list[Any] = [
        PROFILES[0],
        {**PROFILES[1], "id": "sme-8", "description": "改行\x00なし"},  # line 2: NUL
        {**PROFILES[1], "id": "sme-9", "capital_jpy": 2**70},  # line 3: beyond 64 bits
        {**PROFILES[1], "id": "sme-10", "phone": {"a": 1}},  # line 4: contact not a string
        {**PROFILES[1], "id": "sme-11", "email": 12345},  # line 5
    ]
    # Values only the model's validation refuses, found once the file itself is sound.
    model_rows: list[Any] = [
        PROFILES[0],
        {**PROFILES[1], "name": "株" * 300},  # line 2: longer than the column
        {**PROFILES[1], "id": "sme-12", "email": "not-an-address"},  # line 3
    ]
    for name, bad, lines in (("bad.jsonl", rows, (2, 3, 4, 5)), ("model.jsonl", model_rows, (2, 3))):
        path = write(tmp_path, name, bad)
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("import_profiles", str(path))
        err = capsys.readouterr().err
        for line in lines:
            assert f"{path}:{line}: " in err, err
        assert f"{path}:1: " not in err
        assert "Traceback" not in err and "DataError" not in err
        assert snapshot() == (0, 0, 0, 0)
