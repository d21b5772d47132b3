"""Interchange format: JSON Lines profiles, queries, labels and results.

Pure Python on purpose: the Django import commands call ``read_profiles`` /
``read_queries`` and show ``str(exc)`` of an :class:`InterchangeError`, and
the CLI turns it into exit status 2. Validation covers every line before
anything is returned, so callers never act on a partial file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml.vocab import codes

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# One decoded JSON line: a profile, query, label or result object.
JSONObject = dict[str, Any]
# validate_profile / validate_query / validate_label: reasons an object is bad.
Validator = Callable[[object], list[str]]

PROFILE_KINDS = ("sme", "expert", "buyer")
QUERY_KINDS = ("need", "opportunity")
TARGETS = ("expert", "sme", "buyer")
LABELS = ("accepted", "declined", "deal")

# field -> vocabulary section, for single codes and for lists of codes
_PROFILE_CODE_FIELDS = {
    "prefecture": "prefectures",
    "industry": "industries",
    "expert_type": "expert_types",
}
_PROFILE_CODE_LIST_FIELDS = {
    "sectors": "sectors",
    "capabilities": "capabilities",
    "certifications": "certifications",
    "skills": "need_categories",
    "regions": "prefectures",
}
_PROFILE_INT_FIELDS = ("employees", "capital_jpy", "capacity", "active_engagements")
_PROFILE_STR_FIELDS = ("description",)

_QUERY_CODE_FIELDS = {
    "category": "need_categories",
    "prefecture": "prefectures",
}
_QUERY_CODE_LIST_FIELDS = {
    "sectors": "sectors",
    "required_capabilities": "capabilities",
    "required_certifications": "certifications",
}
_QUERY_STR_FIELDS = ("title", "description")

# Singular names for messages ("unknown prefecture code '99'").
_SECTION_NOUN = {
    "prefectures": "prefecture",
    "industries": "industry",
    "expert_types": "expert type",
    "sectors": "sector",
    "capabilities": "capability",
    "certifications": "certification",
    "need_categories": "need category",
}


@dataclass(frozen=True)
class LineError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class InterchangeError(Exception):
    """One or more bad lines; ``errors`` lists every one of them."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


# --------------------------------------------------------------------------
# validation of single objects


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python, but true/false is not a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_required_str(obj: JSONObject, field: str, errors: list[str], *, non_empty: bool = True) -> None:
    if field not in obj or obj[field] is None:
        errors.append(f"missing required field '{field}'")
    elif not isinstance(obj[field], str):
        errors.append(f"field '{field}': expected a string")
    elif non_empty and not obj[field].strip():
        errors.append(f"field '{field}': must not be empty")


def _check_code(obj: JSONObject, field: str, section: str, errors: list[str]) -> None:
    value = obj.get(field)
    if value is None:
        return  # optional; JSON null is treated as absent
    if not isinstance(value, str):
        errors.append(f"field '{field}': expected a {_SECTION_NOUN[section]} code string")
    elif value not in codes(section):
        errors.append(f"field '{field}': unknown {_SECTION_NOUN[section]} code {value!r}")


def _check_code_list(obj: JSONObject, field: str, section: str, errors: list[str]) -> None:
    value = obj.get(field)
    if value is None:
        return
    if not isinstance(value, list):
        errors.append(f"field '{field}': expected a list of {_SECTION_NOUN[section]} codes")
        return
    known = codes(section)
    for item in value:
        if not isinstance(item, str):
            errors.append(f"field '{field}': expected a list of strings, got {json.dumps(item, ensure_ascii=False)}")
        elif item not in known:
            errors.append(f"field '{field}': unknown {_SECTION_NOUN[section]} code {item!r}")


def _check_str(obj: JSONObject, field: str, errors: list[str]) -> None:
    value = obj.get(field)
    if value is not None and not isinstance(value, str):
        errors.append(f"field '{field}': expected a string")


def _check_nonneg_int(obj: JSONObject, field: str, errors: list[str]) -> None:
    value = obj.get(field)
    if value is None:
        return
    if not _is_int(value):
        errors.append(f"field '{field}': expected an integer >= 0")
    elif value < 0:
        errors.append(f"field '{field}': must be >= 0, got {value}")


def validate_profile(obj: object) -> list[str]:
    """Reasons why ``obj`` is not a valid profile; empty when it is valid."""
    if not isinstance(obj, dict):
        return ["expected a JSON object"]
    errors: list[str] = []
    _check_required_str(obj, "id", errors)
    kind = obj.get("kind")
    if kind is None:
        errors.append("missing required field 'kind'")
    elif kind not in PROFILE_KINDS:
        errors.append(
            f"field 'kind': must be one of {', '.join(PROFILE_KINDS)}, got {json.dumps(kind, ensure_ascii=False)}"
        )
    _check_required_str(obj, "name", errors, non_empty=False)
    for field in _PROFILE_STR_FIELDS:
        _check_str(obj, field, errors)
    for field, section in _PROFILE_CODE_FIELDS.items():
        _check_code(obj, field, section, errors)
    for field, section in _PROFILE_CODE_LIST_FIELDS.items():
        _check_code_list(obj, field, section, errors)
    for field in _PROFILE_INT_FIELDS:
        _check_nonneg_int(obj, field, errors)
    return errors


def validate_query(obj: object) -> list[str]:
    """Reasons why ``obj`` is not a valid query; empty when it is valid."""
    if not isinstance(obj, dict):
        return ["expected a JSON object"]
    errors: list[str] = []
    _check_required_str(obj, "id", errors)
    kind = obj.get("kind")
    if kind is None:
        errors.append("missing required field 'kind'")
    elif kind not in QUERY_KINDS:
        errors.append(
            f"field 'kind': must be one of {', '.join(QUERY_KINDS)}, got {json.dumps(kind, ensure_ascii=False)}"
        )
    _check_required_str(obj, "owner", errors)
    target = obj.get("target")
    if target is None:
        errors.append("missing required field 'target'")
    elif target not in TARGETS:
        errors.append(
            f"field 'target': must be one of {', '.join(TARGETS)}, got {json.dumps(target, ensure_ascii=False)}"
        )
    for field in _QUERY_STR_FIELDS:
        _check_str(obj, field, errors)
    for field, section in _QUERY_CODE_FIELDS.items():
        _check_code(obj, field, section, errors)
    for field, section in _QUERY_CODE_LIST_FIELDS.items():
        _check_code_list(obj, field, section, errors)
    return errors


def validate_label(obj: object) -> list[str]:
    if not isinstance(obj, dict):
        return ["expected a JSON object"]
    errors: list[str] = []
    _check_required_str(obj, "query", errors)
    _check_required_str(obj, "id", errors)
    label = obj.get("label")
    if label is None:
        errors.append("missing required field 'label'")
    elif label not in LABELS:
        errors.append(f"field 'label': must be one of {', '.join(LABELS)}, got {json.dumps(label, ensure_ascii=False)}")
    return errors


# --------------------------------------------------------------------------
# files


# A profile or query is a few KiB; a line beyond this is a broken export (and would cost the
# index gigabytes), so it is refused before it is parsed.
MAX_LINE_BYTES = 1 << 20
# The database stores integers in 64 bits.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _iter_lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, problem) of each non-blank line: text, or None and why it cannot be read.

    Lines are decoded one by one, so a bad byte is reported at its own line
    and the rest of the file is still checked.
    """
    with path.open("rb") as fh:
        lineno = 0
        while raw := fh.readline(MAX_LINE_BYTES + 1):
            lineno += 1
            if len(raw) > MAX_LINE_BYTES:
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line without keeping it
                    raw = fh.readline(MAX_LINE_BYTES)
                yield lineno, None, f"line longer than {MAX_LINE_BYTES // 1024} KiB"
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a BOM written by spreadsheet exports
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield lineno, None, f"not valid UTF-8 (byte {exc.start + 1} of the line: {exc.reason})"
                continue
            if text.strip():
                yield lineno, text, None


def _value_problems(value: object, where: str = "") -> list[str]:
    """Values no field may hold: NUL characters (PostgreSQL refuses them) and integers beyond 64 bits."""
    if isinstance(value, str):
        return [f"field '{where or '?'}': contains a NUL character"] if "\x00" in value else []
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [] if _INT_MIN <= value <= _INT_MAX else [f"field '{where or '?'}': number out of range"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _value_problems(v, f"{where}.{k}" if where else str(k))]
    if isinstance(value, list):
        return [p for v in value for p in _value_problems(v, where)]
    return []


def scan(
    path: str | Path, validate: Validator, *, keep: bool = True, id_field: str | None = "id"
) -> tuple[list[tuple[int, JSONObject]], list[LineError]]:
    """Parse and validate every line: (line number, object) of the good ones, and every error.

    Keeps the objects only when ``keep``. Callers that add checks of their own
    (the Django import) use the line numbers to report them as file:line.
    """
    p = Path(path)
    name = str(path)
    errors: list[LineError] = []
    objs: list[tuple[int, JSONObject]] = []
    seen: dict[str, int] = {}
    try:
        for lineno, line, problem in _iter_lines(p):
            if line is None:
                errors.append(LineError(name, lineno, problem or "unreadable line"))
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(LineError(name, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
                continue
            reasons = _value_problems(obj) or validate(obj)
            if not reasons and id_field is not None:
                oid = obj[id_field]
                if oid in seen:
                    reasons = [f"duplicate id {oid!r} (first seen on line {seen[oid]})"]
                else:
                    seen[oid] = lineno
            errors.extend(LineError(name, lineno, r) for r in reasons)
            if keep and not reasons:
                objs.append((lineno, obj))
    except OSError as exc:
        errors.append(LineError(name, 0, f"cannot read file: {exc.strerror or exc}"))
    return objs, errors


def _read(path: str | Path, validate: Validator, *, id_field: str | None = "id") -> list[JSONObject]:
    objs, errors = scan(path, validate, id_field=id_field)
    if errors:
        raise InterchangeError(errors)
    return [obj for _, obj in objs]


def read_profiles(path: str | Path) -> list[JSONObject]:
    """All profiles of a JSONL file; raises InterchangeError listing every bad line."""
    return _read(path, validate_profile)


def read_queries(path: str | Path) -> list[JSONObject]:
    """All queries of a JSONL file; raises InterchangeError listing every bad line."""
    return _read(path, validate_query)


def read_labels(path: str | Path) -> list[JSONObject]:
    """Outcome labels ``{"query", "id", "label"}``; (query, id) pairs may repeat."""
    return _read(path, validate_label, id_field=None)


def check_profiles(path: str | Path) -> int:
    """Validate a profile file in one streaming pass (keeps only the ids).

    Returns the number of profiles; raises InterchangeError otherwise. The
    index build calls this first so that nothing is written for a bad file.
    """
    _, errors = scan(path, validate_profile, keep=False)
    if errors:
        raise InterchangeError(errors)
    return sum(1 for _ in _iter_lines(Path(path)))


def iter_profiles(path: str | Path, *, validated: bool = False) -> Iterator[JSONObject]:
    """Stream profiles one by one without holding the file in memory.

    Unless ``validated`` is true the whole file is first checked (streaming,
    keeping only ids for the duplicate check), so a bad last line raises
    before the first profile is yielded.
    """
    if not validated:
        check_profiles(path)
    for _, line, _problem in _iter_lines(Path(path)):
        if line is not None:  # unreadable lines were refused by the check above
            yield json.loads(line)


def write_jsonl(objs: Iterable[object], fh: SupportsWrite[str]) -> None:
    for obj in objs:
        fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        fh.write("\n")


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every readable non-blank line, streaming (for files already checked)."""
    return ((lineno, line) for lineno, line, _problem in _iter_lines(Path(path)) if line is not None)
