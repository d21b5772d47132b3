"""bm25s baselines.

* ``BM25Baseline(profiles)``: BM25 over character bigrams of name + description
  (the original baseline, text only).
* ``BM25Baseline(profiles, codes=True)``: the same plus every code as a token:
  sectors, capabilities, certifications, need categories (skills / category),
  expert type, prefecture and expert regions (``pref:NN``; nationwide experts
  carry ``pref:any``). This is the baseline the targets are measured against.
* ``rank(..., capacity_aware=True)``: skips candidates at full capacity, the
  fair market baseline.

The owner and candidates lacking a mandatory certification are skipped.
"""

from __future__ import annotations

import unicodedata

CODE_FIELDS = {
    "sectors": "sec",
    "capabilities": "cap",
    "required_capabilities": "cap",
    "certifications": "cert",
    "required_certifications": "cert",
    "skills": "need",
    "category": "need",
    "expert_type": "et",
}


def bigrams(text: str) -> list[str]:
    t = unicodedata.normalize("NFKC", text or "").lower().replace(" ", "")
    return [t[i : i + 2] for i in range(len(t) - 1)] or ([t] if t else ["<empty>"])


def code_tokens(obj: dict, *, query: bool) -> list[str]:
    out: list[str] = []
    for f, tag in CODE_FIELDS.items():
        v = obj.get(f)
        if not v:
            continue
        for c in [v] if isinstance(v, str) else v:
            out.append(f"#{tag}:{c}")
    if query:
        if obj.get("prefecture"):
            out += [f"#pref:{obj['prefecture']}", "#pref:any"]
    elif obj.get("kind") == "expert":
        regions = obj.get("regions") or []
        out += [f"#pref:{r}" for r in regions] if regions else ["#pref:any"]
    elif obj.get("prefecture"):
        out.append(f"#pref:{obj['prefecture']}")
    return out


def remaining(p: dict) -> int:
    cap = p.get("capacity")
    return max(0, (3 if cap is None else int(cap)) - int(p.get("active_engagements") or 0))


class BM25Baseline:
    """One bm25s index per profile kind."""

    def __init__(self, profiles: list[dict], *, codes: bool = False) -> None:
        import bm25s

        self.codes = codes
        self.by_kind: dict[str, tuple[list[dict], object]] = {}
        for kind in ("sme", "expert", "buyer"):
            rows = [p for p in profiles if p["kind"] == kind]
            if not rows:
                continue
            r = bm25s.BM25()
            r.index([self._doc(p) for p in rows], show_progress=False)
            self.by_kind[kind] = (rows, r)

    def _doc(self, p: dict) -> list[str]:
        toks = bigrams(f"{p.get('name', '')} {p.get('description', '')}")
        return toks + code_tokens(p, query=False) if self.codes else toks

    def _query(self, q: dict) -> list[str]:
        toks = bigrams(f"{q.get('title', '')} {q.get('description', '')}")
        return toks + code_tokens(q, query=True) if self.codes else toks

    def rank(self, queries: list[dict], top: int = 10, *, capacity_aware: bool = False) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for q in queries:
            rows, r = self.by_kind.get(q["target"], ([], None))
            if r is None:
                out[q["id"]] = []
                continue
            k = min(len(rows), top + 200 if capacity_aware else top + 20)
            docs, _scores = r.retrieve([self._query(q)], k=k, show_progress=False)  # type: ignore[attr-defined]
            req = set(q.get("required_certifications") or [])
            ranked = []
            for j in docs[0]:
                p = rows[int(j)]
                if p["id"] == q["owner"] or not req <= set(p.get("certifications") or []):
                    continue
                if capacity_aware and remaining(p) == 0:
                    continue
                ranked.append(p["id"])
                if len(ranked) == top:
                    break
            out[q["id"]] = ranked
        return out
