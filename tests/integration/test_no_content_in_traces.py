"""Document contents never reach X-Ray or the logs: no handler's response is captured by the
Tracer, and no log line quotes the document's text or its summary."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from docpipe.engine import LocalEngine
from tasks.shared import observability

# A sentence that can only reach a trace or a log line from the document or its summary.
MARKER = "Zanzibar marmalade quotas rose by eleven percent"
DOCUMENT = (
    f"Quarterly trade memo.\n\n{MARKER} in the third quarter, driven by exports.\n\n"
    "The committee recommends keeping the current tariffs for another year. "
    "Shipping costs fell slightly; insurance premiums were unchanged.\n"
).encode()


class RecordingSubsegment:
    """Stands in for an X-Ray subsegment: keeps what the Tracer puts on it."""

    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self._calls = calls

    def put_metadata(self, key: str, value: Any, namespace: str = "") -> None:
        self._calls.append(("metadata", {"key": key, "value": value}))

    def put_annotation(self, key: str, value: Any) -> None:
        self._calls.append(("annotation", {"key": key, "value": value}))

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        self._calls.append(("exception", str(exception)))


class RecordingProvider:
    """Stands in for the Tracer's X-Ray provider."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @contextlib.contextmanager
    def in_subsegment(self, name: str, **kwargs: Any) -> Iterator[RecordingSubsegment]:
        self.calls.append(("subsegment", name))
        yield RecordingSubsegment(self.calls)


class Lines(logging.Handler):
    """Every log record of the handlers, with its extra fields, as text."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.dumps(record.__dict__, default=str))


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    recording = RecordingProvider()
    monkeypatch.setattr(observability.tracer, "provider", recording)
    return recording


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    target = logging.getLogger(observability.logger.name)
    target.addHandler(handler)
    try:
        yield handler
    finally:
        target.removeHandler(handler)


def test_a_processed_document_leaves_no_text_in_traces_or_logs(
    provider: RecordingProvider, lines: Lines
) -> None:
    with LocalEngine(time_scale=0.001, log_level="DEBUG") as engine:
        upload = engine.upload(DOCUMENT, "incoming/trade-memo.txt")
        outcome = engine.wait(upload.execution_arn, timeout=120)
    assert outcome.output is not None
    summary = outcome.output["summary"]

    assert outcome.status == "SUCCEEDED"
    # The tracer wrapped the handlers, and captured none of their responses
    assert ("subsegment", "## handler") in provider.calls
    metadata = [call for kind, call in provider.calls if kind == "metadata"]
    assert [m for m in metadata if m["key"].endswith("response")] == []
    traced = json.dumps(provider.calls, default=str)
    # The handlers logged (at debug), and no line quotes the document or its summary
    assert lines.lines
    logged = "\n".join(lines.lines)
    summary_sentence = summary.split(".")[0]
    assert summary_sentence
    for secret in (MARKER, "Zanzibar", summary_sentence):
        assert secret not in traced
        assert secret not in logged
