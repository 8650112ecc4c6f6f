"""Model tokens and cost per document on the bedrock provider, against the Converse fake.

    .venv/bin/python -m bench.tokens [--pages 1 10 300]

For each size it runs a generated report through the offline pipeline with
DOCPIPE_MODEL_PROVIDER=bedrock and the default model, the Converse fake standing in for
Bedrock (it counts tokens at about four characters per token, the same way for the document
and for every request). It prints the calls per document, billed input tokens (full rate
plus cache reads and writes) divided by the document's tokens, the prompt overhead per call,
and the cost per 1,000 pages at the dated prices in tasks/shared/prices.json.

Target (issue 4): billed input <= 1.10 x document tokens + a fixed prompt overhead per call.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from docpipe import samples
from docpipe.converse_fake import (
    ConverseFake,
    RecordedRequest,
    _prompt_pieces,
    estimate_tokens,
)
from docpipe.engine import LocalEngine
from infra.config import DEFAULT_MODEL_ID


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
    with (
        ConverseFake() as fake,
        LocalEngine(
            model_provider="bedrock",
            extra_env={**fake.env(), "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID},
        ) as engine,
    ):
        for pages in args.pages:
            data = samples.invoice_pdf() if pages == 1 else samples.long_report_pdf(pages)
            fake.reset()
            started = time.perf_counter()
            upload = engine.upload(data, f"bench-{pages}.pdf")
            outcome = engine.wait(upload.execution_arn, timeout=3600)
            seconds = time.perf_counter() - started
            if outcome.status != "SUCCEEDED" or outcome.output is None:
                raise SystemExit(f"{pages} pages: {outcome.status} {outcome.error} {outcome.cause}")
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
            fixed = (billed - first - reread) / calls
            cost = result["cost"]["usd"]
            print(
                f"{result['pages']:>5} {document:>8,} {result['chunks']:>6} {calls:>5} "
                f"{billed:>9,} {billed / document:>5.2f} {first / document:>6.3f} "
                f"{reread / document:>7.3f} {(first + reread) / document:>5.3f} "
                f"{fixed:>10,.0f} {usage['output_tokens']:>6,} {cost:>9.6f} "
                f"{cost / result['pages'] * 1000:>8.4f} {seconds:>5.1f}"
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
