"""Map-reduce latency against its critical path, with a model that takes 1 s per call.

    .venv/bin/python -m bench.mapreduce [--chunks 50] [--latency 1]

One document of exactly `--chunks` chunks (a paged text report, at the bedrock provider's
default chunk size) goes through the offline pipeline with the bedrock provider against the
Converse fake (in a process of its own, as Bedrock is not in the engine's), which answers
every call after `--latency` seconds, twice: at the default model calls per document
(DOCPIPE_MODEL_CALLS_PER_DOCUMENT, the Map's concurrency, 4), and with that setting at the
chunk count, so the whole chunk level runs at once ("wide").
Measured from each execution's history: the map-reduce latency, from entering the Map
state to leaving Classify Document. It is divided by

- the critical path: (1 call for the whole chunk level, all chunks in parallel + the
  combine levels + 1 classify call) x latency, the target being <= 1.2 (the wide run
  measures what the engine adds to it);
- the path the setting allows: the chunk level takes ceil(chunks / calls per document)
  rounds of calls instead of one, which separates what the quota guard costs from what
  the engine adds.

On AWS an inline Map runs at most 40 iterations at once (the stack refuses a larger
modelCallsPerDocument), so there a 50-chunk document takes at least 2 rounds.

Combine levels are counted from the calls: the longest chain of combine calls each starting
after the previous one ended (one level when the chunk summaries fit one call).
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any
from unittest import mock

from bench.asl import fan_out
from bench.burst import converse_fake_process, fake_json, fake_stats
from docpipe.converse_fake import ENDPOINT_ENV, forced_tool
from docpipe.engine import LocalEngine
from docpipe.samples import REPORT_SECTIONS
from infra.config import DEFAULT_MODEL_ID
from tasks.chunk_text.chunking import chunk_pages
from tasks.extract_text.extraction import extract_text
from tasks.shared.models import Page
from tasks.shared.settings import Settings

CLASSIFY_TOOL = "record_classification"


def _kind(body: Any) -> str:
    system = " ".join(b.get("text", "") for b in body.get("system", []) if isinstance(b, dict))
    if forced_tool(body) == CLASSIFY_TOOL:
        return "classify"
    return "combine" if "partial summaries" in system else "summarize"


def longest_chain(intervals: list[tuple[float, float]]) -> int:
    """The most intervals that follow one another without overlapping (each starting after
    the previous ended): the number of sequential levels among them."""
    count, last_end = 0, -math.inf
    for start, end in sorted(intervals, key=lambda i: i[1]):
        if start >= last_end:
            count, last_end = count + 1, end
    return count


def report_text(pages: int) -> bytes:
    """A paged plain-text report (form feeds between pages), built as `long_report_pdf`
    builds its pages, without the cost of making a PDF of hundreds of pages."""
    sites = ("Dessau", "Wittenberg", "Torgau", "Meissen", "Riesa", "Coswig", "Aken")
    body = []
    for number in range(pages):
        site, year = sites[number % len(sites)], 2019 + number % 6
        paragraphs = [f"Site report {number + 1}: {site} meadows, season {year}."]
        for offset in range(5):
            title, text = REPORT_SECTIONS[(number + offset) % len(REPORT_SECTIONS)]
            paragraphs.append(f"{title} ({site}, {year}). {text}")
        body.append("\n\n".join(paragraphs))
    return "\f".join(body).encode()


def bedrock_settings() -> Settings:
    """The pipeline's settings under the bedrock provider (its chunk size)."""
    with mock.patch.dict(os.environ, {"DOCPIPE_MODEL_PROVIDER": "bedrock"}):
        return Settings.from_env()


def chunk_count(data: bytes, settings: Settings) -> int:
    """How many chunks Chunk Text makes of `data`."""
    pages = [Page(p.number, p.text) for p in extract_text(data).pages]
    return len(
        chunk_pages(
            pages, max_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens
        )
    )


def document_of(chunks: int) -> tuple[bytes, int]:
    """The report with the fewest pages that makes exactly `chunks` chunks, and its pages."""
    settings = bedrock_settings()
    low, high = 1, 16
    while chunk_count(report_text(high), settings) < chunks:
        low, high = high, high * 2
    while low < high:  # the fewest pages reaching `chunks`
        middle = (low + high) // 2
        if chunk_count(report_text(middle), settings) < chunks:
            low = middle + 1
        else:
            high = middle
    data = report_text(low)
    made = chunk_count(data, settings)
    if made != chunks:
        raise RuntimeError(f"no page count makes exactly {chunks} chunks ({low} pages: {made})")
    return data, low


def run(chunks: int = 50, latency: float = 1.0) -> dict[str, Any]:
    """Run the document at the default model calls per document, then with all its chunks
    at once; return the first run's figures with the second's under "wide"."""
    data, pages = document_of(chunks)
    figures = measure(data, pages, latency, fan_out().max_concurrency)
    figures["wide"] = measure(data, pages, latency, chunks)
    return figures


def measure(data: bytes, pages: int, latency: float, calls: int) -> dict[str, Any]:
    """Run `data` with `calls` model calls per document (DOCPIPE_MODEL_CALLS_PER_DOCUMENT,
    the Map's concurrency) and return the latency, both paths and their ratios."""
    fan = fan_out()
    settings = {
        "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID,
        "DOCPIPE_MODEL_CALLS_PER_DOCUMENT": str(calls),
    }
    with (
        converse_fake_process(latency, throttle=0.0, seed=1) as endpoint,
        LocalEngine(
            model_provider="bedrock",
            extra_env={ENDPOINT_ENV: endpoint, **settings},
            log_level="ERROR",
        ) as engine,
    ):
        upload = engine.upload(data, "bench/map-reduce.txt")
        outcome = engine.wait(upload.execution_arn, timeout=3600)
        if outcome.status != "SUCCEEDED" or outcome.output is None:
            raise RuntimeError(f"map-reduce: {outcome.status} {outcome.error} {outcome.cause}")
        history = engine.history(upload.execution_arn)
        result = engine.read_json(outcome.output["result_key"])
        described = engine.describe(upload.execution_arn)
        max_in_flight = fake_stats(endpoint)["max_in_flight"]
        timeline = [
            (float(r["received"]), float(r["answered"]), _kind(r["body"]))
            for r in fake_json(endpoint, "requests", timeout=30)
            if r["model_id"] is not None
        ]
    entered = _first(history, "MapStateEntered", fan.name, "stateEnteredEventDetails")
    left = _first(history, "TaskStateExited", "Classify Document", "stateExitedEventDetails")
    latency_s = (left - entered).total_seconds()
    kinds = [kind for _, _, kind in timeline]
    combine_levels = longest_chain([(s, e) for s, e, kind in timeline if kind == "combine"])
    classify_calls = kinds.count("classify")
    critical_calls = 1 + combine_levels + classify_calls
    rounds = math.ceil(result["chunks"] / calls)
    allowed_calls = rounds + combine_levels + classify_calls
    assert described is not None
    return {
        "chunks": result["chunks"],
        "pages": pages,
        "latency_per_call_s": latency,
        "model_calls": len(timeline),
        "summarize_calls": kinds.count("summarize"),
        "combine_calls": kinds.count("combine"),
        "combine_levels": combine_levels,
        "classify_calls": classify_calls,
        "max_concurrency": calls,
        "max_calls_in_flight": max_in_flight,
        "map_reduce_s": latency_s,
        "critical_path_calls": critical_calls,
        "critical_path_s": critical_calls * latency,
        "ratio": latency_s / (critical_calls * latency),
        "target": 1.2,
        "allowed_path_calls": allowed_calls,
        "allowed_path_s": allowed_calls * latency,
        "ratio_to_allowed": latency_s / (allowed_calls * latency),
        "map_s": _map_seconds(history, fan.name),
        "map_rounds": rounds,
        "execution_s": (described["stopDate"] - described["startDate"]).total_seconds(),
    }


def _first(history: list[dict[str, Any]], kind: str, name: str, details: str) -> Any:
    for event in history:
        if event["type"] == kind and event[details]["name"] == name:
            return event["timestamp"]
    raise RuntimeError(f"no {kind} event of {name!r} in the history")


def _map_seconds(history: list[dict[str, Any]], name: str) -> float:
    entered = _first(history, "MapStateEntered", name, "stateEnteredEventDetails")
    left = _first(history, "MapStateExited", name, "stateExitedEventDetails")
    return float((left - entered).total_seconds())


def main() -> None:
    """Run once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per model call")
    args = parser.parse_args()
    try:
        figures = run(args.chunks, args.latency)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    wide = figures.pop("wide")
    for title, run_figures in (("default calls per document", figures), ("all at once", wide)):
        print(f"# {title}")
        width = max(len(k) for k in run_figures)
        for name, value in run_figures.items():
            shown = round(value, 3) if isinstance(value, float) else value
            print(f"{name:<{width}}  {shown}")


if __name__ == "__main__":
    main()
