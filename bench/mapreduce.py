"""Map-reduce latency against its critical path, with a model that takes 1 s per call.

    .venv/bin/python -m bench.mapreduce [--chunks 50] [--latency 1]

One document of exactly `--chunks` chunks (a paged text report, at the bedrock provider's
default chunk size) goes through the offline pipeline with the bedrock provider against the
Converse fake, which answers every call after `--latency` seconds. Measured from the
execution's history: the map-reduce latency, from entering the Map state to leaving
Classify Document. It is divided by

- the critical path: (1 call for the whole chunk level, all chunks in parallel + the
  combine levels + 1 classify call) x latency, the target being <= 1.2;
- the path the state machine allows: the chunk level takes ceil(chunks / MaxConcurrency)
  rounds of calls instead of one (MaxConcurrency of the Map state in the ASL), which
  separates what the ASL's quota guard costs from what the engine adds.

Combine levels are counted from the calls: the longest chain of combine calls each starting
after the previous one ended (one level when the chunk summaries fit one call).
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
from typing import Any
from unittest import mock

from bench.asl import fan_out
from docpipe.converse_fake import ConverseFake, forced_tool
from docpipe.engine import LocalEngine
from docpipe.samples import REPORT_SECTIONS
from infra.config import DEFAULT_MODEL_ID
from tasks.chunk_text.chunking import chunk_pages
from tasks.extract_text.extraction import extract_text
from tasks.shared.models import Page
from tasks.shared.settings import Settings

CLASSIFY_TOOL = "record_classification"


class TimedFake(ConverseFake):
    """The Converse fake, also noting when each call arrived and was answered."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.timeline: list[tuple[float, float, str]] = []  # start, end, kind
        self._timeline_lock = threading.Lock()

    def converse(self, model_id: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        """Answer as the fake does; note (start, end, kind) of the call."""
        start = time.monotonic()
        try:
            return super().converse(model_id, body, headers)
        finally:
            end = time.monotonic()
            with self._timeline_lock:
                self.timeline.append((start, end, _kind(body)))


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
    """Run the document and return the latency, both paths and their ratios."""
    data, pages = document_of(chunks)
    fan = fan_out()
    fake = TimedFake(latency_s=latency)
    with (
        fake,
        LocalEngine(
            model_provider="bedrock",
            extra_env={**fake.env(), "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID},
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
        max_in_flight = fake.stats().max_in_flight
        timeline = list(fake.timeline)
    entered = _first(history, "MapStateEntered", fan.name, "stateEnteredEventDetails")
    left = _first(history, "TaskStateExited", "Classify Document", "stateExitedEventDetails")
    latency_s = (left - entered).total_seconds()
    kinds = [kind for _, _, kind in timeline]
    combine_levels = longest_chain([(s, e) for s, e, kind in timeline if kind == "combine"])
    classify_calls = kinds.count("classify")
    critical_calls = 1 + combine_levels + classify_calls
    rounds = math.ceil(result["chunks"] / fan.max_concurrency)
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
        "max_concurrency": fan.max_concurrency,
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
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {round(value, 3) if isinstance(value, float) else value}")


if __name__ == "__main__":
    main()
