"""Deterministic demo data for Tsunagu (pure Python, no Django imports).

``build_market(seed)`` returns interchange-format profiles and queries plus
demo login personas; see :mod:`core.demo.market`.
"""

from __future__ import annotations

from core.demo.market import build_market, corporate_number_check_digit

__all__ = ["build_market", "corporate_number_check_digit"]
