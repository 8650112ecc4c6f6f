"""The trigger pattern: placeholder filling, what it matches (with the matcher the offline
engine uses, and a pattern EventBridge reads the same way), and the stack's context settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern

from infra.config import DEFAULT_INCOMING_PREFIX, DEFAULT_MODEL_ID, TRIGGER_PATTERN, DocpipeConfig
from infra.patterns import placeholders, substitute, trigger_pattern


def test_trigger_pattern_fills_bucket_and_prefix_and_keeps_the_rest() -> None:
    raw = json.loads(TRIGGER_PATTERN.read_text(encoding="utf-8"))

    pattern = trigger_pattern('bucket "quoted"', "in/")

    assert pattern["detail"]["bucket"]["name"] == ['bucket "quoted"']
    with_content, empty = (branch["object"] for branch in pattern["detail"]["$or"])
    assert with_content == {"key": [{"prefix": "in/"}], "size": [{"numeric": [">", 0]}]}
    assert empty == {"key": [{"wildcard": "in/*.*"}], "size": [{"numeric": ["=", 0]}]}
    assert pattern["source"] == raw["source"]
    assert pattern["detail-type"] == raw["detail-type"]
    assert "${" not in json.dumps(pattern)


# What the rule must match, as S3 sends it to EventBridge (only the fields the pattern reads
# differ): (bucket, key, size) → matched.
BUCKET = "docpipe-documents"
UPLOADS = {
    "a document": (BUCKET, "incoming/report.pdf", 1234, True),
    "a document in a folder": (BUCKET, "incoming/2024/q1/report.docx", 10, True),
    "a key with spaces and signs": (BUCKET, "incoming/a b+c (1).pdf", 10, True),
    "an empty file": (BUCKET, "incoming/empty.pdf", 0, True),
    "an empty file in a folder": (BUCKET, "incoming/2024/empty.txt", 0, True),
    "the prefix's folder marker": (BUCKET, "incoming/", 0, False),
    "a folder marker": (BUCKET, "incoming/2024/", 0, False),
    "a nested folder marker": (BUCKET, "incoming/2024/q1/", 0, False),
    "an artifact": (BUCKET, "artifacts/0123/text.json", 2048, False),
    "an empty object elsewhere": (BUCKET, "results/empty.json", 0, False),
    "a folder marker elsewhere": (BUCKET, "results/", 0, False),
    "a document in another bucket": ("another-bucket", "incoming/report.pdf", 1234, False),
    # Known limits of a pattern that cannot test one field twice (see trigger_pattern):
    "an empty file without a dot": (BUCKET, "incoming/README", 0, False),
    "a dotted folder marker": (BUCKET, "incoming/v1.2/", 0, True),
}


def object_created(bucket: str, key: str, size: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-01-05T10:00:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": size,
                "etag": "b1946ac92492d2347c6235b4d2611184",
                "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
                "sequencer": "00617F08299329D189",
            },
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "1.2.3.4",
            "reason": "PutObject",
        },
    }


@pytest.mark.parametrize(("bucket", "key", "size", "matched"), UPLOADS.values(), ids=UPLOADS)
def test_rule_pattern_matches_documents_and_leaves_out_folder_markers(
    bucket: str, key: str, size: int, matched: bool
) -> None:
    # Given the pattern as the stack and the offline engine fill it, and moto's matcher,
    # which the offline engine routes uploads with
    pattern = EventPattern.load(json.dumps(trigger_pattern(BUCKET, "incoming/")))

    # Then an upload reaches the intake exactly when it is a document under the prefix
    assert pattern.matches_event(object_created(bucket, key, size)) is matched


def compile_like_eventbridge(
    pattern: dict[str, Any], base: dict[str, Any] | None = None, path: str = ""
) -> list[dict[str, Any]]:
    """The pattern's alternatives as EventBridge's matcher compiles them: each `$or` branch is
    a copy of the enclosing fields plus its own, keyed by dotted path. A path given twice in
    one alternative is refused here: EventBridge would keep only the last (aws/event-ruler's
    JsonRuleCompiler overrides it), silently dropping the other condition."""
    alternatives = [dict(base or {})]
    for name, value in pattern.items():
        if name == "$or":
            assert isinstance(value, list) and len(value) >= 2, "$or takes 2+ objects"
            alternatives = [
                branch
                for alternative in alternatives
                for option in value
                for branch in compile_like_eventbridge(option, alternative, path)
            ]
            continue
        field = f"{path}.{name}" if path else name
        if isinstance(value, dict):
            alternatives = [
                branch
                for alternative in alternatives
                for branch in compile_like_eventbridge(value, alternative, field)
            ]
            continue
        assert isinstance(value, list) and value, f"{field}: a non-empty array"
        for alternative in alternatives:
            assert field not in alternative, f"{field} is matched twice in one alternative"
            alternative[field] = value
    return alternatives


def test_no_field_is_matched_twice_in_one_alternative() -> None:
    # Moto ANDs a field named both outside and inside a `$or` branch; EventBridge keeps only
    # the branch's condition. The pattern must not depend on the difference.
    alternatives = compile_like_eventbridge(trigger_pattern(BUCKET, "incoming/"))

    assert [sorted(a) for a in alternatives] == [
        ["detail-type", "detail.bucket.name", "detail.object.key", "detail.object.size", "source"]
    ] * 2
    # Every alternative keeps the incoming prefix.
    assert all("incoming/" in json.dumps(a["detail.object.key"]) for a in alternatives)


def test_compile_like_eventbridge_refuses_a_field_in_and_outside_a_branch() -> None:
    naive = {
        "detail": {
            "object": {"key": [{"prefix": "incoming/"}]},
            "$or": [
                {"object": {"size": [{"numeric": [">", 0]}]}},
                {"object": {"key": [{"anything-but": {"suffix": "/"}}]}},
            ],
        }
    }
    with pytest.raises(AssertionError, match=r"detail\.object\.key is matched twice"):
        compile_like_eventbridge(naive)


@pytest.mark.parametrize("prefix", ["in*coming/", "in\\coming/"])
def test_a_prefix_with_wildcard_operators_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="wildcard"):
        trigger_pattern(BUCKET, prefix)


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
