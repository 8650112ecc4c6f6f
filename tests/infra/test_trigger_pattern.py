"""Placeholder filling for the trigger pattern, and the stack's context settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import DEFAULT_INCOMING_PREFIX, DEFAULT_MODEL_ID, TRIGGER_PATTERN, DocpipeConfig
from infra.patterns import placeholders, substitute, trigger_pattern


def test_trigger_pattern_fills_bucket_and_prefix_and_keeps_the_rest() -> None:
    raw = json.loads(TRIGGER_PATTERN.read_text(encoding="utf-8"))

    pattern = trigger_pattern('bucket "quoted"', "in/")

    assert pattern["detail"]["bucket"]["name"] == ['bucket "quoted"']
    assert pattern["detail"]["object"]["key"] == [{"prefix": "in/"}]
    assert pattern["source"] == raw["source"]
    assert pattern["detail-type"] == raw["detail-type"]
    assert "${" not in json.dumps(pattern)


def test_substitute_refuses_unknown_and_unused_placeholders() -> None:
    with pytest.raises(KeyError, match="Missing"):
        substitute({"a": "${Missing}"}, {})
    with pytest.raises(KeyError, match="Extra"):
        substitute({"a": "${Known}"}, {"Known": "x", "Extra": "y"})
    assert substitute(["p-${A}-${A}", 3, None], {"A": "z"}) == ["p-z-z", 3, None]


def test_placeholders_lists_names() -> None:
    assert placeholders('{"x": "${One}", "y": "${Two}/${One}"}') == {"One", "Two"}


def test_trigger_pattern_reads_any_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"detail": {"b": ["${BucketName}"], "k": ["${IncomingPrefix}"]}}')
    assert trigger_pattern("b1", "p/", path) == {"detail": {"b": ["b1"], "k": ["p/"]}}


def test_config_defaults_and_validation() -> None:
    assert DocpipeConfig() == DocpipeConfig(DEFAULT_INCOMING_PREFIX, DEFAULT_MODEL_ID)
    with pytest.raises(ValueError, match="incomingPrefix"):
        DocpipeConfig(incoming_prefix="")
    with pytest.raises(ValueError, match="modelId"):
        DocpipeConfig(model_id="arn:aws:bedrock:*")
    with pytest.raises(ValueError, match="modelId"):
        DocpipeConfig(model_id="a model")
