"""DocpipeConfig: CDK context keys, their documented defaults in cdk.json, and validation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.config import (
    DEFAULT_LABELS_PATH,
    PIPELINE_ASL,
    PROJECT_ROOT,
    DocpipeConfig,
    cdk_json_context,
    pipeline_timeout_seconds,
)
from tasks.shared.labels import DEFAULT_LABELS_FILE
from tasks.shared.settings import Settings

# Context key → DocpipeConfig field.
CONTEXT_KEYS = {
    "incomingPrefix": "incoming_prefix",
    "modelId": "model_id",
    "budgetModelId": "budget_model_id",
    "maxDocumentTokens": "max_document_tokens",
    "labelsFile": "labels_file",
    "maxDocumentBytes": "max_document_bytes",
    "maxPages": "max_pages",
    "maxCharacters": "max_characters",
    "maxExtractSeconds": "max_extract_seconds",
    "modelConcurrency": "model_concurrency",
    "modelCallsPerDocument": "model_calls_per_document",
    "maxConcurrentDocuments": "max_concurrent_documents",
    "artifactRetentionDays": "artifact_retention_days",
    "noncurrentVersionDays": "noncurrent_version_days",
    "batchPrefix": "batch_prefix",
    "batchMinRecords": "batch_min_records",
    "batchMaxWaitSeconds": "batch_max_wait_seconds",
    "alarmEmail": "alarm_email",
}


def from_context(context: dict[str, Any]) -> DocpipeConfig:
    return DocpipeConfig.from_context(cdk.App(context=context).node)


def test_every_field_has_a_context_key() -> None:
    assert set(CONTEXT_KEYS.values()) == {f.name for f in dataclasses.fields(DocpipeConfig)}


def test_cdk_json_documents_every_key_with_the_default() -> None:
    context = cdk_json_context()
    defaults = DocpipeConfig()
    for key, field in CONTEXT_KEYS.items():
        assert key in context, key
        value = getattr(defaults, field)
        assert context[key] == ("" if value is None else value), key
    assert from_context(context) == defaults


def test_limit_defaults_are_the_tasks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAX_DOCUMENT_BYTES", "MAX_PAGES", "MAX_CHARACTERS", "MAX_EXTRACT_SECONDS"):
        monkeypatch.delenv(f"DOCPIPE_{name}", raising=False)
    settings = Settings.from_env()
    defaults = DocpipeConfig()
    assert defaults.max_document_bytes == settings.max_document_bytes
    assert defaults.max_pages == settings.max_pages
    assert defaults.max_characters == settings.max_characters
    assert defaults.max_extract_seconds == settings.max_extract_seconds
    assert defaults.max_document_tokens == settings.max_document_tokens
    assert defaults.labels_path == DEFAULT_LABELS_FILE
    for name in ("MAX_CONCURRENT_DOCUMENTS", "PROCESSING_TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"DOCPIPE_{name}", raising=False)
    monkeypatch.delenv("DOCPIPE_MODEL_CALLS_PER_DOCUMENT", raising=False)
    settings = Settings.from_env()
    assert defaults.max_concurrent_documents == settings.max_concurrent_documents
    assert defaults.model_calls_per_document == settings.model_calls_per_document
    # The starter's default time limit of a lease is the state machine's own.
    assert pipeline_timeout_seconds() == settings.processing_timeout_seconds
    assert DEFAULT_LABELS_PATH == "tasks/shared/labels.json"


def test_absent_context_gives_the_defaults() -> None:
    assert from_context({}) == DocpipeConfig()


def test_context_values_from_the_command_line_are_strings() -> None:
    config = from_context(
        {
            "maxPages": "10",
            "maxDocumentBytes": "1024",
            "modelConcurrency": "2",
            "maxConcurrentDocuments": "20",
            "alarmEmail": " ops@example.com ",
        }
    )
    assert (config.max_pages, config.max_document_bytes, config.model_concurrency) == (10, 1024, 2)
    assert config.max_concurrent_documents == 20
    assert config.alarm_email == "ops@example.com"
    assert from_context({"alarmEmail": ""}).alarm_email is None


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"maxPages": "many"}, "maxPages must be an integer"),
        ({"maxPages": True}, "maxPages must be an integer"),
        ({"maxPages": 0}, "maxPages must be positive"),
        ({"modelConcurrency": -1}, "modelConcurrency must be positive"),
        ({"modelCallsPerDocument": 0}, "modelCallsPerDocument must be positive"),
        ({"modelCallsPerDocument": 41}, "modelCallsPerDocument must be at most 40"),
        ({"maxConcurrentDocuments": 0}, "maxConcurrentDocuments must be positive"),
        ({"maxConcurrentDocuments": "eight"}, "maxConcurrentDocuments must be an integer"),
        ({"maxCharacters": 0}, "maxCharacters must be positive"),
        ({"maxExtractSeconds": 300}, "below Extract Text's Lambda timeout"),
        ({"labelsFile": "no/such/labels.json"}, "labelsFile: cannot read labels file"),
    ],
)
def test_bad_context_values_are_refused(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_context(context)


def test_labels_file_is_validated_with_the_tasks_loader(tmp_path: Path) -> None:
    bad = tmp_path / "labels.json"
    bad.write_text('{"labels": [], "fallback": "other"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"labelsFile: labels file .*'labels' must be"):
        DocpipeConfig(labels_file=str(bad))


def test_relative_labels_file_is_from_the_project_root() -> None:
    config = DocpipeConfig(labels_file="tasks/shared/labels.json")
    assert config.labels_path == PROJECT_ROOT / "tasks" / "shared" / "labels.json"


def test_pipeline_timeout_is_the_asl_files_own(tmp_path: Path) -> None:
    definition = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))
    assert pipeline_timeout_seconds() == definition["TimeoutSeconds"]
    bad = tmp_path / "machine.asl.json"
    for timeout in (None, "21600", 0, True):
        bad.write_text(json.dumps({"TimeoutSeconds": timeout}), encoding="utf-8")
        with pytest.raises(ValueError, match="TimeoutSeconds must be a positive integer"):
            pipeline_timeout_seconds(bad)
