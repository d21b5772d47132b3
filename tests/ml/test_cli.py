from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from pathlib import Path as _P

# tests run in importlib mode (no packages): make the shared fixture module importable
sys.path.insert(0, str(_P(__file__).resolve().parent))
from ml_test_market import PROFILES, QUERIES, write_jsonl

ROOT = Path(__file__).resolve().parents[2]


def run_ml(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ml", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def test_it_ranks_through_the_command_line(tmp_path):
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES)
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    proc = run_ml("rank", "--profiles", str(p), "--queries", str(q), "--top", "2")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["query"] for x in lines] == [q["id"] for q in QUERIES]
    for line in lines:
        assert set(line) == {"query", "results"}
        assert len(line["results"]) <= 2
        for r in line["results"]:
            # required keys, plus only the optional ones the contract allows adding
            assert {"id", "score", "reasons"} <= set(r) <= {"id", "score", "reasons", "relevance", "evidence"}
            assert isinstance(r["relevance"], int) and 0 <= r["relevance"] <= 100
    assert "rank:" in proc.stderr  # progress on stderr, never stdout


def test_it_indexes_then_ranks_to_a_file(tmp_path):
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES)
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    assert run_ml("index", "--profiles", str(p), "--out", str(tmp_path / "idx")).returncode == 0
    out = tmp_path / "res.jsonl"
    proc = run_ml(
        "rank", "--index", str(tmp_path / "idx"), "--queries", str(q), "--policy", "relevance", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert len(out.read_text().splitlines()) == len(QUERIES)


def test_it_exits_2_and_writes_nothing_on_a_bad_last_line(tmp_path):
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES, ['{"id": "bad", "kind": "sme", "name": "x", "prefecture": "99"}'])
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    out = tmp_path / "res.jsonl"
    proc = run_ml("rank", "--profiles", str(p), "--queries", str(q), "--out", str(out))
    assert proc.returncode == 2
    assert f"{p}:{len(PROFILES) + 1}: field 'prefecture': unknown prefecture code '99'" in proc.stderr
    assert not out.exists() and proc.stdout == ""
    idx = tmp_path / "idx"
    proc = run_ml("index", "--profiles", str(p), "--out", str(idx))
    assert proc.returncode == 2 and not idx.exists()
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".")] == []


def test_it_exits_2_on_bad_queries_and_malformed_json(tmp_path):
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES)
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES, ["{not json", '{"id": "q9", "kind": "need", "owner": "sme-1"}'])
    proc = run_ml("rank", "--profiles", str(p), "--queries", str(q))
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr.splitlines()
    assert any(e.startswith(f"{q}:{len(QUERIES) + 1}: invalid JSON") for e in err)
    assert any(e.startswith(f"{q}:{len(QUERIES) + 2}: missing required field 'target'") for e in err)


def test_it_exits_2_on_usage_errors_and_missing_index(tmp_path):
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    assert run_ml("rank", "--queries", str(q), "--index", str(tmp_path / "nope")).returncode == 2
    assert run_ml("rank", "--queries", str(q), "--top", "0", "--index", "x").returncode == 2
    assert run_ml("rank", "--queries", str(q), "--policy", "greedy", "--index", "x").returncode == 2


def test_it_trains_and_evaluates_models(tmp_path):
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES)
    q = write_jsonl(tmp_path / "q.jsonl", QUERIES)
    labels = []
    for query in QUERIES:
        for prof in PROFILES:
            if prof["kind"] == query["target"] and prof["id"] != query["owner"]:
                good = prof.get("active_engagements", 0) == 0 and prof["prefecture"] in ("04", "13")
                labels.append({"query": query["id"], "id": prof["id"], "label": "accepted" if good else "declined"})
    lab = write_jsonl(tmp_path / "labels.jsonl", labels * 2)
    proc = run_ml(
        "train", "--profiles", str(p), "--queries", str(q), "--labels", str(lab), "--out", str(tmp_path / "m")
    )
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["features"] and meta["training_data_sha256"] and "holdout" in meta["metrics"]
    proc = run_ml(
        "evaluate",
        "--profiles",
        str(p),
        "--queries",
        str(q),
        "--labels",
        str(lab),
        "--model-b",
        str(tmp_path / "m"),
        "--promote-to",
        str(tmp_path / "current"),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert isinstance(result["better"], bool)
    assert (tmp_path / "current").exists() == result["better"]
    # the promotion gate: a handful of labels from a few queries can never promote
    assert result["better"] is False and result["reason"].startswith("too few held-out labels")
    assert meta["script"] and meta["created"] and meta["version"]
    proc = run_ml("rank", "--profiles", str(p), "--queries", str(q), "--model", str(tmp_path / "m"))
    assert proc.returncode == 0, proc.stderr
