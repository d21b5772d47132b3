"""python -m bench [quality] [--seed N] [--queries N] [--no-curve] | python -m bench scale [--n N]"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("what", nargs="?", default="all", choices=("all", "quality", "scale"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--heldout-seed", type=int, default=2026)
    p.add_argument("--sme", type=int, default=2500)
    p.add_argument("--experts", type=int, default=600)
    p.add_argument("--buyers", type=int, default=300)
    p.add_argument("--queries", type=int, default=800)
    p.add_argument("--no-curve", dest="curve", action="store_false", help="skip the fair-exposure curve")
    p.add_argument("--no-learning", action="store_true", help="skip the learning-from-outcomes section")
    p.add_argument("--n", type=int, default=1_000_000, help="scale: number of SME profiles")
    p.add_argument("--rank-queries", type=int, default=1000, help="scale: opportunities to rank")
    args = p.parse_args(argv)
    if args.what in ("all", "quality"):
        from bench.quality import run

        run(args)
    if args.what == "scale":
        from bench.scale import run as run_scale

        run_scale(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
