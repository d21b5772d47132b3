"""Deterministic demo data for Tsunagu (pure Python; the 法人番号 rule comes from accounts.rules).

``build_market(seed)`` returns interchange-format profiles and queries plus
demo login personas; see :mod:`demo.market`.
"""

from __future__ import annotations

from demo.market import build_market

__all__ = ["build_market"]
