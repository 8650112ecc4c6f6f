"""Model tokens and cost per document on the bedrock provider, against the Converse fake.

    .venv/bin/python -m bench.tokens [--pages 1 10 300]

For each size it runs a generated report through the offline pipeline with
DOCPIPE_MODEL_PROVIDER=bedrock and the default model, the Converse fake standing in for
Bedrock (it counts tokens at about four characters per token, the same way for the document
and for every request). It prints the calls per document, billed input tokens (full rate
plus cache reads and writes) divided by the document's tokens, the prompt overhead per call,
and the cost per 1,000 pages at the dated prices in tasks/shared/prices.json, on demand and
through the batch lane (the same document under incoming/batch/: its calls answered by batch
inference jobs of the batch emulator, at the batch price, without prompt caching).

Target (issue 4): billed input <= 1.10 x document tokens + a fixed prompt overhead per call.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from bench.asl import fan_out, transitions
from docpipe import samples
from docpipe.converse_fake import (
    ConverseFake,
    RecordedRequest,
    _prompt_pieces,
    estimate_tokens,
)
from docpipe.engine import LocalEngine
from infra.config import DEFAULT_MODEL_ID


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Run one generated document per size (pages) and return its figures, one dict each.

    Besides what `main` prints, each holds the execution's billed state transitions (all,
    and inside the Map's items) for the cost model in `bench.cost`.
    """
    fan = fan_out()
    rows = []
    with (
        ConverseFake() as fake,
        LocalEngine(
            model_provider="bedrock",
            extra_env={**fake.env(), "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID},
        ) as engine,
    ):
        for pages in sizes:
            data = samples.invoice_pdf() if pages == 1 else samples.long_report_pdf(pages)
            fake.reset()
            started = time.perf_counter()
            upload = engine.upload(data, f"bench-{pages}.pdf")
            outcome = engine.wait(upload.execution_arn, timeout=3600)
            seconds = time.perf_counter() - started
            if outcome.status != "SUCCEEDED" or outcome.output is None:
                raise RuntimeError(
                    f"{pages} pages: {outcome.status} {outcome.error} {outcome.cause}"
                )
            result = engine.read_json(outcome.output["result_key"])
            text = engine.read_json(f"artifacts/{result['document_id']}/text.json")
            document = estimate_tokens("\n\n".join(page["text"] for page in text["pages"]))
            usage = fake.reported_usage()
            billed = sum(usage[k] for k in ("input_tokens", "cache_read_input_tokens"))
            billed += usage["cache_write_input_tokens"]
            first = reread = 0
            for call in fake.converse_calls():
                data_tokens = _data_tokens(call.body)
                if call.tool == "record_summary" and "partial summaries" not in _system(call):
                    first += data_tokens
                elif call.tool == "record_summary":
                    reread += data_tokens
            calls = usage["calls"]
            counted = transitions(engine.history(upload.execution_arn), fan.inner_states)
            batch_usd = _batch_lane_usd(engine, data, pages)
            rows.append(
                {
                    "model": DEFAULT_MODEL_ID,
                    "pages": result["pages"],
                    "document_tokens": document,
                    "chunks": result["chunks"],
                    "calls": calls,
                    "billed_input_tokens": billed,
                    "billed_per_document_token": billed / document,
                    "first_read": first / document,
                    "re_read": reread / document,
                    "net": (first + reread) / document,
                    "fixed_per_call": (billed - first - reread) / calls,
                    "output_tokens": usage["output_tokens"],
                    "cost_usd": result["cost"]["usd"],
                    "usd_per_1000_pages": result["cost"]["usd"] / result["pages"] * 1000,
                    "usd_per_1000_pages_batch": batch_usd / result["pages"] * 1000,
                    "prices_as_of": result["cost"]["prices_as_of"],
                    "seconds": seconds,
                    "transitions": counted.total,
                    "inner_transitions": counted.inner,
                }
            )
    return rows


def _batch_lane_usd(engine: LocalEngine, data: bytes, pages: int) -> float:
    """The recorded cost of the same document through the batch lane (its jobs answered by
    the batch emulator through the fake): a trailing PDF comment makes it another file, so
    it is not skipped as a duplicate of the first."""
    upload = engine.upload(data + b"\n%batch lane\n", f"batch/bench-{pages}.pdf")
    outcome = engine.wait(upload.execution_arn, timeout=3600)
    if outcome.status != "SUCCEEDED" or outcome.output is None:
        raise RuntimeError(f"{pages} pages, batch lane: {outcome.status} {outcome.error}")
    usd: float = engine.read_json(outcome.output["result_key"])["cost"]["usd"]
    return usd


def main() -> None:
    """Print one line per document size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 300])
    args = parser.parse_args()
    print(
        f"model {DEFAULT_MODEL_ID}; tokens counted by the Converse fake (~4 characters/token)\n"
        "first read: document data in the summarize calls / document tokens (overlap and page\n"
        "headers included); re-read: partial summaries in the combine calls / document tokens;\n"
        "fixed/call: instructions, tool schema and framing per call, plus the classify call's\n"
        "bounded input (summary + document opening) spread over the calls\n"
        f"{'pages':>5} {'doc tok':>8} {'chunks':>6} {'calls':>5} {'billed in':>9} "
        f"{'raw':>5} {'first':>6} {'re-read':>7} {'net':>5} {'fixed/call':>10} {'out':>6} "
        f"{'cost $':>9} {'$/1000 p':>8} {'s':>5}"
    )
    try:
        rows = run(args.pages)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    for r in rows:
        print(
            f"{r['pages']:>5} {r['document_tokens']:>8,} {r['chunks']:>6} {r['calls']:>5} "
            f"{r['billed_input_tokens']:>9,} {r['billed_per_document_token']:>5.2f} "
            f"{r['first_read']:>6.3f} {r['re_read']:>7.3f} {r['net']:>5.3f} "
            f"{r['fixed_per_call']:>10,.0f} {r['output_tokens']:>6,} {r['cost_usd']:>9.6f} "
            f"{r['usd_per_1000_pages']:>8.4f} {r['seconds']:>5.1f}"
        )


def _system(call: RecordedRequest) -> str:
    return " ".join(block.get("text", "") for block in call.body.get("system", []))


def _data_tokens(body: dict[str, Any]) -> int:
    """Tokens of what a call reads between <document> and </document>."""
    prompt = "".join(piece for piece in _prompt_pieces(body) if piece is not None)
    return sum(estimate_tokens(match) for match in _DOCUMENT.findall(prompt))


_DOCUMENT = re.compile(r"<document>(.*?)</document>", re.DOTALL)


if __name__ == "__main__":
    main()
