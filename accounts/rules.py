"""Pure business rules of accounts: 法人番号 check digit and SME size class.

Kept free of models so they can be tested at every boundary value cheaply.
"""

from __future__ import annotations

from typing import Literal

from reference.vocabulary import entries

SizeClass = Literal["small", "sme", "large"]


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a 法人番号 (National Tax Agency rule).

    The 12 base digits are weighted 1, 2, 1, 2, … counting from the rightmost
    one; the check digit is 9 - (weighted sum mod 9) and is written first.
    """
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("base must be 12 digits")
    total = 0
    for position, char in enumerate(reversed(base12), start=1):
        total += int(char) * (1 if position % 2 else 2)
    return 9 - total % 9


def corporate_number_is_valid(number: str) -> bool:
    # ASCII only: str.isdigit() also accepts full-width and other scripts' digits, which would
    # store one number under several spellings (callers normalise with NFKC first).
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    return int(number[0]) == corporate_number_check_digit(number[1:])


def size_class(industry: str | None, capital_jpy: int | None, employees: int | None) -> SizeClass | None:
    """SME size class by 中小企業基本法.

    An enterprise is an SME when its capital OR its employee count is within
    its industry's limit; it is 小規模 when, being an SME, its employees are
    within the small limit. Unknown industries use the 'other' thresholds
    (as the vocabulary says). Returns None when nothing is known.
    """
    if capital_jpy is None and employees is None:
        return None
    industries = entries("industries")
    rule = industries.get(industry or "other") or industries["other"]
    within_capital = capital_jpy is not None and capital_jpy <= rule["sme_max_capital_jpy"]
    within_employees = employees is not None and employees <= rule["sme_max_employees"]
    if not (within_capital or within_employees):
        return "large"
    if employees is not None and employees <= rule["small_max_employees"]:
        return "small"
    return "sme"
