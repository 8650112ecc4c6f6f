"""The queued intake on the offline twin: bursts wait in the queue, nothing starts twice,
nothing is lost, every lease comes back, no record stays PROCESSING."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

import tasks.start_pipeline.handler as starter
from docpipe import samples
from docpipe.engine import BUCKET, LocalEngine, WaitTimeout
from tasks.catalog import START_PIPELINE
from tasks.shared import clock
from tasks.shared.execution_names import document_id, execution_name

LETTER = samples.LETTER.encode()


def executions(engine: LocalEngine) -> list[dict[str, Any]]:
    sfn = engine.client("stepfunctions")
    listed: list[dict[str, Any]] = sfn.list_executions(stateMachineArn=engine.state_machine_arn)[
        "executions"
    ]
    return listed


def queue_depth(engine: LocalEngine, url: str) -> int:
    attributes = engine.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.fixture
def capped() -> Iterator[LocalEngine]:
    """An engine that admits one document at a time."""
    with LocalEngine(time_scale=0.001, max_concurrent_documents=1) as engine:
        yield engine


def test_the_execution_is_named_after_the_object_and_its_id_matches_the_asl(
    engine: LocalEngine,
) -> None:
    # When a document is uploaded
    upload = engine.upload(LETTER, "Quarterly report (final).txt")
    outcome = engine.wait(upload.execution_arn, timeout=120)
    # Then its execution is found by a readable name of key and version
    name = upload.execution_arn.rsplit(":", 1)[-1]
    assert name == execution_name(BUCKET, upload.key, upload.version_id)
    assert name.startswith("incoming-Quarterly-report-final-txt-")
    # And the ASL's document id is the one the intake functions compute
    assert outcome.output is not None
    assert outcome.output["document_id"] == document_id(BUCKET, upload.key, upload.version_id)
    # And its lease was given back
    assert engine.semaphore().leases() == {}
    assert engine.semaphore().running() == 0


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_a_redelivered_intake_message_starts_no_second_execution(engine: LocalEngine) -> None:
    # Given a document processed through the intake
    upload = engine.upload(LETTER, "letter.txt")
    engine.wait(upload.execution_arn, timeout=120)
    described = engine.client("stepfunctions").describe_execution(executionArn=upload.execution_arn)
    event = json.loads(described["input"])
    event.pop("docpipe")
    source = engine.event_source
    assert source is not None
    deleted = source.stats.deleted
    # When the same S3 event arrives in the intake queue again (at-least-once delivery)
    engine.client("sqs").send_message(QueueUrl=engine.intake_url, MessageBody=json.dumps(event))
    # Then the starter takes it and counts it as done (deleted, not handed back)
    wait_until(lambda: source.stats.deleted > deleted)
    assert queue_depth(engine, engine.intake_url) == 0
    assert source.stats.handed_back == 0
    # And it started nothing and kept no lease
    assert [e["executionArn"] for e in executions(engine)] == [upload.execution_arn]
    assert engine.semaphore().leases() == {}


def test_a_full_house_waits_in_the_queue_and_starts_when_a_place_frees(
    capped: LocalEngine,
) -> None:
    # Given the only place taken by a document held inside Extract Text
    arn = capped._function_arn("extract_text")
    real, memory, timeout = capped._handlers[arn]
    entered, proceed = threading.Event(), threading.Event()

    def held(event: dict[str, Any], context: Any) -> Any:
        if not entered.is_set():
            entered.set()
            proceed.wait(timeout=60)
        return real(event, context)

    capped._handlers[arn] = (held, memory, timeout)
    first = capped.upload(LETTER, "first.txt")
    assert entered.wait(timeout=60)
    try:
        # When a second document is uploaded
        second = capped.upload(LETTER + b"\nAnother one.", "second.txt")
        # Then it is not admitted: its message goes back to the queue, never re-sent
        with pytest.raises(WaitTimeout, match="not admitted"):
            capped.wait(second.execution_arn, timeout=3)
        assert capped.event_source is not None
        assert capped.event_source.stats.handed_back >= 1
        assert queue_depth(capped, capped.intake_url) == 1
        assert list(capped.semaphore().leases()) == [first.execution_arn.rsplit(":", 1)[-1]]
    finally:
        proceed.set()
    # When the first one ends, then the second is admitted and succeeds
    assert capped.wait(first.execution_arn, timeout=120).status == "SUCCEEDED"
    assert capped.wait(second.execution_arn, timeout=120).status == "SUCCEEDED"
    assert queue_depth(capped, capped.intake_url) == 0
    assert capped.semaphore().running() == 0


def test_running_documents_never_exceed_the_cap(capped: LocalEngine) -> None:
    # Given three documents uploaded at once under a cap of one
    bodies = [LETTER + f"\nCopy {i}.".encode() for i in range(3)]
    uploads = [capped.upload(body, f"letter-{i}.txt") for i, body in enumerate(bodies)]
    # Then they all succeed
    for upload in uploads:
        assert capped.wait(upload.execution_arn, timeout=120).status == "SUCCEEDED"
    # And Step Functions never had two RUNNING at once: each ended before the next started
    sfn = capped.client("stepfunctions")
    spans = sorted(
        (described["startDate"], described["stopDate"])
        for described in (sfn.describe_execution(executionArn=u.execution_arn) for u in uploads)
    )
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans))
    # And every place was freed once its execution had ended
    capped.settle()
    assert capped.semaphore().leases() == {}


def test_a_starter_that_crashes_after_taking_a_lease_is_retried_without_a_leak(
    engine: LocalEngine,
) -> None:
    # Given a starter that takes the lease, then dies before starting the execution, once
    arn = engine._function_arn(START_PIPELINE.package)
    real, memory, timeout = engine._handlers[arn]
    crashed = threading.Event()

    def crash_once(event: dict[str, Any], context: Any) -> Any:
        if crashed.is_set():
            return real(event, context)
        crashed.set()
        body = json.loads(event["Records"][0]["body"])
        obj = body["detail"]["object"]
        name = execution_name(body["detail"]["bucket"]["name"], obj["key"], obj["version-id"])
        engine.semaphore().acquire(name, 4, clock.iso(clock.now()))
        raise RuntimeError("the runtime died")

    engine._handlers[arn] = (crash_once, memory, timeout)
    # And messages that come back quickly after a failed invocation
    engine.client("sqs").set_queue_attributes(
        QueueUrl=engine.intake_url, Attributes={"VisibilityTimeout": "1"}
    )
    # When a document is uploaded
    upload = engine.upload(LETTER, "letter.txt")
    # Then the redelivered message starts it once, under the lease already taken
    outcome = engine.wait(upload.execution_arn, timeout=120)
    assert crashed.is_set()
    assert outcome.status == "SUCCEEDED"
    assert len(executions(engine)) == 1
    # And the lease is back
    assert engine.semaphore().leases() == {}


def test_the_reconciler_frees_leases_of_executions_that_do_not_run(engine: LocalEngine) -> None:
    # Given a lease taken long ago for an execution that never started, and one just taken
    semaphore = engine.semaphore()
    long_ago = clock.iso(clock.later(clock.now(), -3600))
    semaphore.acquire("never-started-0123456789ab", 4, long_ago)
    semaphore.acquire("starting-now-0123456789ab", 4, clock.iso(clock.now()))
    # When the reconciler runs
    result = engine.reconcile()
    # Then the stale lease is freed and the young one (its execution may be starting) kept;
    # the engine's own periodic reconciler may have freed it a moment before this run did
    assert result["released"] in (["never-started-0123456789ab"], [])
    assert set(semaphore.leases()) == {"starting-now-0123456789ab"}
    assert semaphore.running() == 1


@pytest.fixture
def blocking_extract(engine: LocalEngine) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Extract Text waits until the test lets it go: (entered, proceed)."""
    arn = engine._function_arn("extract_text")
    real, memory, timeout = engine._handlers[arn]
    entered, proceed = threading.Event(), threading.Event()

    def blocked(event: dict[str, Any], context: Any) -> Any:
        entered.set()
        proceed.wait(timeout=60)
        return real(event, context)

    engine._handlers[arn] = (blocked, memory, timeout)
    yield entered, proceed
    proceed.set()


def test_an_aborted_execution_gives_its_lease_back_and_fails_its_record(
    engine: LocalEngine, blocking_extract: tuple[threading.Event, threading.Event]
) -> None:
    entered, proceed = blocking_extract
    # Given a document whose execution is inside Extract Text
    upload = engine.upload(LETTER, "letter.txt")
    assert entered.wait(timeout=60)
    assert len(engine.semaphore().leases()) == 1
    # When the execution is stopped (aborted)
    engine.client("stepfunctions").stop_execution(executionArn=upload.execution_arn)
    proceed.set()
    outcome = engine.wait(upload.execution_arn, timeout=60)
    engine.settle()
    # Then it ends ABORTED without its own failure path, and the status-change handler
    # gave the lease back and marked the record FAILED, so a replay would process it
    assert outcome.status == "ABORTED"
    assert engine.semaphore().leases() == {}
    doc = document_id(BUCKET, upload.key, upload.version_id)
    item = engine.document_item(doc)
    assert item is not None and item["status"]["S"] == "FAILED"
    assert item["error_type"]["S"] == "States.Aborted"
    # And the status-change event is in the dead-letter queue
    [letter] = engine.dead_letters()
    assert letter["body"]["detail"]["status"] == "ABORTED"
    assert not engine.async_errors


def test_a_timed_out_execution_gives_its_lease_back_and_fails_its_record() -> None:
    # Given an engine whose clock runs fast enough that the 6-hour execution timeout is
    # about two seconds, and an Extract Text that does not return in that time
    with LocalEngine(time_scale=0.0001) as engine:
        arn = engine._function_arn("extract_text")
        real, memory, timeout = engine._handlers[arn]
        proceed = threading.Event()

        def stuck(event: dict[str, Any], context: Any) -> Any:
            proceed.wait(timeout=60)
            return real(event, context)

        engine._handlers[arn] = (stuck, memory, timeout)
        try:
            # When a document is uploaded
            upload = engine.upload(LETTER, "letter.txt")
            outcome = engine.wait(upload.execution_arn, timeout=60)
        finally:
            proceed.set()
        engine.settle()
        # Then the execution TIMED_OUT, its lease is back, and its record says why
        assert outcome.status == "TIMED_OUT"
        assert engine.semaphore().leases() == {}
        item = engine.document_item(document_id(BUCKET, upload.key, upload.version_id))
        assert item is not None and item["status"]["S"] == "FAILED"
        assert item["error_type"]["S"] == "States.Timeout"
        assert [d["body"]["detail"]["status"] for d in engine.dead_letters()] == ["TIMED_OUT"]


def _replay(engine: LocalEngine, execution_arn: str, name: str) -> str:
    """Start the state machine again on an execution's input (as a replay does)."""
    sfn = engine.client("stepfunctions")
    execution_input = json.loads(sfn.describe_execution(executionArn=execution_arn)["input"])
    execution_input["docpipe"]["lease"] = name
    started: str = sfn.start_execution(
        stateMachineArn=engine.state_machine_arn, name=name, input=json.dumps(execution_input)
    )["executionArn"]
    return started


def test_a_stuck_processing_record_past_its_expiry_is_processed_again(
    engine: LocalEngine,
) -> None:
    # Given a document whose record was left PROCESSING by an execution that vanished
    upload = engine.upload(LETTER, "letter.txt")
    engine.wait(upload.execution_arn, timeout=120)
    doc = document_id(BUCKET, upload.key, upload.version_id)
    dynamodb = engine.client("dynamodb")

    def stick(expires_at: str) -> None:
        dynamodb.update_item(
            TableName="docpipe-documents",
            Key={"document_id": {"S": doc}},
            UpdateExpression="SET #s = :p, expires_at = :e",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": "PROCESSING"}, ":e": {"S": expires_at}},
        )

    # When the same object version runs again while the record has not expired
    stick(clock.iso(clock.later(clock.now(), 3600)))
    fresh = engine.wait(_replay(engine, upload.execution_arn, "replay-1"), timeout=120)
    # Then it is a duplicate of the execution still considered running
    assert fresh.output is not None and fresh.output["status"] == "SKIPPED_DUPLICATE"
    # When it runs again after the record's expiry
    stick(clock.iso(clock.later(clock.now(), -60)))
    expired = engine.wait(_replay(engine, upload.execution_arn, "replay-2"), timeout=120)
    # Then it is processed again and the record ends SUCCEEDED
    assert expired.output is not None and expired.output["status"] == "SUCCEEDED"
    item = engine.document_item(doc)
    assert item is not None and item["status"]["S"] == "SUCCEEDED"


def test_the_same_content_under_two_keys_is_processed_once(engine: LocalEngine) -> None:
    # When the same bytes are uploaded under two keys at once
    first = engine.upload(LETTER, "a/letter.txt")
    second = engine.upload(LETTER, "b/copy of letter.txt")
    outcomes = [engine.wait(u.execution_arn, timeout=120) for u in (first, second)]
    outputs = [o.output or {} for o in outcomes]
    # Then one is processed and the other reports the first one's result
    statuses = sorted(o["status"] for o in outputs)
    assert statuses == ["SKIPPED_DUPLICATE", "SUCCEEDED"]
    original = next(o for o in outputs if o["status"] == "SUCCEEDED")
    duplicate = next(o for o in outputs if o["status"] == "SKIPPED_DUPLICATE")
    assert duplicate["duplicate_of"] == original["document_id"]
    assert duplicate["result_key"] == original["result_key"]
    # And the duplicate's record and notification say so
    item = engine.document_item(duplicate["document_id"])
    assert item is not None and item["status"]["S"] == "SKIPPED_DUPLICATE"
    assert item["duplicate_of"]["S"] == original["document_id"]
    notes = engine.notifications()
    assert sorted(n["attributes"]["status"] for n in notes) == ["SKIPPED_DUPLICATE", "SUCCEEDED"]
    # And only one document reached the model
    assert engine.semaphore().leases() == {}


def test_a_folder_marker_is_ignored_and_an_empty_file_fails_by_name(engine: LocalEngine) -> None:
    s3 = engine.client("s3")
    # When a folder marker (an empty object ending in "/") is created under incoming/
    s3.put_object(Bucket=BUCKET, Key="incoming/reports/", Body=b"")
    # Then the rule does not send it to the intake: nothing is queued or started
    assert queue_depth(engine, engine.intake_url) == 0
    # When an empty file is uploaded
    upload = engine.upload(b"", "empty.txt")
    outcome = engine.wait(upload.execution_arn, timeout=120)
    # Then it is processed and fails with its own error name
    assert outcome.status == "FAILED"
    assert outcome.error == "EmptyDocumentError"
    assert [e["executionArn"] for e in executions(engine)] == [upload.execution_arn]


def test_injected_crashes_are_retried_and_bounded() -> None:
    # Given every Chunk Text invocation crashing (the runtime dies: Lambda.Unknown)
    from docpipe.faults import TaskFaults

    faults = TaskFaults(crash_rate=1.0, tasks=frozenset({"chunk_text"}), seed=1)
    with LocalEngine(time_scale=0.001, faults=faults) as engine:
        upload = engine.upload(LETTER, "letter.txt")
        outcome = engine.wait(upload.execution_arn, timeout=120)
        # Then the crash is retried twice, then the document fails into the DLQ
        assert outcome.status == "FAILED"
        assert outcome.error == "Lambda.Unknown"
        failures = [
            json.loads(e["taskFailedEventDetails"]["cause"])["errorMessage"]
            for e in engine.history(upload.execution_arn)
            if e["type"] == "TaskFailed"
        ]
        assert len(failures) == 3
        assert all("injected crash" in message for message in failures)
        [letter] = engine.dead_letters()
        assert letter["body"]["error"]["Error"] == "Lambda.Unknown"
        assert engine.semaphore().leases() == {}


def test_an_execution_started_by_hand_with_a_bare_s3_event_runs(engine: LocalEngine) -> None:
    # Given the S3 event of an upload, without what the starter adds
    upload = engine.upload(LETTER, "letter.txt")
    engine.wait(upload.execution_arn, timeout=120)
    sfn = engine.client("stepfunctions")
    event = json.loads(sfn.describe_execution(executionArn=upload.execution_arn)["input"])
    event.pop("docpipe")
    # When someone starts an execution with it in the console (another name)
    arn = sfn.start_execution(
        stateMachineArn=engine.state_machine_arn, name="by-hand", input=json.dumps(event)
    )["executionArn"]
    outcome = engine.wait(arn, timeout=120)
    # Then it runs to an answer instead of failing on the missing admission facts
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output is not None and outcome.output["status"] == "SKIPPED_DUPLICATE"
    assert engine.semaphore().leases() == {}


def test_a_failed_admission_comes_back_after_the_hand_back_delay_not_the_visibility_timeout(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a starter whose first admission fails as a throttled AWS call would, with the
    # intake queue's visibility timeout as deployed (6 x the starter's timeout: 6 minutes)
    real_admit = starter.admit
    failures: list[str] = []

    def throttled_once(body: str, **kwargs: Any) -> Any:
        if not failures:
            failures.append(body)
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "StartExecution",
            )
        return real_admit(body, **kwargs)

    monkeypatch.setattr(starter, "admit", throttled_once)
    visibility = engine.client("sqs").get_queue_attributes(
        QueueUrl=engine.intake_url, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]["VisibilityTimeout"]
    assert int(visibility) == 360
    # When a document is uploaded
    upload = engine.upload(LETTER, "letter.txt")
    # Then the message was handed back with the full house's delay (offline at most 8 s)
    # and the document runs once, long before the visibility timeout would have ended
    outcome = engine.wait(upload.execution_arn, timeout=60)
    assert len(failures) == 1
    assert outcome.status == "SUCCEEDED"
    assert len(executions(engine)) == 1
    assert engine.semaphore().leases() == {}
