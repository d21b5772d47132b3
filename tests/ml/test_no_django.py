from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ML = Path(__file__).resolve().parents[2] / "ml"


def test_it_imports_the_engine_without_django():
    code = (
        "import sys, ml, ml.api, ml.cli, ml.engine, ml.index, ml.interchange, ml.learn, ml.text, ml.vocab;"
        "assert 'django' not in sys.modules, 'django imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ML.parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_it_has_no_django_reference_in_ml_sources():
    pattern = re.compile(r"^\s*(from|import)\s+django", re.M)
    offenders = [p for p in ML.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
