from __future__ import annotations

import pytest

from accounts.rules import corporate_number_check_digit, corporate_number_is_valid, size_class
from ml.vocab import load_vocabulary

INDUSTRIES = {e["code"]: e for e in load_vocabulary()["industries"]}

# (industry, capital limit, employee limit, small limit) straight from 中小企業基本法.
LAW = [
    ("manufacturing", 300_000_000, 300, 20),
    ("wholesale", 100_000_000, 100, 5),
    ("retail", 50_000_000, 50, 5),
    ("services", 50_000_000, 100, 5),
    ("other", 300_000_000, 300, 20),
]


def test_it_ships_the_thresholds_of_the_law() -> None:
    for code, capital, employees, small in LAW:
        rule = INDUSTRIES[code]
        assert (rule["sme_max_capital_jpy"], rule["sme_max_employees"], rule["small_max_employees"]) == (
            capital,
            employees,
            small,
        )


@pytest.mark.parametrize(("industry", "cap", "emp", "small"), LAW)
def test_it_derives_size_class_at_every_boundary(industry: str, cap: int, emp: int, small: int) -> None:
    huge_capital = cap * 100
    huge_staff = emp * 100
    # Employees alone decide when capital is above the limit.
    assert size_class(industry, huge_capital, small) == "small"
    assert size_class(industry, huge_capital, small + 1) == "sme"
    assert size_class(industry, huge_capital, emp) == "sme"
    assert size_class(industry, huge_capital, emp + 1) == "large"
    # Capital alone decides when employees are above the limit.
    assert size_class(industry, cap, huge_staff) == "sme"
    assert size_class(industry, cap + 1, huge_staff) == "large"
    # Either criterion within the limit is enough (OR, not AND).
    assert size_class(industry, cap, emp + 1) == "sme"
    assert size_class(industry, cap + 1, emp) == "sme"
    # Small needs few employees; a small capital with many staff is not small.
    assert size_class(industry, 1_000_000, small) == "small"
    assert size_class(industry, 1_000_000, small + 1) == "sme"
    assert size_class(industry, 0, 0) == "small"
    # Only one figure known.
    assert size_class(industry, None, small) == "small"
    assert size_class(industry, None, emp + 1) == "large"
    assert size_class(industry, cap, None) == "sme"
    assert size_class(industry, cap + 1, None) == "large"


def test_it_returns_none_when_nothing_is_known() -> None:
    assert size_class("manufacturing", None, None) is None


def test_it_uses_other_thresholds_for_unknown_industries() -> None:
    assert size_class("", 300_000_000, 301) == "sme"
    assert size_class("", 300_000_001, 301) == "large"


def test_it_computes_corporate_number_check_digits() -> None:
    # 国税庁's published example: 法人番号 7000012050002 (国税庁 itself).
    assert corporate_number_check_digit("000012050002") == 7
    assert corporate_number_is_valid("7000012050002")
    assert not corporate_number_is_valid("8000012050002")
    assert not corporate_number_is_valid("700001205000")
    assert not corporate_number_is_valid("70000120500A2")


# (sub-industry, industry, capital limit, employee limit, small limit): 中小企業基本法施行令 第1条 and seed 002 L81–82.
EXCEPTIONS = [
    ("rubber_products", "manufacturing", 300_000_000, 900, 20),
    ("software_it", "services", 300_000_000, 300, 5),
    ("ryokan", "services", 50_000_000, 200, 20),
    ("entertainment", "services", 50_000_000, 100, 20),
]


def test_it_ships_the_cabinet_order_exceptions() -> None:
    from accounts.models import IndustryDetail
    from accounts.rules import INDUSTRY_EXCEPTIONS

    assert set(INDUSTRY_EXCEPTIONS) == set(IndustryDetail.values)
    for code, industry, capital, employees, small in EXCEPTIONS:
        exception = INDUSTRY_EXCEPTIONS[code]
        assert exception.industry == industry and exception.citation
        rule = exception.rule
        assert (rule.sme_max_capital_jpy, rule.sme_max_employees, rule.small_max_employees) == (
            capital,
            employees,
            small,
        )


@pytest.mark.parametrize(("detail", "industry", "cap", "emp", "small"), EXCEPTIONS)
def test_it_applies_the_exceptions_at_every_boundary(
    detail: str, industry: str, cap: int, emp: int, small: int
) -> None:
    huge_capital = cap * 100
    assert size_class(industry, huge_capital, small, detail) == "small"
    assert size_class(industry, huge_capital, small + 1, detail) == "sme"
    assert size_class(industry, huge_capital, emp, detail) == "sme"
    assert size_class(industry, huge_capital, emp + 1, detail) == "large"
    assert size_class(industry, cap, emp * 100, detail) == "sme"
    assert size_class(industry, cap + 1, emp * 100, detail) == "large"
    assert size_class(industry, cap + 1, None, detail) == "large"
    assert size_class(industry, cap, None, detail) == "sme"


def test_the_exceptions_change_the_answer_of_the_parent_industry() -> None:
    # A rubber products maker with 500 people and ¥1bn: large as plain manufacturing, an SME by the 政令.
    assert size_class("manufacturing", 1_000_000_000, 500) == "large"
    assert size_class("manufacturing", 1_000_000_000, 500, "rubber_products") == "sme"
    # Software house with ¥200M capital: large as plain services, an SME by the 政令.
    assert size_class("services", 200_000_000, 250) == "large"
    assert size_class("services", 200_000_000, 250, "software_it") == "sme"
    # An inn with 150 people: large as services (> 100), SME as 旅館業 (≤ 200); 小規模 up to 20, not 5.
    assert size_class("services", 100_000_000, 150, "ryokan") == "sme"
    assert size_class("services", 100_000_000, 20) == "sme"
    assert size_class("services", 100_000_000, 20, "ryokan") == "small"
    assert size_class("services", 100_000_000, 20, "entertainment") == "small"
    # An unknown sub-industry code is ignored.
    assert size_class("services", 100_000_000, 20, "nonsense") == "sme"


@pytest.mark.django_db
def test_the_organisation_derives_its_size_from_the_sub_industry_and_checks_it_fits() -> None:
    from django.core.exceptions import ValidationError

    from tests.factories import OrganisationFactory

    org = OrganisationFactory(industry="services", capital_jpy=100_000_000, employees=20)
    assert org.size_class == "sme"
    org.industry_detail = "ryokan"
    assert org.size_class == "small"
    org.full_clean(exclude=["vetted_by"])
    org.industry = "manufacturing"
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean(exclude=["vetted_by"])
    assert "industry_detail" in excinfo.value.message_dict
