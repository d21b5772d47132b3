"""Tests for the deterministic demo market (pure Python, no database).

Run alone with:
    .venv/bin/python -m pytest tests/core/test_demo_market.py -p no:django -q
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from accounts.rules import corporate_number_check_digit
from accounts.rules import corporate_number_is_valid as is_valid_corporate_number
from demo.market import build_market, format_yen, make_corporate_number, to_fullwidth

VOCAB_PATH = Path(__file__).resolve().parents[2] / "ml" / "data" / "vocabulary.json"
TOHOKU = {"02", "03", "04", "05", "06", "07"}


@pytest.fixture(scope="module")
def vocab() -> dict[str, Any]:
    with VOCAB_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@pytest.fixture(scope="module")
def codes(vocab: dict[str, Any]) -> dict[str, set[str]]:
    return {
        key: {e["code"] for e in vocab[key]}
        for key in (
            "prefectures",
            "sectors",
            "capabilities",
            "certifications",
            "need_categories",
            "expert_types",
            "industries",
        )
    }


@pytest.fixture(scope="module")
def market() -> dict[str, Any]:
    return build_market()


def _by_kind(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [x for x in items if x["kind"] == kind]


# ------------------------------------------------------------ 法人番号


def test_make_corporate_number_uses_the_check_digit() -> None:
    base = "123456789012"
    assert make_corporate_number(base) == f"{corporate_number_check_digit(base)}{base}"
    assert is_valid_corporate_number(make_corporate_number(base))


def test_helpers() -> None:
    assert to_fullwidth("ISO9001 A-1") == "ＩＳＯ９００１ Ａ-１"
    assert format_yen(500_000) == "50万円"
    assert format_yen(85_000_000) == "8,500万円"
    assert format_yen(320_000_000) == "3億2,000万円"
    assert format_yen(200_000_000) == "2億円"


# ------------------------------------------------------------ shape and counts


def test_top_level_shape(market: dict[str, Any]) -> None:
    assert set(market) == {"profiles", "queries", "personas"}


def test_counts(market: dict[str, Any]) -> None:
    profiles, queries = market["profiles"], market["queries"]
    assert len(_by_kind(profiles, "sme")) >= 320
    assert len(_by_kind(profiles, "expert")) >= 45
    assert len(_by_kind(profiles, "buyer")) >= 18
    assert len(_by_kind(queries, "need")) >= 170
    assert len(_by_kind(queries, "opportunity")) >= 45


def test_determinism() -> None:
    a = json.dumps(build_market(20261123), ensure_ascii=False, sort_keys=False)
    b = json.dumps(build_market(20261123), ensure_ascii=False, sort_keys=False)
    assert a == b
    c = json.dumps(build_market(7), ensure_ascii=False)
    assert c != a


def test_other_seed_is_also_valid(codes: dict[str, set[str]]) -> None:
    m = build_market(12345)
    _check_profiles(m["profiles"], codes)
    _check_queries(m["queries"], m["profiles"], codes)


def test_ids_unique_and_formatted(market: dict[str, Any]) -> None:
    ids = [x["id"] for x in market["profiles"] + market["queries"]]
    assert len(ids) == len(set(ids))
    patterns = {
        "sme": r"sme-\d{4}",
        "expert": r"expert-\d{4}",
        "buyer": r"buyer-\d{4}",
        "need": r"need-\d{4}",
        "opportunity": r"opp-\d{4}",
    }
    for x in market["profiles"] + market["queries"]:
        assert re.fullmatch(patterns[x["kind"]], x["id"]), x["id"]


def test_output_is_json_serialisable(market: dict[str, Any]) -> None:
    text = json.dumps(market, ensure_ascii=False)
    assert json.loads(text) == market
    for p in market["profiles"]:
        assert not any(k.startswith("_") for k in p), p["id"]


# ------------------------------------------------------------ validity against the vocabulary


def _is_nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_profiles(profiles: list[dict[str, Any]], codes: dict[str, set[str]]) -> None:
    for p in profiles:
        pid = p["id"]
        assert p["kind"] in {"sme", "expert", "buyer"}
        assert isinstance(p["name"], str) and p["name"], pid
        assert p["prefecture"] in codes["prefectures"], pid
        assert isinstance(p["description"], str) and p["description"], pid
        assert set(p.get("sectors", [])) <= codes["sectors"], pid
        for key in ("capacity", "active_engagements"):
            if key in p:
                assert _is_nonneg_int(p[key]), (pid, key)
        assert "@" in p["email"] and p["email"].endswith(".jp"), pid
        assert re.fullmatch(r"0\d{1,4}-\d{1,4}-\d{4}", p["phone"]), (pid, p["phone"])
        assert p["contact_name"], pid
        if p["kind"] == "sme":
            assert set(p.get("capabilities", [])) <= codes["capabilities"], pid
            assert set(p.get("certifications", [])) <= codes["certifications"], pid
            if "industry" in p:
                assert p["industry"] in codes["industries"], pid
            for key in ("employees", "capital_jpy"):
                if key in p:
                    assert _is_nonneg_int(p[key]), (pid, key)
        elif p["kind"] == "expert":
            assert p["expert_type"] in codes["expert_types"], pid
            assert p["skills"] and set(p["skills"]) <= codes["need_categories"], pid
            assert set(p["regions"]) <= codes["prefectures"], pid
            assert 1 <= p["capacity"] <= 5, pid
            assert p["active_engagements"] <= p["capacity"], pid
        else:
            assert p["sectors"], pid
            assert p["capacity"] >= 1, pid


def _check_queries(queries: list[dict[str, Any]], profiles: list[dict[str, Any]], codes: dict[str, set[str]]) -> None:
    kinds = {p["id"]: p["kind"] for p in profiles}
    for q in queries:
        qid = q["id"]
        assert q["kind"] in {"need", "opportunity"}
        assert q["target"] in {"expert", "sme", "buyer"}, qid
        assert q["title"] and q["description"], qid
        assert set(q.get("sectors", [])) <= codes["sectors"], qid
        if "prefecture" in q:
            assert q["prefecture"] in codes["prefectures"], qid
        if q["kind"] == "need":
            assert kinds[q["owner"]] == "sme", qid
            assert q["target"] in {"expert", "buyer"}, qid
            if "category" in q:
                assert q["category"] in codes["need_categories"], qid
        else:
            assert kinds[q["owner"]] == "buyer", qid
            assert q["target"] == "sme", qid
            assert set(q.get("required_capabilities", [])) <= codes["capabilities"], qid
            assert set(q["required_certifications"]) <= codes["certifications"], qid
            deadline = dt.date.fromisoformat(q["deadline"])
            assert dt.date(2026, 12, 1) <= deadline <= dt.date(2027, 6, 30), qid
            assert _is_nonneg_int(q["budget_jpy"]) and q["budget_jpy"] > 0, qid
            assert isinstance(q["restricted"], bool), qid
            assert q["status"] in {"open", "draft", "closed"}, qid


def test_profiles_valid(market: dict[str, Any], codes: dict[str, set[str]]) -> None:
    _check_profiles(market["profiles"], codes)


def test_queries_valid(market: dict[str, Any], codes: dict[str, set[str]]) -> None:
    _check_queries(market["queries"], market["profiles"], codes)


# ------------------------------------------------------------ SMEs


def test_sme_names_unique_and_japanese(market: dict[str, Any]) -> None:
    names = [p["name"] for p in market["profiles"]]
    assert len(names) == len(set(names))
    smes = _by_kind(market["profiles"], "sme")
    legal = sum(1 for p in smes if re.search("株式会社|有限会社|合同会社", p["name"]))
    assert legal >= len(smes) - 12
    forms = Counter(
        re.search("株式会社|有限会社|合同会社", p["name"]).group(0)  # type: ignore[union-attr]
        for p in smes
        if re.search("株式会社|有限会社|合同会社", p["name"])
    )
    assert len(forms) == 3
    assert sum(p["name"].endswith("株式会社") for p in smes) >= 30
    assert sum(p["name"].startswith("株式会社") for p in smes) >= 60


def test_corporate_numbers(market: dict[str, Any]) -> None:
    smes = _by_kind(market["profiles"], "sme")
    numbers = [p["corporate_number"] for p in smes if "corporate_number" in p]
    assert len(numbers) == len(set(numbers))
    assert all(is_valid_corporate_number(n) for n in numbers)
    sole = [p for p in smes if "corporate_number" not in p]
    assert 3 <= len(sole) <= 20  # 個人事業主
    for p in sole:
        assert not re.search("株式会社|有限会社|合同会社", p["name"])


def test_tohoku_share(market: dict[str, Any]) -> None:
    smes = _by_kind(market["profiles"], "sme")
    share = sum(p["prefecture"] in TOHOKU for p in smes) / len(smes)
    assert 0.55 <= share <= 0.65
    assert {p["prefecture"] for p in smes} >= TOHOKU
    assert len({p["prefecture"] for p in smes if p["prefecture"] not in TOHOKU}) >= 25


def test_sme_sizes_span_small_medium_large(market: dict[str, Any], vocab: dict[str, Any]) -> None:
    ind = {e["code"]: e for e in vocab["industries"]}
    small = medium = large = 0
    for p in _by_kind(market["profiles"], "sme"):
        if "employees" not in p or "industry" not in p:
            continue
        t = ind[p["industry"]]
        emp, cap = p["employees"], p["capital_jpy"]
        if emp > t["sme_max_employees"] and cap > t["sme_max_capital_jpy"]:
            large += 1
        elif emp <= t["small_max_employees"]:
            small += 1
        else:
            medium += 1
    assert small >= 40
    assert medium >= 60
    assert 2 <= large <= 15


def test_codes_missing_share(market: dict[str, Any]) -> None:
    smes = _by_kind(market["profiles"], "sme")
    missing = sum("capabilities" not in p and "sectors" not in p for p in smes) / len(smes)
    assert 0.22 <= missing <= 0.38
    needs = _by_kind(market["queries"], "need")
    no_cat = sum("category" not in q for q in needs) / len(needs)
    assert 0.40 <= no_cat <= 0.60
    opps = _by_kind(market["queries"], "opportunity")
    no_caps = sum("required_capabilities" not in q for q in opps) / len(opps)
    assert 0.30 <= no_caps <= 0.60


def test_certifications_coherent_with_sectors(market: dict[str, Any]) -> None:
    implied = {
        "jisq9100": "aerospace",
        "iatf16949": "automotive",
        "iso13485": "medical_devices",
        "mod_qualified": "defense",
        "haccp": "food",
    }
    smes = [p for p in _by_kind(market["profiles"], "sme") if "certifications" in p]
    for p in smes:
        for cert, sector in implied.items():
            if cert in p["certifications"] and p["id"] != "sme-0001":
                assert sector in p["sectors"], (p["id"], cert)
    held = Counter(c for p in smes for c in p["certifications"])
    assert held["iso9001"] >= 50
    for cert in ("jisq9100", "iatf16949"):
        assert held[cert] >= 3, cert
    for cert in ("mod_qualified", "iso13485", "haccp"):
        assert held[cert] >= 1, cert


def test_no_unfilled_placeholders(market: dict[str, Any]) -> None:
    for x in market["profiles"] + market["queries"]:
        for key in ("name", "title", "description"):
            if key in x:
                assert not re.search(r"[{}]", x[key]), (x["id"], key, x[key])


def test_descriptions_length(market: dict[str, Any]) -> None:
    for x in _by_kind(market["profiles"], "sme") + market["queries"]:
        assert 80 <= len(x["description"]) <= 400, (x["id"], len(x["description"]))


# ------------------------------------------------------------ experts and buyers


def test_experts(market: dict[str, Any], codes: dict[str, set[str]]) -> None:
    experts = _by_kind(market["profiles"], "expert")
    types = Counter(p["expert_type"] for p in experts)
    for t in ("innovation_producer", "dx_coordinator", "yorozu_adviser", "it_expert", "sme_consultant"):
        assert types[t] >= 3, t
    assert any(p["regions"] == [] for p in experts)
    assert any(p["active_engagements"] > 0 for p in experts)
    assert any(p["active_engagements"] == p["capacity"] for p in experts)
    assert len({p["name"] for p in experts}) == len(experts)


def test_buyers_in_growth_sectors(market: dict[str, Any]) -> None:
    buyers = _by_kind(market["profiles"], "buyer")
    sectors = Counter(s for b in buyers for s in b["sectors"])
    assert sectors["semiconductor"] >= 4
    assert sectors["defense"] + sectors["aerospace"] >= 4
    assert sectors["automotive"] + sectors["ev_battery"] >= 4


# ------------------------------------------------------------ queries


def test_needs_targets_and_owners(market: dict[str, Any]) -> None:
    needs = _by_kind(market["queries"], "need")
    targets = Counter(q["target"] for q in needs)
    assert targets["expert"] > targets["buyer"] >= 10
    assert len({q["owner"] for q in needs}) >= 100


def test_opportunities_certifications_satisfiable(market: dict[str, Any]) -> None:
    smes = [p for p in _by_kind(market["profiles"], "sme") if "certifications" in p]
    opps = _by_kind(market["queries"], "opportunity")
    assert sum(bool(q["required_certifications"]) for q in opps) >= 15
    for q in opps:
        req = set(q["required_certifications"])
        holders = [p for p in smes if req <= set(p["certifications"])]
        assert holders, q["id"]
        caps = set(q.get("required_capabilities", []))
        if caps:
            assert any(caps & set(p["capabilities"]) for p in holders), q["id"]


def test_opportunity_extras(market: dict[str, Any]) -> None:
    opps = _by_kind(market["queries"], "opportunity")
    status = Counter(q["status"] for q in opps)
    assert status["open"] > len(opps) // 2
    assert status["draft"] + status["closed"] >= 2
    restricted = [q for q in opps if q["restricted"]]
    assert restricted
    buyers = {p["id"]: p for p in _by_kind(market["profiles"], "buyer")}
    for q in restricted:
        assert "defense" in buyers[q["owner"]]["sectors"], q["id"]


def test_text_variety(market: dict[str, Any]) -> None:
    needs = _by_kind(market["queries"], "need")
    descs = [q["description"] for q in needs]
    assert len(set(descs)) / len(descs) >= 0.95
    heads = {unicodedata.normalize("NFKC", d)[:10] for d in descs}
    assert len(heads) >= 0.6 * len(descs)
    titles = [q["title"] for q in needs]
    assert len(set(titles)) >= 0.5 * len(titles)
    opps = _by_kind(market["queries"], "opportunity")
    assert len({q["description"] for q in opps}) == len(opps)
    smes = _by_kind(market["profiles"], "sme")
    sme_descs = [p["description"] for p in smes]
    assert len(set(sme_descs)) == len(sme_descs)
    assert len({unicodedata.normalize("NFKC", d)[:10] for d in sme_descs}) >= 0.6 * len(smes)
    # spelling variants and full-width forms both occur
    all_text = "".join(descs + [q["description"] for q in opps] + sme_descs)
    assert sum(v in all_text for v in ("ウエハー", "ウェハ", "ウェーハ")) >= 2
    assert re.search("[０-９Ａ-Ｚ]", all_text)


def test_regional_and_programme_colour(market: dict[str, Any]) -> None:
    text = "".join(x["description"] for x in market["profiles"] + market["queries"])
    places = ("北上市", "仙台市", "いわき市", "八戸市", "米沢市", "秋田", "鶴岡市", "会津")
    assert sum(word in text for word in places) >= 6
    for word in ("Go-Tech", "IT導入補助金", "価格転嫁", "事業承継", "未着手", "途上"):
        assert word in unicodedata.normalize("NFKC", text), word


# ------------------------------------------------------------ personas


def test_personas(market: dict[str, Any]) -> None:
    personas = market["personas"]
    assert set(personas) == {"sme", "expert", "buyer", "bureau"}
    ids = {p["id"]: p for p in market["profiles"]}
    for role in ("sme", "expert", "buyer"):
        assert personas[role]["email"].endswith("@demo.tsunagu.jp")
        assert personas[role]["password"]
        assert ids[personas[role]["profile_id"]]["kind"] == role
    assert personas["bureau"]["prefecture"] == "04"
    emails = [p["email"] for p in personas.values()]
    assert len(set(emails)) == len(emails)

    sme_id = personas["sme"]["profile_id"]
    needs = [q for q in market["queries"] if q["kind"] == "need" and q["owner"] == sme_id]
    assert len(needs) >= 3
    expert = ids[personas["expert"]["profile_id"]]
    sme = ids[sme_id]
    matched = [q for q in needs if q.get("category") in expert["skills"]]
    assert len(matched) >= 2
    assert expert["regions"] == [] or sme["prefecture"] in expert["regions"]

    buyer_id = personas["buyer"]["profile_id"]
    opps = [q for q in market["queries"] if q["kind"] == "opportunity" and q["owner"] == buyer_id]
    assert opps
    assert any(
        set(q["required_certifications"]) <= set(sme["certifications"])
        and set(q.get("required_capabilities", [])) & set(sme["capabilities"])
        for q in opps
    )
