"""Deterministic demo data for Tsunagu.

`demo.market.build_market(seed)` returns interchange-format profiles and
queries plus demo login personas; `demo.loader` writes them through the
import services; `demo.history` adds months of introduction history.
"""
