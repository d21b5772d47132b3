"""The interchange contract, point by point, through ``ml.cli.main`` (in-process: fast)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ml import api, engine
from ml.cli import main
from ml.index import Index, build_index

# tests run in importlib mode (no packages): make the shared fixture module importable
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ml_test_market import PROFILES, QUERIES, write_jsonl


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("contract")
    p = write_jsonl(d / "p.jsonl", PROFILES)
    q = write_jsonl(d / "q.jsonl", QUERIES)
    assert main(["--quiet", "index", "--profiles", str(p), "--out", str(d / "idx")]) == 0
    return p, q, d / "idx"


def rank(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["rank", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_it_writes_nothing_when_the_last_query_line_is_bad(files, tmp_path, capsys):
    p, _, idx = files
    q = write_jsonl(
        tmp_path / "q.jsonl", QUERIES, ['{"id": "q-bad", "kind": "need", "owner": "sme-1", "target": "robot"}']
    )
    out = tmp_path / "res.jsonl"
    out.write_text("previous results\n")
    for source in (["--profiles", str(p)], ["--index", str(idx)]):
        rc, stdout, err = rank(capsys, *source, "--queries", str(q), "--out", str(out))
        assert rc == 2
        assert f"{q}:{len(QUERIES) + 1}: field 'target'" in err
        assert stdout == ""
        assert out.read_text() == "previous results\n"  # --out untouched: written only on success, atomically
    assert sorted(x.name for x in tmp_path.iterdir()) == ["q.jsonl", "res.jsonl"]  # no temporary left behind


def test_it_writes_nothing_to_stdout_when_the_last_profile_line_is_bad(files, tmp_path, capsys):
    _, q, _ = files
    p = write_jsonl(tmp_path / "p.jsonl", PROFILES, ["{truncated"])
    rc, stdout, err = rank(capsys, "--profiles", str(p), "--queries", str(q))
    assert rc == 2 and stdout == ""
    assert f"{p}:{len(PROFILES) + 1}: invalid JSON" in err


def test_it_defaults_to_the_market_policy_and_top_10(files, capsys):
    _, q, idx = files
    _, default, _ = rank(capsys, "--quiet", "--index", str(idx), "--queries", str(q))
    _, market, _ = rank(
        capsys, "--quiet", "--index", str(idx), "--queries", str(q), "--policy", "market", "--top", "10"
    )
    _, relevance, _ = rank(capsys, "--quiet", "--index", str(idx), "--queries", str(q), "--policy", "relevance")
    assert default == market
    assert default != relevance  # the fixture has a full candidate that market sinks


def test_it_keeps_input_order_top_scores_and_reasons(files, capsys):
    _, q, idx = files
    rc, stdout, err = rank(capsys, "--index", str(idx), "--queries", str(q), "--top", "2")
    assert rc == 0
    lines = [json.loads(x) for x in stdout.splitlines()]
    assert [x["query"] for x in lines] == [x["id"] for x in QUERIES]
    owners = {x["id"]: x["owner"] for x in QUERIES}
    for line in lines:
        assert 0 < len(line["results"]) <= 2
        scores = [r["score"] for r in line["results"]]
        assert scores == sorted(scores, reverse=True)
        for r in line["results"]:
            assert r["id"] != owners[line["query"]]
            assert r["reasons"] and any(any("\u3040" <= ch <= "\u9fff" for ch in x) for x in r["reasons"])
    assert "rank:" in err and "rank:" not in stdout  # progress on stderr only


def test_it_ignores_blank_lines_and_unknown_fields_in_queries(files, tmp_path, capsys):
    _, q, idx = files
    noisy = tmp_path / "q.jsonl"
    with noisy.open("w", encoding="utf-8") as fh:
        for x in QUERIES:
            fh.write("\n" + json.dumps(dict(x, colour="blue", extra={"a": 1}), ensure_ascii=False) + "\n   \n")
    _, clean, _ = rank(capsys, "--quiet", "--index", str(idx), "--queries", str(q))
    rc, out, _ = rank(capsys, "--quiet", "--index", str(idx), "--queries", str(noisy))
    assert rc == 0 and out == clean


def test_it_exits_1_on_other_failures(tmp_path, files, capsys):
    _, q, _ = files
    broken = tmp_path / "idx"
    broken.mkdir()
    (broken / "meta.json").write_text('{"format": 999}')
    rc, stdout, err = rank(capsys, "--index", str(broken), "--queries", str(q))
    assert rc == 1 and stdout == "" and "format 999" in err


def test_the_parallel_build_writes_the_same_index_as_the_inline_one(files, tmp_path, monkeypatch):
    p, _, idx = files
    monkeypatch.setenv("ML_INDEX_WORKERS", "2")
    monkeypatch.setattr("ml.index.BATCH", 3)  # several batches, merged in input order
    build_index(p, tmp_path / "par")
    a, b = Index.load(idx), Index.load(tmp_path / "par")
    assert a.word_terms == b.word_terms and a.char_vocab == b.char_vocab
    for name in ("word", "char", "concept", "explicit", "certs"):
        # same matrices; the order of entries inside a row may differ
        assert abs(getattr(a, name) - getattr(b, name)).max() < 1e-6, name
    for name in ("ids", "kind", "pref", "capacity", "active", "expert_type", "region"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_sparse_retrieval_keeps_the_hard_filters_and_the_best_match(files, monkeypatch):
    _, _, idx = files
    brute = {r["query"]: r["results"] for r in api.rank(None, QUERIES, index_dir=idx, policy="relevance")}
    monkeypatch.setattr(engine, "BRUTE_MAX", 0)  # force inverted-index top-k, as for a large kind
    for policy in ("relevance", "market"):
        sparse = {r["query"]: r["results"] for r in api.rank(None, QUERIES, index_dir=idx, policy=policy)}
        holders = {x["id"] for x in PROFILES if "iso9001" in (x.get("certifications") or [])}
        assert {r["id"] for r in sparse["opp-1"]} <= holders
        assert "sme-1" not in {r["id"] for r in sparse["opp-2"]}
        if policy == "relevance":
            for qid, results in sparse.items():
                assert results and results[0]["id"] == brute[qid][0]["id"]
