"""Every benchmark in one run, written up as docs/BENCHMARKS.md.

    .venv/bin/python -m bench [--quick] [--corpus DIR] [--only NAME,...] [--out FILE]
                              [--json FILE]

Runs the benchmarks one after another (see bench.report.SECTIONS for the order), collects
each one's figures as data and writes the report with the machine, the date and the commit.
The default settings take about 10-15 minutes on a 2-core machine; `--quick` (about 3
minutes) runs smaller versions to check that everything works. Run it with nothing else
busy: the figures are ratios, but a machine that is fully taken still bends them.

A benchmark that fails is reported as failed in its section, the others still run, and the
command exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    burst,
    cold_start,
    cost,
    evaluation,
    extract,
    hostile,
    mapreduce,
    pipeline,
    report,
    throughput,
    tokens,
)

DEFAULT_CORPUS = report.ROOT.parent / "shared" / "corpus"
DEFAULT_OUT = report.ROOT / "docs" / "BENCHMARKS.md"


@dataclass(frozen=True)
class Settings:
    """How large each benchmark runs."""

    name: str
    extract_repeat: int
    pipeline_runs: int
    throughput_documents: int
    throughput_sequential: int
    mapreduce_chunks: int
    mapreduce_latency_s: float
    token_pages: tuple[int, ...]
    burst_documents: int
    burst_cap: int
    burst_latency_s: float
    burst_throttle: float
    burst_time_scale: float
    hostile_seconds: float
    hostile_memory_mb: int
    eval_per_label: int | None  # None: the set's own size
    cold_start_runs: int

    def describe(self) -> str:
        """One line for the report's header."""
        per_label = self.eval_per_label or "default"
        return (
            f"{self.name}: extraction best of {self.extract_repeat}; engine overhead "
            f"{self.pipeline_runs} + {self.pipeline_runs} runs per document; throughput "
            f"{self.throughput_sequential} + {self.throughput_documents} documents; "
            f"map-reduce {self.mapreduce_chunks} chunks at {self.mapreduce_latency_s:g} s per "
            f"call; tokens {', '.join(map(str, self.token_pages))} pages; burst "
            f"{self.burst_documents} documents, cap {self.burst_cap}, "
            f"{self.burst_latency_s:g} s per call, {self.burst_throttle:.0%} throttled; "
            f"hostile deadline {self.hostile_seconds:g} s; eval {per_label} per label; "
            f"cold start {self.cold_start_runs} imports per handler"
        )


DEFAULT = Settings(
    name="default",
    extract_repeat=3,
    pipeline_runs=5,
    throughput_documents=40,
    throughput_sequential=10,
    mapreduce_chunks=50,
    mapreduce_latency_s=1.0,
    token_pages=(1, 10, 300),
    burst_documents=200,
    burst_cap=8,
    burst_latency_s=3.0,
    burst_throttle=0.3,
    burst_time_scale=0.01,
    hostile_seconds=20.0,
    hostile_memory_mb=512,
    eval_per_label=None,
    cold_start_runs=5,
)
QUICK = Settings(
    name="quick",
    extract_repeat=1,
    pipeline_runs=2,
    throughput_documents=10,
    throughput_sequential=3,
    mapreduce_chunks=50,
    mapreduce_latency_s=1.0,
    token_pages=(1, 10, 300),
    burst_documents=30,
    burst_cap=8,
    burst_latency_s=1.0,
    burst_throttle=0.3,
    burst_time_scale=0.01,
    hostile_seconds=20.0,
    hostile_memory_mb=512,
    eval_per_label=6,
    cold_start_runs=1,
)


def _extract(settings: Settings, corpus: Path | None, _: dict[str, Any]) -> dict[str, Any]:
    if corpus is None or not corpus.is_dir():
        return {"skipped": f"no corpus folder (`--corpus DIR`; default {DEFAULT_CORPUS})"}
    return extract.run(corpus, settings.extract_repeat)


def _pipeline(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return pipeline.run(pipeline.sample_documents(), settings.pipeline_runs)


def _throughput(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return throughput.run(settings.throughput_documents, settings.throughput_sequential)


def _mapreduce(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return mapreduce.run(settings.mapreduce_chunks, settings.mapreduce_latency_s)


def _tokens(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return {"rows": tokens.run(list(settings.token_pages))}


def _cost(_: Settings, __: Path | None, figures: dict[str, Any]) -> dict[str, Any]:
    token_figures = figures.get("tokens")
    if not report.has_figures(token_figures):
        return {"skipped": "it prices the executions of the tokens benchmark, which did not run"}
    measured = figures.get("mapreduce")
    if report.has_figures(measured):
        per_round = measured["map_s"] / measured["map_rounds"]
        source = (
            f"one Map round measured by the map-reduce benchmark at "
            f"{measured['latency_per_call_s']:g} s per call"
        )
    else:
        per_round = 1.0
        source = "1 s per call; the map-reduce benchmark did not run"
    return {
        "rows": cost.costs(token_figures["rows"], per_round),
        "seconds_per_round": per_round,
        "seconds_per_round_source": source,
    }


def _burst(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return burst.run(
        settings.burst_documents,
        settings.burst_cap,
        settings.burst_latency_s,
        settings.burst_throttle,
        settings.burst_time_scale,
        timeout=3600.0,
    )


def _hostile(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": hostile.run(settings.hostile_seconds, settings.hostile_memory_mb),
        "seconds": settings.hostile_seconds,
        "memory_mb": settings.hostile_memory_mb,
    }


def _eval(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    reason = evaluation.unavailable("synthetic")
    if reason:
        return {"skipped": reason}
    return evaluation.run(settings.eval_per_label, "synthetic")


def _eval_bbc(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    reason = evaluation.unavailable("bbc")
    if reason:
        return {"skipped": reason}
    return evaluation.run(settings.eval_per_label, "bbc")


def _cold_start(settings: Settings, _: Path | None, __: dict[str, Any]) -> dict[str, Any]:
    return cold_start.run(settings.cold_start_runs)


Benchmark = Callable[[Settings, Path | None, dict[str, Any]], dict[str, Any]]
BENCHMARKS: dict[str, Benchmark] = {
    "extract": _extract,
    "pipeline": _pipeline,
    "throughput": _throughput,
    "mapreduce": _mapreduce,
    "tokens": _tokens,
    "cost": _cost,
    "burst": _burst,
    "hostile": _hostile,
    "eval": _eval,
    "eval_bbc": _eval_bbc,
    "cold_start": _cold_start,
}


def run(settings: Settings, corpus: Path | None, only: list[str]) -> dict[str, Any]:
    """Run the chosen benchmarks (all when `only` is empty); the figures, header included."""
    started = time.perf_counter()
    header: dict[str, Any] = {
        "machine": report.machine(),
        "commit": report.commit(),
        "date": report.now_utc(),
        "settings": settings.describe(),
        "load_average": {"start": os.getloadavg()[0]},
        "sections_s": {},
    }
    figures: dict[str, Any] = {"header": header}
    if header["load_average"]["start"] > 0.5:
        print(
            f"note: load average {header['load_average']['start']:.1f} at the start: other "
            "work on this machine may bend the figures",
            file=sys.stderr,
        )
    chosen = [name for name in BENCHMARKS if not only or name in only]
    for number, name in enumerate(chosen, 1):
        print(f"[{number}/{len(chosen)}] {name} …", file=sys.stderr, flush=True)
        section_start = time.perf_counter()
        try:
            # The handlers log to stdout, as on Lambda; this command's stdout stays clean.
            with contextlib.redirect_stdout(sys.stderr):
                figures[name] = BENCHMARKS[name](settings, corpus, figures)
        except Exception as error:  # noqa: BLE001 - reported in its section, the others run
            traceback.print_exc()
            figures[name] = {"error": f"{type(error).__name__}: {error}"}
        seconds = time.perf_counter() - section_start
        header["sections_s"][name] = seconds
        print(f"[{number}/{len(chosen)}] {name}: {seconds:.0f} s", file=sys.stderr, flush=True)
    header["load_average"]["end"] = os.getloadavg()[0]
    header["duration_s"] = time.perf_counter() - started
    return figures


def main() -> int:
    """Parse the options, run, write the report; 1 when a benchmark failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small settings (about 3 min)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else None,
        help=f"PDF folder for the extraction benchmark (default {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated benchmarks of: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the report's path")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    figures = run(QUICK if args.quick else DEFAULT, args.corpus, only)
    path = report.write(figures, args.out)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"report: {path} ({figures['header']['duration_s']:.0f} s)")
    return 1 if any("error" in f for k, f in figures.items() if k != "header") else 0


if __name__ == "__main__":
    sys.exit(main())
