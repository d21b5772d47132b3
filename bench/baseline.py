"""The bm25s baseline: BM25 over character bigrams of name + description."""

from __future__ import annotations

import unicodedata


def bigrams(text: str) -> list[str]:
    t = unicodedata.normalize("NFKC", text or "").lower().replace(" ", "")
    return [t[i : i + 2] for i in range(len(t) - 1)] or ([t] if t else ["<empty>"])


class BM25Baseline:
    """One bm25s index per profile kind; the owner and certificate-less rows are skipped."""

    def __init__(self, profiles: list[dict]) -> None:
        import bm25s

        self.by_kind: dict[str, tuple[list[dict], object]] = {}
        for kind in ("sme", "expert", "buyer"):
            rows = [p for p in profiles if p["kind"] == kind]
            if not rows:
                continue
            r = bm25s.BM25()
            r.index([bigrams(f"{p.get('name', '')} {p.get('description', '')}") for p in rows], show_progress=False)
            self.by_kind[kind] = (rows, r)

    def rank(self, queries: list[dict], top: int = 10) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for q in queries:
            rows, r = self.by_kind.get(q["target"], ([], None))
            if r is None:
                out[q["id"]] = []
                continue
            k = min(len(rows), top + 20)
            docs, _scores = r.retrieve(
                [bigrams(f"{q.get('title', '')} {q.get('description', '')}")], k=k, show_progress=False
            )
            req = set(q.get("required_certifications") or [])
            ranked = []
            for j in docs[0]:
                p = rows[int(j)]
                if p["id"] == q["owner"] or not req <= set(p.get("certifications") or []):
                    continue
                ranked.append(p["id"])
                if len(ranked) == top:
                    break
            out[q["id"]] = ranked
        return out
