"""The classification labels: read and validated from a JSON file.

The default file, labels.json next to this module, is bundled with the tasks. Another file
can be named by `DOCPIPE_LABELS_FILE`; the caller reads the setting and passes the path.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tasks.shared.errors import ConfigurationError
from tasks.shared.models import Label, LabelSet

DEFAULT_LABELS_FILE = Path(__file__).with_name("labels.json")


def load_labels(path: str | Path | None = None) -> LabelSet:
    """Read and validate a labels file (default: the bundled labels.json).

    Format: {"labels": [{"name", "description"}, ...], "fallback": "other",
    "review_threshold": 0.x, "fallback_threshold": 0.x}. A description is a definition
    whose first sentence names the kinds of document the label covers before a colon
    ("Invoice, bill or receipt: a request to a customer to pay ..."): the local model looks
    for those words in a document's first headings, and compares the document with each
    item the description lists (cut at stops, colons, commas, "and" and "or"). The
    `review_threshold` is the
    confidence below which a result is flagged for review; `fallback_threshold` is how far
    (in cosine) the best label must stand above the average of the others for the local
    model to pick it over the fallback. Raises ConfigurationError naming the file and the
    problem.
    """
    file = Path(path) if path is not None else DEFAULT_LABELS_FILE
    try:
        raw = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read labels file {file}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"labels file {file} is not valid JSON: {exc}") from exc
    try:
        return parse_labels(data)
    except ConfigurationError as exc:
        raise ConfigurationError(f"labels file {file}: {exc}") from exc


def parse_labels(data: Any) -> LabelSet:
    """Validate the decoded JSON of a labels file and build the LabelSet."""
    if not isinstance(data, dict):
        raise ConfigurationError("the top level must be a JSON object")
    entries = data.get("labels")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError("'labels' must be a non-empty list")
    labels: list[Label] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigurationError(f"labels[{index}] must be an object with name, description")
        name = _text(entry.get("name"), f"labels[{index}].name")
        description = _text(entry.get("description"), f"labels[{index}].description")
        labels.append(Label(name=name, description=description))
    names = [label.name for label in labels]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(f"label names must be unique; repeated: {', '.join(duplicates)}")
    fallback = _text(data.get("fallback"), "fallback")
    if fallback in names:
        raise ConfigurationError(
            f"fallback {fallback!r} must not also be a label: it is what no label matching means"
        )
    return LabelSet(
        labels=tuple(labels),
        fallback=fallback,
        review_threshold=_unit_interval(data.get("review_threshold"), "review_threshold"),
        fallback_threshold=_unit_interval(data.get("fallback_threshold"), "fallback_threshold"),
    )


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{field} must be a non-empty string")
    return value.strip()


def _unit_interval(value: Any, field: str) -> float:
    # bool is an int subclass: `true` in the file is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{field} must be a number in [0, 1]")
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ConfigurationError(f"{field} must be in [0, 1], got {value}")
    return number
