"""Injected faults at each step of the success and failure paths, through the offline twin.

For each fault: exactly one terminal record (never left PROCESSING), exactly one
notification or dead letter for the document (a failure has both: the FAILED notification
and its dead letter), the right error name, and a terminal record that nothing afterwards
contradicts. Service-integration faults are injected into the interpreter's DynamoDB, SNS
and SQS calls by state (docpipe.faults.ServiceFaults), task faults as Lambda crashes and
timeouts (TaskFaults), model faults by the Converse fake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from docpipe import samples
from docpipe.converse_fake import ConverseFake
from docpipe.engine import BUCKET, LocalEngine, Upload
from docpipe.faults import ServiceFaults, StateFault, TaskFaults
from tasks.shared.execution_names import UNDELIVERED_ERROR, document_id

GOOD = samples.LETTER.encode()
BAD = b"%PDF-1.7\n% a PDF header and nothing a parser can read\n"
TERMINAL = {"SUCCEEDED", "FAILED", "SKIPPED_DUPLICATE"}
MODEL = "amazon.nova-micro-v1:0"


@dataclass
class Outcome:
    """Everything one document left behind."""

    status: str  # the execution's
    error: str | None
    record: dict[str, Any]
    notifications: list[dict[str, Any]]
    dead_letters: list[dict[str, Any]]
    leases: dict[str, str] = field(default_factory=dict)

    @property
    def record_status(self) -> str:
        return str(self.record["status"]["S"])


def run(engine: LocalEngine, data: bytes, key: str) -> Outcome:
    upload = engine.upload(data, key)
    outcome = engine.wait(upload.execution_arn, timeout=120)
    engine.settle()
    return collect(engine, upload, outcome.status, outcome.error)


def collect(engine: LocalEngine, upload: Upload, status: str, error: str | None) -> Outcome:
    record = engine.document_item(document_id(BUCKET, upload.key, upload.version_id))
    assert record is not None, "no record at all"
    return Outcome(
        status,
        error,
        record,
        engine.notifications(),
        engine.dead_letters(),
        engine.semaphore().leases(),
    )


def assert_settled(outcome: Outcome) -> None:
    """One terminal record, one notification or dead letter, the lease given back."""
    assert outcome.record_status in TERMINAL, outcome.record
    assert len(outcome.notifications) + len(outcome.dead_letters) >= 1
    assert len(outcome.notifications) <= 1 and len(outcome.dead_letters) <= 1
    assert outcome.leases == {}
    for note in outcome.notifications:  # a notification never contradicts the record
        assert note["attributes"]["status"] == outcome.record_status


def faulted_engine(*faults: StateFault, tasks: TaskFaults | None = None) -> LocalEngine:
    return LocalEngine(time_scale=0.001, service_faults=ServiceFaults(faults), faults=tasks)


# -- the success path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ("Register Document", "InternalServerError"),
        ("Claim Content", "ThrottlingException"),
        ("Publish Completion", "InternalError"),
        ("Release Lease", "ProvisionedThroughputExceededException"),
    ],
)
def test_a_passing_service_fault_is_retried_and_the_document_succeeds(
    state: str, error: str
) -> None:
    with faulted_engine(StateFault(state, error, times=2)) as engine:
        outcome = run(engine, GOOD, "letter.txt")
        injected = engine.service_faults.injected if engine.service_faults else []

    assert [(s, e) for _, s, e in injected] == [(state, error)] * 2
    assert outcome.status == "SUCCEEDED" and outcome.record_status == "SUCCEEDED"
    assert_settled(outcome)
    assert len(outcome.notifications) == 1 and outcome.dead_letters == []


@pytest.mark.parametrize(
    ("state", "error", "named"),
    [
        ("Register Document", "AccessDeniedException", "DynamoDB.AccessDeniedException"),
        ("Claim Content", "ThrottlingException", "DynamoDB.ThrottlingException"),
    ],
)
def test_a_lasting_service_fault_before_the_record_fails_the_document_once(
    state: str, error: str, named: str
) -> None:
    with faulted_engine(StateFault(state, error)) as engine:
        outcome = run(engine, GOOD, "letter.txt")

    assert outcome.status == "FAILED" and outcome.error == named
    assert outcome.record_status == "FAILED"
    assert outcome.record["error_type"]["S"] == named
    assert_settled(outcome)
    assert [n["attributes"]["status"] for n in outcome.notifications] == ["FAILED"]
    assert [d["body"]["error"]["Error"] for d in outcome.dead_letters] == [named]


def test_a_completion_sns_refuses_is_kept_as_a_dead_letter_and_the_record_stays_succeeded() -> None:
    with faulted_engine(StateFault("Publish Completion", "InternalError")) as engine:
        outcome = run(engine, GOOD, "letter.txt")
        result = engine.read_json(outcome.record["result_key"]["S"])

    # The document was processed: record, result and execution agree
    assert outcome.status == "SUCCEEDED" and outcome.record_status == "SUCCEEDED"
    assert result["status"] == "SUCCEEDED"
    # The notification SNS refused waits in the dead-letter queue, ready to be published
    assert outcome.notifications == []
    [letter] = outcome.dead_letters
    assert letter["body"]["kind"] == "notification"
    assert letter["body"]["error"]["Error"] == "SNS.InternalErrorException"
    assert letter["body"]["notification"]["status"] == "SUCCEEDED"
    assert letter["body"]["notification"]["document_id"] == result["document_id"]
    assert_settled(outcome)


def test_a_lease_that_cannot_be_marked_is_freed_when_the_execution_ends() -> None:
    with faulted_engine(StateFault("Release Lease", "AccessDeniedException")) as engine:
        outcome = run(engine, GOOD, "letter.txt")

    assert outcome.status == "SUCCEEDED" and outcome.record_status == "SUCCEEDED"
    assert_settled(outcome)  # leases == {}: Execution Ended freed it


# -- the failure path ------------------------------------------------------------------------


def test_a_record_failure_that_cannot_write_is_settled_by_the_end_handler() -> None:
    with faulted_engine(StateFault("Record Failure", "AccessDeniedException")) as engine:
        outcome = run(engine, BAD, "broken.pdf")

    assert outcome.status == "FAILED" and outcome.error == "CorruptDocumentError"
    # Execution Ended marked the record it left PROCESSING
    assert outcome.record_status == "FAILED"
    assert outcome.record["error_type"]["S"] == "CorruptDocumentError"
    assert_settled(outcome)
    assert [d["body"]["error"]["Error"] for d in outcome.dead_letters] == ["CorruptDocumentError"]


def test_a_dead_letter_the_queue_refuses_reaches_it_through_the_status_change() -> None:
    with faulted_engine(StateFault("Send To DLQ", "InternalError")) as engine:
        outcome = run(engine, BAD, "broken.pdf")

    assert outcome.status == "FAILED" and outcome.error == UNDELIVERED_ERROR
    assert outcome.record_status == "FAILED"
    assert outcome.record["error_type"]["S"] == "CorruptDocumentError"
    # The ExecutionStopped rule delivered the status change: the execution and its input
    [letter] = outcome.dead_letters
    assert letter["body"]["detail-type"] == "Step Functions Execution Status Change"
    assert letter["body"]["detail"]["error"] == UNDELIVERED_ERROR
    assert json.loads(letter["body"]["detail"]["input"])["detail"]["object"]["key"].endswith(
        "broken.pdf"
    )
    assert_settled(outcome)


def test_a_failure_notification_sns_refuses_leaves_the_dead_letter() -> None:
    with faulted_engine(StateFault("Publish Failure", "InternalError")) as engine:
        outcome = run(engine, BAD, "broken.pdf")

    assert outcome.status == "FAILED" and outcome.error == "CorruptDocumentError"
    assert outcome.record_status == "FAILED"
    assert outcome.notifications == []
    assert [d["body"]["error"]["Error"] for d in outcome.dead_letters] == ["CorruptDocumentError"]
    assert_settled(outcome)


# -- tasks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "faults"),
    [
        ("extract_text", TaskFaults(crash_rate=1.0, tasks=frozenset({"extract_text"}))),
        ("summarize_text", TaskFaults(timeout_rate=1.0, tasks=frozenset({"summarize_text"}))),
        ("store_results", TaskFaults(crash_rate=1.0, tasks=frozenset({"store_results"}))),
    ],
)
def test_a_task_that_keeps_crashing_or_timing_out_fails_lambda_unknown(
    task: str, faults: TaskFaults
) -> None:
    with faulted_engine(tasks=faults) as engine:
        outcome = run(engine, GOOD, "letter.txt")

    assert outcome.status == "FAILED" and outcome.error == "Lambda.Unknown"
    assert outcome.record_status == "FAILED"
    assert outcome.record["error_type"]["S"] == "Lambda.Unknown"
    assert_settled(outcome)
    assert [d["body"]["error"]["Error"] for d in outcome.dead_letters] == ["Lambda.Unknown"]


def test_an_object_deleted_before_extraction_fails_document_not_found() -> None:
    with faulted_engine() as engine:
        s3 = engine.client("s3")
        key = "incoming/deleted.txt"
        version = s3.put_object(Bucket=BUCKET, Key="staging.txt", Body=GOOD)["VersionId"]
        # An upload event for a version that is gone by the time the pipeline reads it
        sfn = engine.client("stepfunctions")
        event = {
            "version": "0",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "detail": {
                "bucket": {"name": BUCKET},
                "object": {"key": key, "size": len(GOOD), "etag": "0", "version-id": version},
            },
        }
        started = sfn.start_execution(
            stateMachineArn=engine.state_machine_arn, name="deleted-0", input=json.dumps(event)
        )
        ended = engine.wait(started["executionArn"], timeout=120)
        engine.settle()
        upload = Upload(None, key, version, "0", started["executionArn"])
        outcome = collect(engine, upload, ended.status, ended.error)

    assert outcome.status == "FAILED" and outcome.error == "DocumentNotFoundError"
    assert outcome.record_status == "FAILED"
    assert_settled(outcome)


def test_an_object_overwritten_before_extraction_processes_each_version_as_uploaded() -> None:
    with faulted_engine() as engine:
        first = engine.upload(GOOD, "memo.txt")
        second = engine.upload(samples.LETTER.replace("Dear", "Hello").encode(), "memo.txt")
        outcomes = [engine.wait(u.execution_arn, timeout=120) for u in (first, second)]
        engine.settle()
        records = [
            engine.document_item(document_id(BUCKET, u.key, u.version_id)) for u in (first, second)
        ]

    assert first.version_id != second.version_id
    assert [o.status for o in outcomes] == ["SUCCEEDED", "SUCCEEDED"]
    assert [r["status"]["S"] for r in records if r] == ["SUCCEEDED", "SUCCEEDED"]


# -- the model -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bedrock_error",
    ["InternalServerException", "ModelErrorException", "ModelTimeoutException"],
)
def test_a_passing_model_fault_is_retried_and_the_document_succeeds(
    bedrock: LocalEngine, fake: ConverseFake, bedrock_error: str
) -> None:
    fake.fail_next(2, bedrock_error)

    outcome = run(bedrock, GOOD, "letter.txt")

    assert outcome.status == "SUCCEEDED" and outcome.record_status == "SUCCEEDED"
    assert [c.status >= 400 for c in fake.converse_calls()][:2] == [True, True]
    assert_settled(outcome)


@pytest.mark.parametrize(
    "bedrock_error",
    ["InternalServerException", "ModelErrorException", "ModelTimeoutException"],
)
def test_a_lasting_model_fault_fails_model_unavailable(
    bedrock: LocalEngine, fake: ConverseFake, bedrock_error: str
) -> None:
    fake.fail_always(bedrock_error)

    outcome = run(bedrock, GOOD, "letter.txt")

    assert outcome.status == "FAILED" and outcome.error == "ModelUnavailableError"
    assert outcome.record_status == "FAILED"
    assert_settled(outcome)


def test_a_request_beyond_the_context_window_fails_context_exceeded_at_once(
    bedrock: LocalEngine, fake: ConverseFake
) -> None:
    fake.fail_always("ValidationException", message="Input is too long for requested model.")

    outcome = run(bedrock, GOOD, "letter.txt")

    assert outcome.status == "FAILED" and outcome.error == "ModelContextExceededError"
    assert len(fake.converse_calls()) == 1  # a client error is not retried
    [letter] = outcome.dead_letters
    assert "DOCPIPE_CHUNK_TOKENS" in json.loads(letter["body"]["error"]["Cause"])["errorMessage"]
    assert_settled(outcome)
