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
