from __future__ import annotations

import sys
from pathlib import Path as _P

import pytest

from ml import api
from ml.interchange import InterchangeError

# tests run in importlib mode (no packages): make the shared fixture module importable
sys.path.insert(0, str(_P(__file__).resolve().parent))
from ml_test_market import PROFILES, QUERIES


@pytest.fixture(scope="module")
def relevance():
    return {r["query"]: r["results"] for r in api.rank(PROFILES, QUERIES, policy="relevance", top=5)}


@pytest.fixture(scope="module")
def market():
    return {r["query"]: r["results"] for r in api.rank(PROFILES, QUERIES, policy="market", top=5)}


def test_it_returns_one_line_per_query_in_input_order():
    out = api.rank(PROFILES, QUERIES, top=3)
    assert [r["query"] for r in out] == [q["id"] for q in QUERIES]
    for r in out:
        assert len(r["results"]) <= 3
        scores = [x["score"] for x in r["results"]]
        assert scores == sorted(scores, reverse=True)


def test_it_never_returns_the_owner(relevance, market):
    for res in (relevance, market):
        assert "sme-1" not in [x["id"] for x in res["opp-2"]]
        assert "buy-1" not in [x["id"] for x in res["opp-1"]]


def test_it_applies_mandatory_certifications_as_a_hard_filter(relevance, market):
    holders = {p["id"] for p in PROFILES if "iso9001" in (p.get("certifications") or [])}
    for res in (relevance, market):
        ids = [x["id"] for x in res["opp-1"]]
        assert ids and set(ids) <= holders


def test_it_ranks_only_the_target_kind(relevance):
    kinds = {p["id"]: p["kind"] for p in PROFILES}
    targets = {q["id"]: q["target"] for q in QUERIES}
    for q, results in relevance.items():
        assert all(kinds[x["id"]] == targets[q] for x in results)


def test_it_finds_uncoded_profiles_from_text_and_spelling_variants(relevance):
    # sme-3 has no codes and writes ｳｴﾊｰ in half width; the query writes ウェハ / ウエハ
    assert relevance["opp-2"][0]["id"] == "sme-3"
    assert relevance["need-1"][0]["id"] == "exp-1"


def test_it_gives_japanese_reasons_naming_the_evidence(relevance):
    top = relevance["opp-1"][0]
    assert top["id"] == "sme-1"
    assert "必須認証: ISO 9001" in top["reasons"]
    assert "分野一致: 半導体" in top["reasons"]
    assert any(r.startswith("キーワード: ") for r in top["reasons"])
    expert = relevance["need-1"][0]
    assert "対応地域: 宮城県" in expert["reasons"]
    assert "課題分野一致: ITツール導入" in expert["reasons"]
    for results in relevance.values():
        for x in results:
            assert x["reasons"] and all(isinstance(r, str) and r for r in x["reasons"])


def test_it_sinks_a_candidate_at_full_capacity_under_the_market_policy(relevance, market):
    rel_ids = [x["id"] for x in relevance["opp-1"]]
    mkt_ids = [x["id"] for x in market["opp-1"]]
    assert "sme-4" in rel_ids and "sme-4" in mkt_ids
    assert mkt_ids.index("sme-4") == len(mkt_ids) - 1


def test_it_rejects_invalid_queries():
    with pytest.raises(InterchangeError) as exc:
        api.rank(PROFILES, [dict(QUERIES[0], target="robot")])
    assert "<queries>:1: field 'target'" in str(exc.value)


def test_it_builds_and_reuses_a_persistent_index(tmp_path):
    api.build(PROFILES, tmp_path / "idx")
    a = api.rank(None, QUERIES, index_dir=tmp_path / "idx", policy="relevance")
    b = api.rank(PROFILES, QUERIES, policy="relevance")
    assert a == b


def test_the_auc_difference_interval_separates_a_real_gain_from_noise():
    import numpy as np

    from ml.learn import auc_diff_interval

    rng = np.random.default_rng(1)
    qs = np.repeat(np.arange(40), 10)
    y = rng.integers(0, 2, len(qs))
    good = y + rng.normal(0, 0.5, len(qs))
    noise = rng.normal(0, 1, len(qs))
    lo, hi = auc_diff_interval(noise, good, y, qs)
    assert lo > 0
    lo, hi = auc_diff_interval(noise, rng.normal(0, 1, len(qs)), y, qs)
    assert lo < 0 < hi


def test_the_fair_exposure_term_only_reorders_and_keeps_lists_valid():
    import numpy as np

    from ml.engine import Candidates, market_rerank

    rows = np.arange(30)
    cands = [Candidates(rows.copy(), np.linspace(0.9, 0.1, 30)) for _ in range(20)]
    remaining = np.full(30, 2)
    plain = market_rerank(cands, remaining, top=5, exposure_weight=0.0)
    fair = market_rerank(cands, remaining, top=5, exposure_weight=2.0)
    shown = lambda lists: {int(r) for rows_, _ in lists for r in rows_}  # noqa: E731
    assert len(shown(fair)) > len(shown(plain))
    for r, _v in fair:
        assert len(r) == 5 and len(set(r.tolist())) == 5
