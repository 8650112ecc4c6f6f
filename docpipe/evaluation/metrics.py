"""How good the classification of a labelled set is: accuracy, macro-F1, per-label scores,
the confusion matrix, calibration of the confidence, the shares sent to the fallback label and
to review, tokens and cost per document.

A document whose pipeline failed (`predicted` None) counts as wrong in accuracy and as a
miss (false negative) for its true label, and shows in the `(failed)` column of the confusion
matrix; it is left out of calibration and of the `other` and review shares, which are shares
of the documents classified."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

FAILED_COLUMN = "(failed)"
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class LabelScores:
    """One label's scores; precision is 0 when the label was never predicted, recall 0 when
    it is never the truth (so a spurious label lowers macro-F1)."""

    precision: float
    recall: float
    f1: float
    support: int  # documents whose true label it is
    predicted: int  # documents classified as it


@dataclass(frozen=True)
class CalibrationBin:
    """One equal-width bin of confidence, [lower, upper) (the last one includes 1.0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None
    gap: float | None  # |accuracy - mean_confidence|


@dataclass(frozen=True)
class DocumentOutcome:
    """One document: its truth and what the pipeline said."""

    file: str
    label: str
    predicted: str | None
    confidence: float | None
    correct: bool
    review_required: bool | None
    status: str | None


@dataclass(frozen=True)
class EvaluationMetrics:
    """Every figure of an evaluation run; `to_dict()` is its JSON form."""

    labels: list[str]
    fallback_label: str
    document_count: int
    classified: int
    failed: int
    status_counts: dict[str, int]
    accuracy: float | None
    macro_f1: float | None
    per_label: dict[str, LabelScores]
    confusion: dict[str, dict[str, int]]  # truth -> predicted (and FAILED_COLUMN) -> count
    other_share: float | None
    review_share: float | None
    ece: float | None
    calibration_bins: list[CalibrationBin]
    input_tokens_per_document: float | None
    output_tokens_per_document: float | None
    cost_usd_per_document: float | None
    cost_usd_total: float | None
    documents: list[DocumentOutcome]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: dicts, lists, strings, numbers, booleans and None."""
        return asdict(self)


def evaluate(
    outcomes: Sequence[Mapping[str, Any]],
    *,
    fallback_label: str = "other",
    labels: Sequence[str] = (),
) -> EvaluationMetrics:
    """The metrics of `outcomes`, one mapping per labelled document with `file`, `label`,
    `predicted` (None when the document failed) and, optionally, `confidence`,
    `review_required`, `status`, `input_tokens`, `output_tokens` and `cost_usd` (None or
    absent when unknown). `labels` fixes the order of the tables (e.g. the labels file's
    order); labels met that it lacks follow in alphabetical order, the fallback label last.
    Raises ValueError for a confidence outside [0, 1]."""
    documents = [_outcome(o) for o in outcomes]
    order = _label_order(documents, labels, fallback_label)
    classified = [d for d in documents if d.predicted is not None]
    per_label = {label: _scores(label, documents) for label in order}
    confusion = {truth: {column: 0 for column in [*order, FAILED_COLUMN]} for truth in order}
    for d in documents:
        confusion[d.label][d.predicted if d.predicted is not None else FAILED_COLUMN] += 1
    ece, bins = calibration(
        [(d.confidence, d.correct) for d in classified if d.confidence is not None]
    )
    costs = [float(o["cost_usd"]) for o in outcomes if o.get("cost_usd") is not None]
    return EvaluationMetrics(
        labels=order,
        fallback_label=fallback_label,
        document_count=len(documents),
        classified=len(classified),
        failed=len(documents) - len(classified),
        status_counts=dict(Counter(d.status or "UNKNOWN" for d in documents)),
        accuracy=_share(sum(d.correct for d in documents), len(documents)),
        macro_f1=(sum(s.f1 for s in per_label.values()) / len(per_label) if per_label else None),
        per_label=per_label,
        confusion=confusion,
        other_share=_share(sum(d.predicted == fallback_label for d in classified), len(classified)),
        review_share=_share(sum(bool(d.review_required) for d in classified), len(classified)),
        ece=ece,
        calibration_bins=bins,
        input_tokens_per_document=_mean(outcomes, "input_tokens"),
        output_tokens_per_document=_mean(outcomes, "output_tokens"),
        cost_usd_per_document=sum(costs) / len(costs) if costs else None,
        cost_usd_total=sum(costs) if costs else None,
        documents=documents,
    )


def calibration(
    points: Sequence[tuple[float, bool]], bins: int = CALIBRATION_BINS
) -> tuple[float | None, list[CalibrationBin]]:
    """Expected calibration error of (confidence, correct) pairs over `bins` equal-width
    bins of confidence, each bin's |accuracy - mean confidence| weighted by its share of the
    pairs; and the bins (a reliability table). The ECE is None when there are no pairs."""
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, correct in points:
        members[min(int(confidence * bins), bins - 1)].append((confidence, correct))
    table = []
    for index, inside in enumerate(members):
        mean_confidence = _mean_of([c for c, _ in inside])
        accuracy = _mean_of([1.0 if ok else 0.0 for _, ok in inside])
        gap = (
            abs(accuracy - mean_confidence)
            if accuracy is not None and mean_confidence is not None
            else None
        )
        table.append(
            CalibrationBin(
                lower=index / bins,
                upper=(index + 1) / bins,
                count=len(inside),
                mean_confidence=mean_confidence,
                accuracy=accuracy,
                gap=gap,
            )
        )
    if not points:
        return None, table
    ece = sum(b.count * b.gap for b in table if b.gap is not None) / len(points)
    return ece, table


def _outcome(outcome: Mapping[str, Any]) -> DocumentOutcome:
    predicted = outcome.get("predicted")
    confidence = outcome.get("confidence")
    if confidence is not None and not 0.0 <= float(confidence) <= 1.0:
        raise ValueError(f"{outcome['file']}: confidence {confidence} is outside [0, 1]")
    review = outcome.get("review_required")
    return DocumentOutcome(
        file=str(outcome["file"]),
        label=str(outcome["label"]),
        predicted=None if predicted is None else str(predicted),
        confidence=None if predicted is None or confidence is None else float(confidence),
        correct=predicted is not None and str(predicted) == str(outcome["label"]),
        review_required=None if review is None else bool(review),
        status=None if outcome.get("status") is None else str(outcome["status"]),
    )


def _label_order(
    documents: Sequence[DocumentOutcome], labels: Sequence[str], fallback_label: str
) -> list[str]:
    """The labels present in truth or prediction: `labels` order first, then the others
    alphabetically, the fallback last."""
    present = {d.label for d in documents} | {d.predicted for d in documents if d.predicted}
    known = [label for label in labels if label in present and label != fallback_label]
    rest = sorted(present - set(known) - {fallback_label})
    return known + rest + ([fallback_label] if fallback_label in present else [])


def _scores(label: str, documents: Sequence[DocumentOutcome]) -> LabelScores:
    true_positive = sum(d.label == label and d.predicted == label for d in documents)
    support = sum(d.label == label for d in documents)
    predicted = sum(d.predicted == label for d in documents)
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelScores(precision, recall, f1, support, predicted)


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _mean(outcomes: Sequence[Mapping[str, Any]], key: str) -> float | None:
    return _mean_of([float(o[key]) for o in outcomes if o.get(key) is not None])


def _mean_of(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
