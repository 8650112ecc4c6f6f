"""Loading and validating the classification labels file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasks.shared.errors import ConfigurationError
from tasks.shared.labels import DEFAULT_LABELS_FILE, load_labels, parse_labels


def _valid() -> dict[str, Any]:
    return {
        "labels": [
            {"name": "invoice", "description": "A bill asking for payment."},
            {"name": "letter", "description": "A letter to someone."},
        ],
        "fallback": "other",
        "review_threshold": 0.6,
        "fallback_threshold": 0.2,
    }


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_default_file_is_the_bundled_one_and_is_valid() -> None:
    labels = load_labels()

    assert DEFAULT_LABELS_FILE.name == "labels.json"
    assert DEFAULT_LABELS_FILE.parent.name == "shared"
    assert labels.fallback == "other"
    assert len(labels.labels) >= 8
    assert labels.names[-1] == "other"
    assert len(set(labels.names)) == len(labels.names)
    assert 0.0 < labels.fallback_threshold < labels.review_threshold < 1.0
    # Descriptions are what the local model matches against: each must say something.
    assert all(len(label.description.split()) >= 15 for label in labels.labels)


def test_named_file_is_read(tmp_path: Path) -> None:
    labels = load_labels(str(_write(tmp_path, _valid())))

    assert [label.name for label in labels.labels] == ["invoice", "letter"]
    assert labels.names == ("invoice", "letter", "other")
    assert labels.review_threshold == 0.6
    assert labels.fallback_threshold == 0.2


def test_integer_thresholds_are_accepted(tmp_path: Path) -> None:
    data = _valid() | {"review_threshold": 1, "fallback_threshold": 0}

    labels = load_labels(_write(tmp_path, data))

    assert (labels.review_threshold, labels.fallback_threshold) == (1.0, 0.0)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"

    with pytest.raises(ConfigurationError, match=r"nope\.json"):
        load_labels(missing)


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{labels: [", encoding="utf-8")

    with pytest.raises(ConfigurationError, match=r"broken\.json is not valid JSON"):
        load_labels(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": []}, "'labels' must be a non-empty list"),
        ({"labels": "invoice"}, "'labels' must be a non-empty list"),
        ({"labels": ["invoice"]}, r"labels\[0\] must be an object"),
        ({"labels": [{"name": "invoice"}]}, r"labels\[0\]\.description must be"),
        ({"labels": [{"name": " ", "description": "x"}]}, r"labels\[0\]\.name must be"),
        (
            {
                "labels": [
                    {"name": "invoice", "description": "a"},
                    {"name": "invoice", "description": "b"},
                ]
            },
            "unique; repeated: invoice",
        ),
        ({"fallback": "invoice"}, "fallback 'invoice' must not also be a label"),
        ({"fallback": ""}, "fallback must be a non-empty string"),
        ({"review_threshold": 1.5}, r"review_threshold must be in \[0, 1\]"),
        ({"fallback_threshold": -0.1}, r"fallback_threshold must be in \[0, 1\]"),
        ({"review_threshold": True}, "review_threshold must be a number"),
        ({"fallback_threshold": "0.2"}, "fallback_threshold must be a number"),
        ({"review_threshold": None}, "review_threshold must be a number"),
    ],
)
def test_invalid_content_is_a_configuration_error(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, _valid() | change)

    with pytest.raises(ConfigurationError, match=message) as caught:
        load_labels(path)

    assert str(path) in str(caught.value)


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ConfigurationError, match="top level must be a JSON object"):
        parse_labels([{"name": "invoice", "description": "x"}])


def test_names_and_descriptions_are_trimmed() -> None:
    data = _valid()
    data["labels"][0] = {"name": " invoice ", "description": "  A bill.  "}

    labels = parse_labels(data)

    assert labels.labels[0].name == "invoice"
    assert labels.labels[0].description == "A bill."
