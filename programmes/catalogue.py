"""The shipped programme catalogue (programmes/data/programmes.json), with figures cited from the seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "data" / "programmes.json"


def catalogue_rows(path: Path = CATALOGUE) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return rows
