from __future__ import annotations

import sys
from pathlib import Path as _P

import pytest

from ml.interchange import InterchangeError, LineError, read_profiles, read_queries, validate_profile, validate_query

# tests run in importlib mode (no packages): make the shared fixture module importable
sys.path.insert(0, str(_P(__file__).resolve().parent))
from ml_test_market import PROFILES, QUERIES, write_jsonl


def test_it_accepts_valid_profiles_and_queries():
    assert all(validate_profile(p) == [] for p in PROFILES)
    assert all(validate_query(q) == [] for q in QUERIES)


def test_it_names_the_field_of_an_unknown_code():
    reasons = validate_profile({"id": "x", "kind": "sme", "name": "n", "prefecture": "99"})
    assert reasons == ["field 'prefecture': unknown prefecture code '99'"]
    assert any(
        "capabilities" in r
        for r in validate_profile({"id": "x", "kind": "sme", "name": "n", "capabilities": ["laser_magic"]})
    )
    assert any("skills" in r for r in validate_profile({"id": "x", "kind": "expert", "name": "n", "skills": ["nope"]}))


def test_it_requires_fields_and_checks_types():
    assert validate_profile([]) == ["expected a JSON object"]
    r = validate_profile({"kind": "robot", "capacity": -1, "employees": "10", "sectors": "semiconductor"})
    text = " ".join(r)
    for field in ("'id'", "'kind'", "'name'", "'capacity'", "'employees'", "'sectors'"):
        assert field in text
    q = validate_query({"id": "q", "kind": "need", "owner": "o", "target": "alien", "category": "dx.nope"})
    assert any("'target'" in x for x in q) and any("'category'" in x for x in q)
    assert any("'owner'" in x for x in validate_query({"id": "q", "kind": "need", "target": "expert"}))


def test_it_ignores_unknown_fields_and_blank_lines(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [dict(PROFILES[0], colour="blue")], ["", "   "])
    assert [p["id"] for p in read_profiles(path)] == ["sme-1"]


def test_it_reports_every_bad_line_with_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", PROFILES[:2], ['{"id": "x", "kind": "sme"', json.dumps(dict(PROFILES[0]))])
    with pytest.raises(InterchangeError) as exc:
        read_profiles(path)
    errs = exc.value.errors
    assert [e.line for e in errs] == [3, 4]
    assert "invalid JSON" in errs[0].reason
    assert "duplicate id 'sme-1'" in errs[1].reason and "line 1" in errs[1].reason
    assert str(exc.value).splitlines()[0].startswith(f"{path}:3: ")


def test_it_formats_line_errors():
    assert str(LineError("a.jsonl", 7, "boom")) == "a.jsonl:7: boom"


def test_it_reads_queries(tmp_path):
    path = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    assert [q["id"] for q in read_queries(path)] == [q["id"] for q in QUERIES]


import json  # noqa: E402  (used in a test above)


def test_it_reports_unreadable_lines_at_their_own_line_and_checks_the_rest(tmp_path):
    from ml.interchange import MAX_LINE_BYTES

    good = {"id": "s1", "kind": "sme", "name": "ok"}
    lines = [
        json.dumps(good).encode(),
        b'{"id": "s2", "kind": "sme", "name": "\xff\xfe broken"}',
        json.dumps({**good, "id": "s3", "name": "nul\x00byte"}).encode(),
        json.dumps({**good, "id": "s4", "employees": 2**63}).encode(),
        json.dumps({**good, "id": "s5", "description": "x" * (MAX_LINE_BYTES + 10)}).encode(),
        json.dumps({**good, "id": "s6"}).encode(),
        b'{"id": "s7", "kind": "sme", "name": 5}',
    ]
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")

    with pytest.raises(InterchangeError) as caught:
        read_profiles(path)

    by_line = {e.line: e.reason for e in caught.value.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 7]  # the BOM of line 1 is tolerated; 6 is fine
    assert "not valid UTF-8" in by_line[2]
    assert "NUL" in by_line[3] and "'name'" in by_line[3]
    assert "out of range" in by_line[4] and "'employees'" in by_line[4]
    assert "longer than 1024 KiB" in by_line[5]
    assert "expected a string" in by_line[7]
