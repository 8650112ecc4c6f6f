"""The report of an evaluation run: Markdown for a person, with a JSON sidecar next to it
holding every figure (the object `docpipe eval --json` prints). Given the sidecar of an
earlier run (`--baseline`), the report compares the two: each headline figure before and
after, per-label F1, and the documents whose prediction changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docpipe.errors import UsageError
from docpipe.evaluation.faithfulness import FaithfulnessFigures
from docpipe.evaluation.metrics import FAILED_COLUMN, EvaluationMetrics

# Unsupported points listed in the report; the sidecar keeps them all.
UNSUPPORTED_POINTS_SHOWN = 20
_NONE = "-"  # a figure that cannot be computed (no documents, no data)
_REQUIRED_KEYS = ("accuracy", "macro_f1", "ece", "documents")


class BaselineError(UsageError):
    """The baseline is not the JSON sidecar of an evaluation report."""


@dataclass(frozen=True)
class RunInfo:
    """What was evaluated, and with what."""

    set_name: str
    split: str
    provider: str
    model: str


@dataclass(frozen=True)
class FigureChange:
    """One figure in the baseline and now; difference is after - before. `name` is its key
    in the sidecar (dotted when nested, e.g. `faithfulness.rouge_l_f1`), or a label."""

    name: str
    before: float | None
    after: float | None
    difference: float | None


@dataclass(frozen=True)
class PredictionChange:
    """A document whose prediction changed (None: the document failed)."""

    file: str
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Comparison:
    """This run against a baseline. Documents are matched by `file`."""

    baseline_run: dict[str, Any] | None
    headline: list[FigureChange]
    label_f1: list[FigureChange]
    changed: list[PredictionChange]
    only_now: list[str]
    only_in_baseline: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return asdict(self)


def _ratio(value: float | None) -> str:
    return _NONE if value is None else f"{value:.3f}"


def _tokens(value: float | None) -> str:
    return _NONE if value is None else f"{value:,.1f}"


def _usd(value: float | None) -> str:
    return _NONE if value is None else f"${value:.6f}"


def _count(value: float | None) -> str:
    return _NONE if value is None else f"{value:g}"


# (path in the sidecar, title, formatter) of the figures the report heads with and compares.
_HEADLINE: list[tuple[tuple[str, ...], str, Callable[[float | None], str]]] = [
    (("accuracy",), "Accuracy", _ratio),
    (("macro_f1",), "Macro-F1", _ratio),
    (("ece",), "Expected calibration error (10 bins)", _ratio),
    (("other_share",), "Share classified as the fallback label", _ratio),
    (("review_share",), "Share sent to review", _ratio),
    (("failed",), "Failed documents", _count),
    (("input_tokens_per_document",), "Input tokens per document", _tokens),
    (("output_tokens_per_document",), "Output tokens per document", _tokens),
    (("cost_usd_per_document",), "Cost per document (USD)", _usd),
    (("faithfulness", "supported_share"), "Share of summary points supported", _ratio),
    (("faithfulness", "rouge_l_f1"), "ROUGE-L F1 (mean)", _ratio),
]


def report_data(
    metrics: EvaluationMetrics,
    run: RunInfo,
    *,
    faithfulness: FaithfulnessFigures | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON sidecar: the metrics' fields at the top level (`accuracy`, `macro_f1`,
    `ece`, `documents`…), with `run`, `faithfulness` (or None) and `comparison` (or None)."""
    data = metrics.to_dict()
    data["run"] = asdict(run)
    data["faithfulness"] = faithfulness.to_dict() if faithfulness else None
    data["comparison"] = compare(data, baseline).to_dict() if baseline is not None else None
    return data


def write_report(
    path: Path | str,
    metrics: EvaluationMetrics,
    run: RunInfo,
    *,
    faithfulness: FaithfulnessFigures | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Writes the Markdown report at `path` and its JSON sidecar next to it (the same name
    with `.json`); returns both paths. Raises ValueError when `path` itself ends in `.json`."""
    markdown = Path(path)
    sidecar = markdown.with_suffix(".json")
    if markdown.suffix.lower() == ".json":
        raise ValueError(f"{markdown}: the report is Markdown; its JSON sidecar takes this name")
    data = report_data(metrics, run, faithfulness=faithfulness, baseline=baseline)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(render_markdown(data), encoding="utf-8")
    sidecar.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return markdown, sidecar


def load_baseline(path: Path | str) -> dict[str, Any]:
    """The sidecar of an earlier report, checked to be one. Raises BaselineError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(key in data for key in _REQUIRED_KEYS):
        raise BaselineError(
            f"baseline {path} is not an evaluation report's JSON sidecar "
            f"(it needs {', '.join(_REQUIRED_KEYS)})"
        )
    if not isinstance(data["documents"], list):
        raise BaselineError(f"baseline {path}: `documents` is not a list")
    return data


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> Comparison:
    """`current` (a sidecar, see report_data) against `baseline` (an earlier one)."""
    before_labels = baseline.get("per_label") or {}
    now_labels = current.get("per_label") or {}
    before_docs = {str(d["file"]): d for d in baseline["documents"]}
    now_docs = {str(d["file"]): d for d in current["documents"]}
    return Comparison(
        baseline_run=baseline.get("run"),
        headline=[
            _change(".".join(key), _at(baseline, key), _at(current, key))
            for key, _, _ in _HEADLINE
            if _at(baseline, key) is not None or _at(current, key) is not None
        ],
        label_f1=[
            _change(
                label,
                _at(before_labels, (label, "f1")),
                _at(now_labels, (label, "f1")),
            )
            for label in [*now_labels, *(k for k in before_labels if k not in now_labels)]
        ],
        changed=[
            PredictionChange(
                file, str(doc["label"]), before_docs[file].get("predicted"), doc.get("predicted")
            )
            for file, doc in now_docs.items()
            if file in before_docs and before_docs[file].get("predicted") != doc.get("predicted")
        ],
        only_now=[file for file in now_docs if file not in before_docs],
        only_in_baseline=[file for file in before_docs if file not in now_docs],
    )


def render_report(
    metrics: EvaluationMetrics,
    run: RunInfo,
    *,
    faithfulness: FaithfulnessFigures | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> str:
    """The Markdown report (what write_report writes)."""
    return render_markdown(report_data(metrics, run, faithfulness=faithfulness, baseline=baseline))


def render_markdown(data: Mapping[str, Any]) -> str:
    """The Markdown report of a sidecar (see report_data)."""
    run = data["run"]
    sections = [
        [
            f"# docpipe eval: {_cell(run['set_name'])}, {_cell(run['split'])} split",
            "",
            *_table(
                ["Run", ""],
                [
                    ["Set", _cell(run["set_name"])],
                    ["Split", _cell(run["split"])],
                    ["Provider", _cell(run["provider"])],
                    ["Model", _code(run["model"])],
                    ["Documents", str(data["document_count"])],
                    ["Classified", str(data["classified"])],
                    ["Failed", str(data["failed"])],
                    [
                        "Statuses",
                        ", ".join(f"{_cell(k)} {v}" for k, v in data["status_counts"].items())
                        or _NONE,
                    ],
                    ["Fallback label", _code(data["fallback_label"])],
                ],
            ),
        ],
        _headline(data),
        _per_label(data),
        _confusion(data),
        _reliability(data),
    ]
    if data.get("faithfulness"):
        sections.append(_faithfulness(data["faithfulness"]))
    sections.append(_misclassified(data))
    if data.get("comparison"):
        sections.append(_comparison(data["comparison"]))
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _headline(data: Mapping[str, Any]) -> list[str]:
    rows = [
        [title, show(_at(data, key))]
        for key, title, show in _HEADLINE
        if key[0] != "faithfulness" or data.get("faithfulness")
    ]
    rows.append(["Total cost (USD)", _usd(data.get("cost_usd_total"))])
    notes = (
        "Accuracy counts a failed document as wrong. The fallback and review shares, and "
        "calibration, are over the documents classified."
    )
    return ["## Headline figures", "", *_table(["Figure", "Value"], rows), "", notes]


def _per_label(data: Mapping[str, Any]) -> list[str]:
    rows = [
        [
            _code(label),
            _ratio(s["precision"]),
            _ratio(s["recall"]),
            _ratio(s["f1"]),
            str(s["support"]),
            str(s["predicted"]),
        ]
        for label, s in data["per_label"].items()
    ]
    return [
        "## Per label",
        "",
        *_table(["Label", "Precision", "Recall", "F1", "Support", "Predicted"], rows),
    ]


def _confusion(data: Mapping[str, Any]) -> list[str]:
    columns = [*data["labels"], FAILED_COLUMN]
    rows = [
        [
            _code(truth),
            *(
                f"**{counts[column]}**"
                if column == truth and counts[column]
                else str(counts[column])
                for column in columns
            ),
        ]
        for truth, counts in data["confusion"].items()
    ]
    return [
        "## Confusion matrix",
        "",
        "Rows are the true labels, columns the predicted ones; the diagonal (in bold) is right.",
        "",
        *_table(["truth \\ predicted", *(_code(c) for c in columns)], rows),
    ]


def _reliability(data: Mapping[str, Any]) -> list[str]:
    rows = [
        [
            f"{b['lower']:.1f}-{b['upper']:.1f}",
            str(b["count"]),
            _ratio(b["mean_confidence"]),
            _ratio(b["accuracy"]),
            _ratio(b["gap"]),
        ]
        for b in data["calibration_bins"]
    ]
    return [
        "## Reliability of the confidence",
        "",
        "ECE is the mean gap between accuracy and confidence per bin, weighted by the bin's "
        "documents.",
        "",
        *_table(["Confidence", "Documents", "Mean confidence", "Accuracy", "Gap"], rows),
    ]


def _faithfulness(figures: Mapping[str, Any]) -> list[str]:
    rows = [
        ["Documents checked", str(figures["documents"])],
        ["Summary points", str(figures["points"])],
        ["Points supported by their cited pages", str(figures["supported_points"])],
        ["Share supported", _ratio(figures["supported_share"])],
        ["Documents with a reference summary", str(figures["rouge_l_documents"])],
        ["ROUGE-L F1 (mean)", _ratio(figures["rouge_l_f1"])],
    ]
    lines = [
        "## Summary faithfulness",
        "",
        "A point is supported when its cited pages contain most of its content words "
        "(a lexical check: a faithful paraphrase in other words counts as unsupported).",
        "",
        *_table(["Figure", "Value"], rows),
    ]
    unsupported = figures["unsupported"]
    if unsupported:
        shown = unsupported[:UNSUPPORTED_POINTS_SHOWN]
        lines += [
            "",
            f"### Unsupported points ({len(unsupported)})",
            "",
            *_table(
                ["File", "Pages", "Words found", "Point"],
                [
                    [
                        _code(p["file"]),
                        _NONE if not p["pages"] else f"{p['pages'][0]}-{p['pages'][1]}",
                        _ratio(p["share"]),
                        _cell(_shorten(p["text"])),
                    ]
                    for p in shown
                ],
            ),
        ]
        if len(unsupported) > len(shown):
            lines += ["", f"… and {len(unsupported) - len(shown)} more in the JSON sidecar."]
    return lines


def _misclassified(data: Mapping[str, Any]) -> list[str]:
    wrong = sorted(
        (d for d in data["documents"] if not d["correct"]),
        key=lambda d: (d["predicted"] is None, -(d["confidence"] or 0.0)),
    )
    if not wrong:
        return ["## Misclassified documents", "", "None."]
    rows = [
        [
            _code(d["file"]),
            _code(d["label"]),
            FAILED_COLUMN if d["predicted"] is None else _code(d["predicted"]),
            _ratio(d["confidence"]),
        ]
        for d in wrong
    ]
    return [
        f"## Misclassified documents ({len(wrong)})",
        "",
        "Most confident first; failed documents last.",
        "",
        *_table(["File", "Truth", "Predicted", "Confidence"], rows),
    ]


def _comparison(comparison: Mapping[str, Any]) -> list[str]:
    figures = {".".join(key): (title, show) for key, title, show in _HEADLINE}
    base = comparison.get("baseline_run")
    against = (
        f"Baseline: {_cell(base['set_name'])}, {_cell(base['split'])} split, "
        f"{_cell(base['provider'])} provider, model {_code(base['model'])}."
        if base
        else "Baseline: an earlier report."
    )
    lines = [
        "## Compared with the baseline",
        "",
        against,
        "",
        *_table(
            ["Figure", "Before", "After", "Change"],
            [
                [
                    title,
                    show(c["before"]),
                    show(c["after"]),
                    _signed(c["difference"], show),
                ]
                for c in comparison["headline"]
                for title, show in [figures[c["name"]]]
            ],
        ),
        "",
        "### F1 per label",
        "",
        *_table(
            ["Label", "Before", "After", "Change"],
            [
                [
                    _code(c["name"]),
                    _ratio(c["before"]),
                    _ratio(c["after"]),
                    _signed(c["difference"], _ratio),
                ]
                for c in comparison["label_f1"]
            ],
        ),
        "",
        f"### Predictions changed ({len(comparison['changed'])})",
        "",
    ]
    if comparison["changed"]:
        lines += _table(
            ["File", "Truth", "Before", "After"],
            [
                [
                    _code(c["file"]),
                    _code(c["label"]),
                    FAILED_COLUMN if c["before"] is None else _code(c["before"]),
                    FAILED_COLUMN if c["after"] is None else _code(c["after"]),
                ]
                for c in comparison["changed"]
            ],
        )
    else:
        lines.append("None.")
    for files, where in (
        (comparison["only_now"], "Only in this run"),
        (comparison["only_in_baseline"], "Only in the baseline"),
    ):
        if files:
            lines += ["", f"{where} ({len(files)}): {', '.join(_code(f) for f in files)}."]
    return lines


def _change(name: str, before: Any, after: Any) -> FigureChange:
    difference = after - before if before is not None and after is not None else None
    return FigureChange(name, before, after, difference)


def _at(data: Mapping[str, Any], key: Sequence[str]) -> Any:
    """The value at a path of keys, None where any is absent."""
    value: Any = data
    for part in key:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _signed(value: float | None, show: Callable[[float | None], str]) -> str:
    if value is None:
        return _NONE
    text = show(abs(value))
    return f"+{text}" if value > 0 else f"-{text}" if value < 0 else f"{text}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: object) -> str:
    """A name (file, label, model) as code in a table cell."""
    cell = _cell(text)
    return f"`{cell}`" if "`" not in cell else cell


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
