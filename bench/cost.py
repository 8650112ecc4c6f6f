"""Dollars per 1,000 pages on AWS for the default model: Bedrock and Step Functions.

    .venv/bin/python -m bench.cost [--pages 1 10 300] [--seconds-per-call 1]

From `bench.tokens`' executions (the bedrock provider against the Converse fake, the
default model, the token counts the pipeline records and the dated prices in
tasks/shared/prices.json):

- Bedrock on demand: each document's recorded cost, per 1,000 pages; batch inference: the
  recorded cost of the same document through the batch lane (its tokens at the batch price,
  half the on-demand one, but with no prompt-cache reads).
- Step Functions, all Standard: the execution's billed state transitions (counted from its
  history on the twin) x $0.025 per 1,000.
- Step Functions with an Express inner fan-out: the transitions outside the Map's items
  stay Standard; the Map runs as one Express execution per document ($1.00 per million
  requests + $0.00001667 per GB-second at 64 MB, the duration billed in 100 ms steps). Its
  duration is what the model takes: ceil(chunks / MaxConcurrency) rounds x the seconds of
  one round (the map-reduce benchmark measures one round at 1 s per call).

A document without a Map (one chunk) has no inner fan-out: both Step Functions figures are
the same. Lambda, S3 and DynamoDB are not counted.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from bench import tokens
from bench.asl import fan_out

STANDARD_USD_PER_TRANSITION = 0.025 / 1000
EXPRESS_USD_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_USD_PER_GB_SECOND = 0.00001667
EXPRESS_MEMORY_GB = 64 / 1024
EXPRESS_BILLING_STEP_S = 0.1


def express_usd(seconds: float) -> float:
    """One Express execution of `seconds` at 64 MB."""
    billed = math.ceil(round(seconds / EXPRESS_BILLING_STEP_S, 6)) * EXPRESS_BILLING_STEP_S
    return EXPRESS_USD_PER_REQUEST + billed * EXPRESS_MEMORY_GB * EXPRESS_USD_PER_GB_SECOND


def per_1000_pages(
    row: dict[str, Any], max_concurrency: int, seconds_per_round: float
) -> dict[str, Any]:
    """The dollars per 1,000 pages of one `bench.tokens` row (see the module docstring)."""
    documents = 1000 / row["pages"]
    on_demand = row["usd_per_1000_pages"]
    outer = row["transitions"] - row["inner_transitions"]
    rounds = math.ceil(row["chunks"] / max_concurrency) if row["inner_transitions"] else 0
    express_inner = express_usd(rounds * seconds_per_round) if rounds else 0.0
    standard_inner = row["inner_transitions"] * STANDARD_USD_PER_TRANSITION
    # The model seconds per round at which the Express Map costs what its Standard
    # transitions cost.
    break_even = (
        (standard_inner - EXPRESS_USD_PER_REQUEST)
        / (rounds * EXPRESS_MEMORY_GB * EXPRESS_USD_PER_GB_SECOND)
        if rounds
        else None
    )
    return {
        "pages": row["pages"],
        "chunks": row["chunks"],
        "model": row["model"],
        "prices_as_of": row["prices_as_of"],
        "transitions": row["transitions"],
        "inner_transitions": row["inner_transitions"],
        "bedrock_on_demand": on_demand,
        "bedrock_batch": row["usd_per_1000_pages_batch"],
        "sfn_standard": row["transitions"] * STANDARD_USD_PER_TRANSITION * documents,
        "sfn_express_inner": (outer * STANDARD_USD_PER_TRANSITION + express_inner) * documents,
        "inner_standard": standard_inner * documents,
        "inner_express": express_inner * documents,
        "express_seconds": rounds * seconds_per_round,
        "break_even_s_per_round": break_even,
    }


def costs(rows: list[dict[str, Any]], seconds_per_round: float) -> list[dict[str, Any]]:
    """`per_1000_pages` of every row, with the Map's MaxConcurrency from the ASL."""
    concurrency = fan_out().max_concurrency
    return [per_1000_pages(row, concurrency, seconds_per_round) for row in rows]


def main() -> None:
    """Run bench.tokens' documents and print their dollars per 1,000 pages."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 300])
    parser.add_argument("--seconds-per-call", type=float, default=1.0)
    args = parser.parse_args()
    try:
        rows = costs(tokens.run(args.pages), args.seconds_per_call)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    print(
        f"{'pages':>5} {'chunks':>6} {'trans.':>6} {'inner':>5} {'on-demand':>9} {'batch':>8} "
        f"{'SFN std':>8} {'SFN expr':>8}   ($ per 1,000 pages)"
    )
    for r in rows:
        print(
            f"{r['pages']:>5} {r['chunks']:>6} {r['transitions']:>6} {r['inner_transitions']:>5} "
            f"{r['bedrock_on_demand']:>9.4f} {r['bedrock_batch']:>8.4f} "
            f"{r['sfn_standard']:>8.4f} {r['sfn_express_inner']:>8.4f}"
        )


if __name__ == "__main__":
    main()
