from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC-normalise user text (full-width forms, Kangxi-radical look-alikes)."""
    return unicodedata.normalize("NFKC", text or "").strip()
