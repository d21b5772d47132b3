"""``python -m ml``: index, rank, train, evaluate (see ml/README.md).

Exit status: 0 success, 2 bad input (every bad line as ``file:line: reason``
on stderr, nothing written), 1 any other failure. Progress goes to stderr;
results go to stdout or ``--out`` only once everything succeeded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ml.interchange import InterchangeError, read_labels, read_profiles, read_queries, write_jsonl

if TYPE_CHECKING:
    from ml.index import Index


class BadInput(Exception):
    """Bad input that is not a line of a JSONL file (missing directory, …)."""


def _progress(quiet: bool) -> Callable[[str], None]:
    if quiet:
        return lambda msg: None
    t0 = time.time()

    def p(msg: str) -> None:
        print(f"[{time.time() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    return p


def _positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v


def _write_output(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _need_dir(path: str, what: str, marker: str) -> Path:
    d = Path(path)
    if not (d / marker).exists():
        raise BadInput(f"{path}: not {what} (no {marker})")
    return d


def cmd_index(args: argparse.Namespace) -> int:
    from ml.index import build_index

    progress = _progress(args.quiet)
    build_index(args.profiles, args.out, progress=progress)
    progress(f"index: written to {args.out}")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from ml.engine import rank_index
    from ml.index import Index, build_index
    from ml.learn import load_model

    progress = _progress(args.quiet)
    if bool(args.index) == bool(args.profiles):
        raise BadInput("give exactly one of --index or --profiles")
    # Validate everything before the (possibly slow) index work.
    queries = read_queries(args.queries)
    model = load_model(_need_dir(args.model, "a model directory", "model.json")) if args.model else load_model(None)
    if args.index:
        index = Index.load(_need_dir(args.index, "an index directory", "meta.json"))
        results = rank_index(
            index,
            queries,
            top=args.top,
            policy=args.policy,
            scorer=model.scorer(),
            progress=progress,
            exposure_weight=args.exposure_weight,
        )
    else:
        with tempfile.TemporaryDirectory(prefix="ml-rank-") as tmp:
            build_index(args.profiles, Path(tmp) / "index", progress=progress)
            index = Index.load(Path(tmp) / "index")
            results = rank_index(
                index,
                queries,
                top=args.top,
                policy=args.policy,
                scorer=model.scorer(),
                progress=progress,
                exposure_weight=args.exposure_weight,
            )
            del index
    buf = io.StringIO()
    write_jsonl(results, buf)
    _write_output(buf.getvalue(), args.out)
    return 0


def _index_for(args: argparse.Namespace, tmp: str, progress: Callable[[str], None]) -> Index:
    from ml.index import Index, build_index

    if getattr(args, "index", None):
        return Index.load(_need_dir(args.index, "an index directory", "meta.json"))
    build_index(args.profiles, Path(tmp) / "index", progress=progress)
    return Index.load(Path(tmp) / "index")


def cmd_train(args: argparse.Namespace) -> int:
    from ml.learn import train_model

    progress = _progress(args.quiet)
    profiles = read_profiles(args.profiles)
    queries = read_queries(args.queries)
    labels = read_labels(args.labels)
    with tempfile.TemporaryDirectory(prefix="ml-train-") as tmp:
        index = _index_for(args, tmp, progress)
        try:
            meta = train_model(index, profiles, queries, labels, args.out)
        except ValueError as exc:
            raise BadInput(f"{args.labels}: {exc}") from None
        del index
    progress(f"train: model {meta['version']} written to {args.out}")
    _write_output(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", None)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ml.learn import evaluate_models, load_model

    progress = _progress(args.quiet)
    read_profiles(args.profiles)
    queries = read_queries(args.queries)
    labels = read_labels(args.labels)
    a = load_model(_need_dir(args.model_a, "a model directory", "model.json")) if args.model_a else load_model(None)
    b = load_model(_need_dir(args.model_b, "a model directory", "model.json"))
    with tempfile.TemporaryDirectory(prefix="ml-eval-") as tmp:
        index = _index_for(args, tmp, progress)
        result = evaluate_models(index, a, b, queries, labels)
        del index
    if args.promote_to and result["better"]:
        dest = Path(args.promote_to)
        staging = dest.with_name(dest.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(args.model_b, staging)
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
        result["promoted_to"] = str(dest)
    progress(
        f"evaluate: A={result['a']['model']} auc={result['a'].get('auc')} "
        f"B={result['b']['model']} auc={result['b'].get('auc')} -> {result['decision']}"
    )
    _write_output(json.dumps(result, ensure_ascii=False, indent=1) + "\n", None)
    if args.fail_if_worse and not result["better"]:
        return 3
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ml", description="Tsunagu matching engine")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub = p.add_subparsers(dest="command", required=True)
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress on stderr")

    s = sub.add_parser("index", parents=[quiet], help="build a persistent index from profiles")
    s.add_argument("--profiles", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("rank", parents=[quiet], help="rank candidates for queries")
    s.add_argument("--index")
    s.add_argument("--profiles")
    s.add_argument("--queries", required=True)
    s.add_argument("--top", type=_positive_int, default=10)
    s.add_argument("--policy", choices=("relevance", "market"), default="market")
    s.add_argument("--model", help="trained model directory (default: untrained ranker)")
    s.add_argument(
        "--exposure-weight",
        type=float,
        default=None,
        help="market policy: weight of the fair-exposure term (default: $ML_EXPOSURE_WEIGHT or the engine default)",
    )
    s.add_argument("--out")
    s.set_defaults(func=cmd_rank)

    s = sub.add_parser("train", parents=[quiet], help="fit a ranker on outcome labels")
    s.add_argument("--profiles", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--out", required=True, help="model directory to write")
    s.add_argument("--index", help="reuse a built index of the same profiles")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("evaluate", parents=[quiet], help="compare two models on held-out labels")
    s.add_argument("--profiles", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--model-a", help="current model (default: untrained ranker)")
    s.add_argument("--model-b", required=True, help="candidate model")
    s.add_argument("--promote-to", help="copy model B here when it is better")
    s.add_argument("--fail-if-worse", action="store_true", help="exit 3 when B is not better")
    s.add_argument("--index", help="reuse a built index of the same profiles")
    s.set_defaults(func=cmd_evaluate)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit 2 (argparse)
    try:
        # each sub-command's ``func`` is one of the cmd_* functions above
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except InterchangeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 1
    except Exception as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("ML_DEBUG"):
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
