"""docs/BENCHMARKS.md's writer: figures in, Markdown out, without running a benchmark."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bench import cost, report


def _figures() -> dict[str, Any]:
    """A full set of figures, shaped as `python -m bench` collects them."""
    document = {
        "branch": "single",
        "wall_s": 0.33,
        "handler_s": 0.22,
        "overhead": 1.46,
        "execution_overhead": 1.4,
        "intake_s": 0.016,
        "between_s": 0.062,
        "after_last_s": 0.023,
        "median_s": 0.51,
        "wait_late_s": 0.14,
        "wait_wall_ratio": 1.14,
        "handler:docpipe-extract-text": 0.023,
    }
    phase = {
        "documents": 40,
        "drain_s": 9.8,
        "documents_per_s": 4.08,
        "handler_s_per_document": 0.43,
        "handler_busy_share": 0.71,
        "mean_handlers_running": 1.76,
        "mean_executions_running": 2.1,
    }
    tokens_row = {
        "model": "amazon.nova-micro-v1:0",
        "pages": 300,
        "document_tokens": 160_755,
        "chunks": 19,
        "calls": 21,
        "billed_input_tokens": 174_187,
        "billed_per_document_token": 1.0835,
        "first_read": 1.005,
        "re_read": 0.02,
        "net": 1.026,
        "fixed_per_call": 443.0,
        "output_tokens": 5979,
        "cost_usd": 0.006934,
        "usd_per_1000_pages": 0.02312,
        "usd_per_1000_pages_batch": 0.01301,
        "prices_as_of": "2026-11-23",
        "seconds": 1.2,
        "transitions": 38,
        "inner_transitions": 19,
    }
    figures = {
        "header": {
            "machine": {
                "cpu": "Test CPU 9000",
                "cores": 2,
                "usable_cores": 2,
                "memory_gib": 23.4,
                "python": "3.11.7 (CPython)",
                "os": "Debian GNU/Linux 12 (bookworm), Linux 6.1.0",
            },
            "commit": {"commit": "abc1234", "changed": 3},
            "date": "2026-12-05 07:00 UTC",
            "settings": "default: everything",
            "load_average": {"start": 0.4, "end": 1.9},
            "sections_s": {"extract": 55.0, "burst": 190.0},
            "duration_s": 605.0,
        },
        "extract": {
            "directory": "../shared/corpus",
            "files": 23,
            "repeat": 3,
            "extractors": {
                name: {
                    "seconds": seconds,
                    "pages": 233,
                    "pages_per_s": 233 / seconds,
                    "coverage": 285_299,
                    "ocr_pages": 2 if name == "docpipe" else None,
                    "opened": 20,
                    "failed": 3,
                    "time_ratio": seconds / 0.357,
                    "coverage_ratio": 1.0,
                }
                for name, seconds in (("docpipe", 0.386), ("pypdfium2 (bare)", 0.357))
            },
            "target": {
                "files": 20,
                "docpipe_s": 0.367,
                "base_s": 0.339,
                "time_ratio": 1.0826,
                "time_target": 1.10,
                "coverage": 285_299,
                "base_coverage": 285_299,
                "coverage_ratio": 1.0,
                "met": True,
            },
            "notes": ["not compared: password.pdf: both failed"],
        },
        "pipeline": {
            "runs": 5,
            "provider": "local",
            "documents": {
                "1-page invoice PDF": document,
                "10-page report PDF": {**document, "overhead": 1.32},
            },
        },
        "throughput": {
            "document": "1-page invoice PDF",
            "model": "amazon.nova-micro-v1:0",
            "cap": 4,
            "one_at_a_time": {**phase, "documents": 10, "documents_per_s": 3.3},
            "at_once": phase,
            "speed_up": 1.24,
        },
        "mapreduce": {
            "chunks": 50,
            "pages": 785,
            "latency_per_call_s": 1.0,
            "model_calls": 52,
            "summarize_calls": 50,
            "combine_calls": 1,
            "combine_levels": 1,
            "classify_calls": 1,
            "max_concurrency": 4,
            "max_calls_in_flight": 4,
            "map_reduce_s": 16.57,
            "critical_path_calls": 3,
            "critical_path_s": 3.0,
            "ratio": 5.524,
            "target": 1.2,
            "allowed_path_calls": 15,
            "allowed_path_s": 15.0,
            "ratio_to_allowed": 1.105,
            "map_s": 14.36,
            "map_rounds": 13,
            "execution_s": 18.85,
        },
        "tokens": {"rows": [tokens_row]},
        "cost": {
            "rows": cost.costs([tokens_row], 1.1),
            "seconds_per_round": 1.1,
            "seconds_per_round_source": "measured",
        },
        "burst": {
            "documents": 200,
            "terminal_records": 200,
            "duplicates": 0,
            "dead_letters": {},
            "intake_dead_letters": 0,
            "max_running": 8,
            "mean_running": 6.9,
            "cap": 8,
            "max_leases": 8,
            "max_model_calls_in_flight": 8,
            "model_calls": 560,
            "model_throttled": 160,
            "drain_s": 190.2,
            "ideal_drain_s": 150.0,
            "drain_ratio": 1.268,
            "latency_s": 3.0,
            "throttle_rate": 0.3,
            "time_scale": 0.01,
            "cpu_s": 70.1,
        },
        "hostile": {
            "seconds": 20.0,
            "memory_mb": 512,
            "rows": [
                {
                    "family": "pdf",
                    "kind": "pdf-truncated",
                    "bytes": 3906,
                    "outcome": "CorruptDocumentError",
                    "expected": True,
                    "seconds": 0.01,
                    "peak_mb": 52,
                },
                {
                    "family": "office",
                    "kind": "xlsx-dense-cells",
                    "bytes": 1_971_728,
                    "outcome": "sheet",
                    "expected": False,
                    "seconds": 3.03,
                    "peak_mb": 65,
                },
            ],
        },
        "eval": {
            "set": "synthetic",
            "split": "test",
            "per_label": None,
            "provider": "local",
            "documents": 240,
            "failed": 0,
            "accuracy": 0.912,
            "macro_f1": 0.905,
            "ece": 0.064,
            "other_share": 0.02,
            "review_share": 0.1,
            "supported_share": 0.97,
            "generate_s": 12.0,
            "eval_s": 150.0,
        },
        "eval_bbc": {
            "set": "bbc",
            "split": "test",
            "per_label": 60,
            "provider": "local",
            "documents": 200,
            "failed": 0,
            "accuracy": 0.8,
            "macro_f1": 0.795,
            "ece": 0.12,
            "other_share": 0.0,
            "review_share": 0.2,
            "supported_share": 1.0,
            "generate_s": 2.0,
            "eval_s": 120.0,
        },
        "cold_start": {
            "runs": 5,
            "baseline": "boto3",
            "baseline_s": 0.145,
            "rows": [
                {
                    "function": "extract_text",
                    "import_s": 0.729,
                    "ratio": 5.03,
                    "packages": ["numpy", "pypdfium2"],
                },
                {"function": "chunk_text", "import_s": 0.265, "ratio": 1.83, "packages": []},
            ],
        },
    }
    # The same document with its whole chunk level at once (the setting at the chunk count).
    default = figures["mapreduce"]
    default["wide"] = {
        **default,
        "max_concurrency": 50,
        "max_calls_in_flight": 50,
        "map_reduce_s": 3.31,
        "ratio": 1.103,
        "allowed_path_calls": 3,
        "allowed_path_s": 3.0,
        "ratio_to_allowed": 1.103,
        "map_s": 1.25,
        "map_rounds": 1,
        "execution_s": 5.1,
    }
    return figures


def test_header_names_the_machine_the_date_and_the_commit() -> None:
    # Given the figures of a run on a dirty work tree
    # When they are rendered
    markdown = report.render(_figures())

    # Then the header says where, when and on what they were measured
    head = markdown.split("## Summary")[0]
    assert head.startswith("# Benchmarks\n")
    for fact in (
        "Test CPU 9000",
        "| Cores | 2 |",
        "23.4 GiB",
        "3.11.7 (CPython)",
        "Debian GNU/Linux 12 (bookworm)",
        "2026-12-05 07:00 UTC",
        "`abc1234`, work tree dirty (3 files differ from it)",
        "10 min 5 s (extract 55 s, burst 3 min 10 s)",
    ):
        assert fact in head, fact


def test_clean_tree_and_missing_git_are_said_so() -> None:
    figures = _figures()
    figures["header"]["commit"] = {"commit": "abc1234", "changed": 0}
    assert "`abc1234`, work tree clean" in report.render(figures)
    figures["header"]["commit"] = {"commit": None, "changed": None}
    assert "unknown (not a git checkout)" in report.render(figures)


def test_every_section_appears_in_order_with_its_figures() -> None:
    markdown = report.render(_figures())

    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["Summary", *report.SECTIONS.values()]
    for figure in (
        "1.08x",  # extraction time, docpipe / bare pypdfium2
        "| 1-page invoice PDF | single | 0.330 | 0.220 | 1.46x |",
        "4.08",  # documents per second
        "| Map-reduce latency | 1.10x | Map → Classify ÷ critical path (3 calls of 1 s), 50 "
        "chunks, 50 calls per document (at the default 4: 5.52x, 1.10x of the path it "
        "allows) | ≤ 1.2x | met |",
        "| 4 (default) | 16.57 s | 4 | 13 x 1.105 s | 5.52x of 3.0 s | 1.10x of 15.0 s |  |",
        "| 50 | 3.31 s | 50 | 1 x 1.250 s | 1.10x of 3.0 s | 1.10x of 3.0 s | ≤ 1.2x: met |",
        "1.08x (net 1.03x)",  # billed input / document tokens
        "$0.02312",  # Bedrock on demand per 1,000 pages
        "$0.01301",  # batch: what the batch lane recorded
        "1.27x",  # burst drain / ideal
        "1 of 2 end as the suite expects (not: xlsx-dense-cells)",
        "| accuracy | 0.912 |",
        "| Eval on BBC News: accuracy, macro-F1, ECE | 0.800, 0.795, 0.120 | test split, 200 "
        "articles | -, ≥ 0.85, ≤ 0.10 | **not met** |",
        "| macro-F1 | 0.795 | mean over labels of F1 | ≥ 0.85 |",
        "classified against bench/datasets/bbc_labels.json (5 labels)",
        "| `extract_text` | 0.729 | 5.03x | numpy, pypdfium2 |",
        "| `chunk_text` | 0.265 | 1.83x | - |",
    ):
        assert figure in markdown, figure
    assert "**not met**" in markdown  # the BBC macro-F1 target


def test_summary_gives_each_figure_what_it_is_a_ratio_of() -> None:
    summary = report.render(_figures()).split("## Summary")[1].split("\n## ")[0]

    rows = [line for line in summary.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 10
    for row in rows[1:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[2], f"no 'ratio of' for {cells[0]}"


@pytest.mark.parametrize(
    ("state", "said"),
    [
        ({"skipped": "`python -m bench.datasets` does not exist yet"}, "_Not run: `python -m"),
        ({"error": "RuntimeError: boom"}, "_Failed: RuntimeError: boom_"),
        (None, "_Not run in this report._"),
    ],
)
def test_a_section_without_figures_says_why(state: dict[str, str] | None, said: str) -> None:
    figures = copy.deepcopy(_figures())
    if state is None:
        del figures["eval"]
    else:
        figures["eval"] = state

    markdown = report.render(figures)

    section = markdown.split("## Classifier quality (docpipe eval)")[1]
    assert said in section
    assert "| Eval accuracy, macro-F1, ECE | **not run** |" in markdown


def test_cost_needs_tokens_and_says_so() -> None:
    figures = _figures()
    figures["tokens"] = {"error": "RuntimeError: 300 pages: FAILED"}
    figures["cost"] = {"skipped": "it prices the executions of the tokens benchmark"}

    markdown = report.render(figures)

    assert "_Failed: RuntimeError: 300 pages: FAILED_" in markdown
    assert "_Not run: it prices the executions of the tokens benchmark_" in markdown


def test_write_puts_the_report_at_the_path(tmp_path: Path) -> None:
    path = report.write(_figures(), tmp_path / "docs" / "BENCHMARKS.md")

    assert path.read_text(encoding="utf-8") == report.render(_figures())


def test_express_inner_fan_out_costs_a_request_and_its_seconds() -> None:
    # 19 chunks at MaxConcurrency 4: 5 rounds of 1.1 s = 5.5 s at 64 MB, one request
    row = cost.per_1000_pages(_figures()["tokens"]["rows"][0], 4, 1.1)

    per_document = 1e-6 + 5.5 * (64 / 1024) * 0.00001667
    assert row["inner_express"] == pytest.approx(per_document * 1000 / 300)
    assert row["inner_standard"] == pytest.approx(19 * 0.000025 * 1000 / 300)
    assert row["sfn_standard"] == pytest.approx(38 * 0.000025 * 1000 / 300)
    assert row["bedrock_batch"] == 0.01301  # what the batch lane recorded
