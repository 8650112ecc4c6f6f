"""`docpipe eval`: run labelled documents through the offline pipeline and measure.

The documents go through `docpipe run`'s path (the real ASL on the twin, the intake's cap,
the state directory kept); each one's outcome is read back from what the run left: its
record and result (category, confidence, tokens, cost, summary points) and its extracted
pages (for the faithfulness check: each summary point against the pages it cites).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docpipe.evaluation.faithfulness import (
    FaithfulnessFigures,
    FaithfulnessResult,
    check_summary,
    faithfulness_figures,
)
from docpipe.evaluation.labelled import LabelledSet
from docpipe.evaluation.metrics import EvaluationMetrics, evaluate
from docpipe.evaluation.report import RunInfo, load_baseline, report_data, write_report
from docpipe.state import StateDirectory
from tasks.shared.labels import load_labels
from tasks.shared.storage import text_key


@dataclass(frozen=True)
class Evaluation:
    """What one `docpipe eval` measured, and where its report went."""

    data: dict[str, Any]  # the report's sidecar: every figure (what --json prints)
    report: Path
    sidecar: Path


def outcomes(
    results: Sequence[Mapping[str, Any]], labelled: LabelledSet, state: StateDirectory
) -> tuple[list[dict[str, Any]], dict[str, FaithfulnessResult]]:
    """Each run result with its true label, tokens and cost, and its summary's check."""
    rows, checks = [], {}
    for result, entry in zip(results, labelled.files, strict=True):
        document = result.get("duplicate_of") or result.get("document_id")
        record = state.record(document) if document else None
        produced = _result_object(record, state)
        usage = produced.get("usage") or {}
        cost = produced.get("cost") or {}
        completed = result["status"] in ("SUCCEEDED", "SKIPPED_DUPLICATE") and bool(produced)
        file = str(entry.path)
        rows.append(
            {
                "file": file,
                "label": entry.label,
                "predicted": produced.get("category") if completed else None,
                "confidence": produced.get("confidence") if completed else None,
                "review_required": produced.get("review_required") if completed else None,
                "status": result["status"],
                "error": (result.get("error") or {}).get("type"),
                "input_tokens": usage.get("input_tokens"),
                "output_tokens": usage.get("output_tokens"),
                "cost_usd": cost.get("usd"),
            }
        )
        pages = _pages(record, state)
        if completed and produced.get("key_points") and pages:
            checks[file] = check_summary(produced["key_points"], pages)
    return rows, checks


def measure(
    results: Sequence[Mapping[str, Any]],
    labelled: LabelledSet,
    state: StateDirectory,
    *,
    run: RunInfo,
    labels_file: str | None,
    report: Path | None = None,
    baseline: Path | None = None,
) -> Evaluation:
    """The figures of a finished run, its Markdown report and JSON sidecar."""
    previous = load_baseline(baseline) if baseline else None
    label_set = load_labels(labels_file)
    rows, checks = outcomes(results, labelled, state)
    metrics: EvaluationMetrics = evaluate(
        rows, fallback_label=label_set.fallback, labels=[label.name for label in label_set.labels]
    )
    figures: FaithfulnessFigures = faithfulness_figures(checks)
    path = report or default_report_path(state)
    written, sidecar = write_report(path, metrics, run, faithfulness=figures, baseline=previous)
    data = report_data(metrics, run, faithfulness=figures, baseline=previous)
    return Evaluation(data, written, sidecar)


def default_report_path(state: StateDirectory) -> Path:
    """`<state directory>/eval/report-<UTC time>.md`."""
    moment = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return state.root / "eval" / f"report-{moment}.md"


def _result_object(record: Mapping[str, Any] | None, state: StateDirectory) -> dict[str, Any]:
    if not record or not record.get("result_key"):
        return {}
    body = state.object(str(record["bucket"]), str(record["result_key"]))
    return dict(json.loads(body)) if body else {}


def _pages(record: Mapping[str, Any] | None, state: StateDirectory) -> list[dict[str, Any]]:
    if not record:
        return []
    body = state.object(str(record["bucket"]), text_key(str(record["document_id"])))
    return list(json.loads(body).get("pages") or []) if body else []
