"""The offline engine behaves like the AWS services it stands in for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docpipe import engine as engine_module
from docpipe import samples
from docpipe.engine import MAX_STATE_BYTES, EngineError, LocalEngine, WaitTimeout
from tasks.shared.observability import logger


def test_handler_errors_come_back_as_lambda_function_errors(engine: LocalEngine) -> None:
    # Given a function whose handler raises a named error
    arn = next(iter(engine._handlers))

    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from tasks.shared.errors import EmptyDocumentError

        raise EmptyDocumentError("nothing here")

    engine._handlers[arn] = (broken, 128, 3)
    # When invoked, then the answer has Lambda's Unhandled shape with the class name
    response = engine._invoke_lambda(arn, b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"]["errorType"] == "EmptyDocumentError"
    assert response["Payload"]["errorMessage"] == "nothing here"


def test_a_task_result_over_the_state_limit_fails_as_on_aws(engine: LocalEngine) -> None:
    arn = next(iter(engine._handlers))
    engine._handlers[arn] = (lambda event, context: {"text": "x" * MAX_STATE_BYTES}, 128, 3)
    response = engine._invoke_lambda(arn, b"{}")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"]["errorType"] == "EngineError"


def test_unknown_function_is_an_engine_error(engine: LocalEngine) -> None:
    with pytest.raises(EngineError):
        engine._invoke_lambda("arn:aws:lambda:us-east-1:123456789012:function:nope", b"{}")


def test_upload_that_starts_no_execution_times_out_instead_of_hanging(
    engine: LocalEngine,
) -> None:
    # Given a rule that no longer targets the intake queue
    engine.client("events").remove_targets(Rule="docpipe-document-uploaded", Ids=["target"])
    # When a document is uploaded, then waiting for it ends, saying it was never admitted
    upload = engine.upload(b"Some short text about the budget meeting.", "notes.txt")
    with pytest.raises(WaitTimeout, match="not admitted from the intake"):
        engine.wait(upload.execution_arn, timeout=0.5)


def test_execution_input_is_the_aws_shaped_s3_event(engine: LocalEngine) -> None:
    upload = engine.upload(samples.LETTER.encode(), "letter.txt")
    engine.wait(upload.execution_arn, timeout=120)
    described = engine.client("stepfunctions").describe_execution(executionArn=upload.execution_arn)
    event = json.loads(described["input"])
    assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["etag"] == upload.etag
    assert event["detail"]["object"]["version-id"] == upload.version_id


def test_task_logs_carry_the_document_id_as_correlation_id(engine: LocalEngine) -> None:
    upload = engine.upload(samples.LETTER.encode(), "letter.txt")
    outcome = engine.wait(upload.execution_arn, timeout=120)
    assert outcome.output is not None
    assert logger.get_correlation_id() == outcome.output["document_id"]


def test_wait_is_woken_by_the_end_not_by_polling(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fallback poll far slower than the test, and DescribeExecution calls counted
    monkeypatch.setattr(engine_module, "WAIT_FALLBACK_POLL_SECONDS", 3600.0)
    described: list[str] = []
    describe = engine.describe

    def counted(execution_arn: str) -> dict[str, Any] | None:
        described.append(execution_arn)
        return describe(execution_arn)

    monkeypatch.setattr(engine, "describe", counted)
    upload = engine.upload(samples.LETTER.encode(), "letter.txt")

    # When waiting for the execution
    outcome = engine.wait(upload.execution_arn, timeout=120)

    # Then it returned with the end, having asked at most once before and once after it
    assert outcome.status == "SUCCEEDED"
    assert len(described) <= 2


def test_ended_among_names_the_executions_that_ended(engine: LocalEngine) -> None:
    # Given one document run to its end and an execution that never starts
    upload = engine.upload(samples.LETTER.encode(), "letter.txt")
    engine.wait(upload.execution_arn, timeout=120)
    never = engine.execution_arn("never-started")

    # When asked which of the two ended, then only the first is named
    assert engine.ended_among([upload.execution_arn, never], timeout=30) == {upload.execution_arn}
    # And for executions none of which ends, the answer after the timeout is empty
    assert engine.ended_among([never], timeout=0.05) == set()
