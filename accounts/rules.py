"""Pure business rules of accounts: 法人番号 check digit and SME size class.

Kept free of models so they can be tested at every boundary value cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reference.vocabulary import entries

SizeClass = Literal["small", "sme", "large"]


@dataclass(frozen=True)
class SizeRule:
    """Limits of one industry: SME when capital OR employees are within; 小規模 by employees."""

    sme_max_capital_jpy: int
    sme_max_employees: int
    small_max_employees: int


@dataclass(frozen=True)
class IndustryException:
    """A 政令 sub-industry whose limits differ from its parent industry's."""

    industry: str  # the vocabulary industry it belongs to
    rule: SizeRule
    citation: str


# Sub-industries with their own limits. The vocabulary's `industries` section has the
# five statutory groups only; these are the exceptions layered on top of them.
#
# - SME limits: 中小企業基本法 第2条第1項 as modified by 中小企業基本法施行令 第1条
#   (中小企業関連立法における政令指定業種): ゴム製品製造業 (自動車又は航空機用タイヤ及び
#   チューブ製造業並びに工業用ベルト製造業を除く) ¥300M / 900 people; ソフトウェア業又は
#   情報処理サービス業 ¥300M / 300; 旅館業 ¥50M / 200.
# - 小規模 limits: 中小企業基本法 第2条第5項 (商業・サービス業 5, others 20) and
#   the 政令 of the SME-related laws raising it for 宿泊業・娯楽業 to 20; seed 002 L81–82: "商業・サービス業
#   (宿泊業・娯楽業除く) 常時使用する従業員の数 5人以下; サービス業のうち宿泊業・娯楽業 20人以下".
#   ソフトウェア業・情報処理サービス業 stay サービス業 for 小規模 (5).
# "Employees" is 常時使用する従業員: owners, part-timers and casual staff are not counted (seed 002 L97).
INDUSTRY_EXCEPTIONS: dict[str, IndustryException] = {
    "rubber_products": IndustryException(
        industry="manufacturing",
        rule=SizeRule(sme_max_capital_jpy=300_000_000, sme_max_employees=900, small_max_employees=20),
        citation="中小企業基本法施行令 第1条 (ゴム製品製造業)",
    ),
    "software_it": IndustryException(
        industry="services",
        rule=SizeRule(sme_max_capital_jpy=300_000_000, sme_max_employees=300, small_max_employees=5),
        citation="中小企業基本法施行令 第1条 (ソフトウェア業・情報処理サービス業)",
    ),
    "ryokan": IndustryException(
        industry="services",
        rule=SizeRule(sme_max_capital_jpy=50_000_000, sme_max_employees=200, small_max_employees=20),
        citation="中小企業基本法施行令 第1条 (旅館業); 小規模: 宿泊業 20人以下 (seed 002 L82)",
    ),
    "entertainment": IndustryException(
        industry="services",
        rule=SizeRule(sme_max_capital_jpy=50_000_000, sme_max_employees=100, small_max_employees=20),
        citation="中小企業基本法 第2条 (サービス業); 小規模: 娯楽業 20人以下 (seed 002 L82)",
    ),
}


def size_rule(industry: str | None, industry_detail: str | None = None) -> SizeRule:
    """The limits that apply: the 政令 sub-industry's when given, else the industry's ('other' if unknown)."""
    exception = INDUSTRY_EXCEPTIONS.get(industry_detail or "")
    if exception is not None:
        return exception.rule
    industries = entries("industries")
    rule = industries.get(industry or "other") or industries["other"]
    return SizeRule(
        sme_max_capital_jpy=int(rule["sme_max_capital_jpy"]),
        sme_max_employees=int(rule["sme_max_employees"]),
        small_max_employees=int(rule["small_max_employees"]),
    )


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


def size_class(
    industry: str | None,
    capital_jpy: int | None,
    employees: int | None,
    industry_detail: str | None = None,
) -> SizeClass | None:
    """SME size class by 中小企業基本法.

    An enterprise is an SME when its capital OR its employee count (常時使用する
    従業員) is within its industry's limit; it is 小規模 when, being an SME, its
    employees are within the small limit. A 政令 sub-industry (`industry_detail`,
    see INDUSTRY_EXCEPTIONS) replaces its industry's limits. Unknown industries
    use the 'other' thresholds (as the vocabulary says). Returns None when
    nothing is known.
    """
    if capital_jpy is None and employees is None:
        return None
    rule = size_rule(industry, industry_detail)
    within_capital = capital_jpy is not None and capital_jpy <= rule.sme_max_capital_jpy
    within_employees = employees is not None and employees <= rule.sme_max_employees
    if not (within_capital or within_employees):
        return "large"
    if employees is not None and employees <= rule.small_max_employees:
        return "small"
    return "sme"
