"""Reasons people can trust: content words as written, no function words or bare numbers."""

from __future__ import annotations

import re
import sys
from pathlib import Path as _P

import pytest

from ml import api
from ml.text import keyword_surfaces

sys.path.insert(0, str(_P(__file__).resolve().parent))
from ml_test_market import PROFILES, QUERIES

EVIDENCE_KINDS = {
    "sector",
    "capability",
    "certification",
    "need_category",
    "expert_type",
    "region",
    "keyword",
    "nationwide",
}
_EXTRA_PROFILES = [
    {
        "id": "exp-x1",
        "kind": "expert",
        "name": "真空 太郎",
        "prefecture": "04",
        "description": "真空チャンバーの設計を26年担当しておりました。"
        "来月から宮城県で相談を受けに来ることになっております。",
        "expert_type": "tech_adviser",
        "regions": ["04"],
        "capacity": 2,
    }
]
_EXTRA_QUERIES = [
    {
        "id": "need-x1",
        "kind": "need",
        "owner": "sme-1",
        "target": "expert",
        "title": "真空チャンバーのリークが26回も出ております",
        "description": "2024年4月から来る注文に間に合わせたい。"
        "真空チャンバーの溶接に詳しい方に来ていただき、原因を出してほしいと考えております。",
        "prefecture": "04",
    }
]


@pytest.fixture(scope="module")
def results():
    return api.rank(PROFILES + _EXTRA_PROFILES, QUERIES + _EXTRA_QUERIES, policy="relevance", top=5)


def _keywords(reason: str) -> list[str]:
    return reason.split(": ", 1)[1].split("、") if reason.startswith("キーワード: ") else []


def test_no_reason_contains_a_function_word_or_a_bare_number(results):
    from sudachipy import Dictionary

    tok = Dictionary(dict="core").tokenizer()
    seen_keyword = False
    for line in results:
        for r in line["results"]:
            assert r["reasons"]
            for reason in r["reasons"]:
                assert not re.search(r"\d\.\d", reason), reason  # no raw similarity scores
                for kw in _keywords(reason):
                    seen_keyword = True
                    assert not re.search(r"\d", kw), (kw, reason)  # no numbers, dates or counts
                    for m in tok.tokenize(kw):
                        pos = m.part_of_speech()
                        assert pos[0] not in ("助詞", "助動詞", "動詞", "接続詞", "感動詞"), (kw, pos)
                        assert pos[1] not in ("数詞", "代名詞"), (kw, pos)
                    assert kw not in ("おる", "来る", "出す", "居る", "為る")
    assert seen_keyword


def test_keywords_are_shown_as_the_user_wrote_them(results):
    res = {line["query"]: line["results"] for line in results}["need-x1"]
    assert res and res[0]["id"] == "exp-x1"
    kws = [k for reason in res[0]["reasons"] for k in _keywords(reason)]
    assert any("チャンバー" in k for k in kws), res[0]["reasons"]
    assert not any("チヤンバ" in k for k in kws)


def test_keyword_surfaces_keep_nouns_only():
    s = keyword_surfaces("真空チャンバーの溶接をお願いしております。26個を来月出す予定です。")
    assert "チャンバー" in "".join(s.values())
    assert all(not re.search(r"\d", v) for v in s.values())
    assert not {"おる", "出す", "来る"} & set(s.values())


def test_results_carry_evidence_and_a_readable_relevance(results):
    for line in results:
        for r in line["results"]:
            assert 0 <= r["relevance"] <= 100
            for e in r["evidence"]:
                assert e["kind"] in EVIDENCE_KINDS
                assert ("code" in e) or ("text" in e) or e["kind"] == "nationwide"
    res = {line["query"]: line["results"] for line in results}["need-x1"][0]
    kinds = {e["kind"] for e in res["evidence"]}
    assert "region" in kinds and "keyword" in kinds
