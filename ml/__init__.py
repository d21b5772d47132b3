"""Tsunagu matching engine: a plain Python library with a command line.

No Django imports anywhere in this package (a test enforces it): the
interchange format in ``shared/interchange/README.md`` is the only thing
that crosses between the web apps and the engine.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
