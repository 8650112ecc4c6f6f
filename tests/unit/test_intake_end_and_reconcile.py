"""Execution Ended and Reconcile Leases: leases and records settled however an execution ends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto_tables import create_tables

from tasks.execution_ended.task import Ended, document_of, execution_ended
from tasks.reconcile_leases.task import Reconciled, execution_arn, reconcile
from tasks.shared import clock
from tasks.shared.execution_names import document_id, execution_name
from tasks.shared.semaphore import Semaphore
from tasks.start_pipeline.task import execution_input

REGION = "us-east-1"
# One botocore session for the module's clients: mock_aws() resets boto3's default session
# each time it starts, and loading the service models again costs ~0.1 s a test. Each test
# still gets fresh, empty moto backends.
SESSION = boto3.session.Session()
ACCOUNT = "123456789012"
TABLE = "docpipe-documents"
LEASE_TABLE = "docpipe-leases"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:docpipe-pipeline"
BUCKET = "docpipe-documents-bucket"
KEY = "incoming/contract.pdf"
VERSION = "Zk2mA0rXq1b7sV8PqNQ4nT0d3yW5uE6o"
NAME = execution_name(BUCKET, KEY, VERSION)
ARN = execution_arn(STATE_MACHINE_ARN, NAME)
DOC = document_id(BUCKET, KEY, VERSION)
NOW = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
STARTED = clock.iso(NOW - timedelta(hours=1))
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@dataclass
class Tables:
    dynamodb: Any
    semaphore: Semaphore

    def put_record(self, status: str, owner: str = ARN) -> dict[str, Any]:
        item = {
            "document_id": {"S": DOC},
            "status": {"S": status},
            "execution_arn": {"S": owner},
            "source_key": {"S": KEY},
            "expires_at": {"S": clock.iso(NOW + timedelta(hours=1))},
        }
        self.dynamodb.put_item(TableName=TABLE, Item=item)
        return item

    def record(self) -> dict[str, Any] | None:
        answer = self.dynamodb.get_item(
            TableName=TABLE, Key={"document_id": {"S": DOC}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def end(self, event: dict[str, Any]) -> Ended:
        return execution_ended(
            event, semaphore=self.semaphore, dynamodb=self.dynamodb, table_name=TABLE
        )


@pytest.fixture
def tables() -> Iterator[Tables]:
    with mock_aws():
        dynamodb = SESSION.client("dynamodb", region_name=REGION)
        create_tables(dynamodb, TABLE, LEASE_TABLE)
        yield Tables(dynamodb, Semaphore(dynamodb, LEASE_TABLE))


def s3_event() -> dict[str, Any]:
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "region": REGION,
        "detail": {
            "bucket": {"name": BUCKET},
            "object": {"key": KEY, "size": 2048, "version-id": VERSION},
            "reason": "PutObject",
        },
    }


def started_input() -> str:
    """What the starter gave the execution: the S3 event and the admission facts."""
    return execution_input(s3_event(), NAME, NOW - timedelta(hours=1), 3600)


def status_change(
    status: str,
    *,
    execution_input: str | None = None,
    error: str | None = None,
    cause: str | None = None,
    with_name: bool = True,
) -> dict[str, Any]:
    """A "Step Functions Execution Status Change" event, as EventBridge delivers it."""
    detail: dict[str, Any] = {
        "executionArn": ARN,
        "stateMachineArn": STATE_MACHINE_ARN,
        "status": status,
        "startDate": 1773476813589,
        "stopDate": None if status == "RUNNING" else 1773480413589,
        "input": started_input() if execution_input is None else execution_input,
        "output": None,
        "error": error,
        "cause": cause,
    }
    if with_name:
        detail["name"] = NAME
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT,
        "time": "2026-03-14T09:26:53Z",
        "region": REGION,
        "resources": [ARN],
        "detail": detail,
    }


# -- Execution Ended -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, error, cause, recorded_error",
    [
        ("TIMED_OUT", None, None, "States.Timeout"),
        ("ABORTED", None, None, "States.Aborted"),
        ("FAILED", "Lambda.Unknown", "The function crashed.", "Lambda.Unknown"),
        ("FAILED", None, None, "States.Runtime"),
    ],
    ids=["timed out", "aborted", "failed with an error", "failed without an error"],
)
def test_an_execution_that_stopped_without_recording_fails_its_record_and_frees_its_lease(
    tables: Tables, status: str, error: str | None, cause: str | None, recorded_error: str
) -> None:
    # Given a document PROCESSING under this execution, which holds its lease
    before = tables.put_record("PROCESSING")
    tables.semaphore.acquire(NAME, 5, STARTED)

    # When the execution's terminal status arrives
    ended = tables.end(status_change(status, error=error, cause=cause))

    # Then the lease is free and the record is FAILED with the reason, ready for a replay
    assert ended == Ended(NAME, status, lease_released=True, record_failed=True, document_id=DOC)
    assert tables.semaphore.leases() == {}
    assert tables.semaphore.running() == 0
    record = tables.record()
    assert record is not None
    assert record["status"] == {"S": "FAILED"}
    assert record["error_type"] == {"S": recorded_error}
    detail = json.loads(record["error_detail"]["S"])
    assert detail["Error"] == recorded_error
    assert detail["Cause"] == (cause or f"The execution ended {status} without recording it.")
    assert ISO.fullmatch(record["completed_at"]["S"])
    # And what the record said before is kept
    for attribute in ("execution_arn", "source_key", "expires_at"):
        assert record[attribute] == before[attribute]


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_a_record_owned_by_another_execution_is_left_alone(tables: Tables, status: str) -> None:
    # Given the document replayed, and PROCESSING under the newer execution
    other = execution_arn(STATE_MACHINE_ARN, "incoming-contract-pdf-ffffffffffff")
    before = tables.put_record("PROCESSING", owner=other)
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change(status))

    assert ended.record_failed is False
    assert ended.lease_released is True
    assert tables.record() == before


@pytest.mark.parametrize("recorded", ["SUCCEEDED", "FAILED"])
@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_a_record_the_execution_settled_itself_is_left_alone(
    tables: Tables, recorded: str, status: str
) -> None:
    before = tables.put_record(recorded)
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change(status))

    assert ended.record_failed is False
    assert tables.record() == before
    assert tables.semaphore.running() == 0


def test_an_execution_that_never_registered_its_document_creates_no_record(
    tables: Tables,
) -> None:
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change("TIMED_OUT"))

    assert ended == Ended(NAME, "TIMED_OUT", True, False, DOC)
    assert tables.record() is None


def test_a_succeeded_execution_frees_its_lease_and_leaves_the_record(tables: Tables) -> None:
    # Even a record still PROCESSING: success is recorded by the state machine, not here.
    before = tables.put_record("PROCESSING")
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change("SUCCEEDED"))

    assert ended == Ended(NAME, "SUCCEEDED", True, False, DOC)
    assert tables.semaphore.leases() == {}
    assert tables.record() == before


def test_a_succeeded_execution_whose_lease_was_released_by_itself_is_fine(tables: Tables) -> None:
    # The ASL's Release Lease ran first; the status change releases nothing more.
    tables.semaphore.acquire("another-execution", 5, STARTED)

    ended = tables.end(status_change("SUCCEEDED"))

    assert ended.lease_released is False
    assert tables.semaphore.running() == 1


@pytest.mark.parametrize("status", ["RUNNING", "PENDING_REDRIVE", ""])
def test_a_status_that_is_not_terminal_changes_nothing(tables: Tables, status: str) -> None:
    before = tables.put_record("PROCESSING")
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change(status))

    assert ended == Ended(NAME, status, False, False, None)
    assert tables.semaphore.leases() == {NAME: STARTED}
    assert tables.record() == before


NOT_S3_INPUTS = {
    "no input": "",
    "not JSON": "{oops",
    "a JSON list": "[]",
    "JSON null": "null",
    "an object without detail": json.dumps({"hello": "world"}),
    "detail without object": json.dumps({"detail": {"bucket": {"name": BUCKET}}}),
    "detail is a string": json.dumps({"detail": "Object Created"}),
    "object without version-id": json.dumps(
        {"detail": {"bucket": {"name": BUCKET}, "object": {"key": KEY}}}
    ),
}


@pytest.mark.parametrize("text", NOT_S3_INPUTS.values(), ids=NOT_S3_INPUTS.keys())
def test_an_execution_not_started_from_an_s3_event_only_frees_its_lease(
    tables: Tables, text: str
) -> None:
    # Given an execution started by hand (console, replay) whose record is PROCESSING
    before = tables.put_record("PROCESSING")
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change("TIMED_OUT", execution_input=text))

    assert ended == Ended(NAME, "TIMED_OUT", True, False, None)
    assert tables.semaphore.leases() == {}
    assert tables.record() == before


def test_an_event_without_input_only_frees_the_lease(tables: Tables) -> None:
    event = status_change("ABORTED")
    del event["detail"]["input"]  # Step Functions leaves out an input over 256 KiB
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(event)

    assert ended == Ended(NAME, "ABORTED", True, False, None)


def test_handling_the_same_end_twice_is_harmless(tables: Tables) -> None:
    # Given a timed-out execution whose end was handled once
    tables.put_record("PROCESSING")
    tables.semaphore.acquire(NAME, 5, STARTED)
    tables.semaphore.acquire("another-execution", 5, STARTED)
    first = tables.end(status_change("TIMED_OUT"))
    after_first = tables.record()

    # When EventBridge delivers the event again
    second = tables.end(status_change("TIMED_OUT"))

    # Then nothing more is released or written
    assert (first.lease_released, first.record_failed) == (True, True)
    assert (second.lease_released, second.record_failed) == (False, False)
    assert tables.record() == after_first
    assert tables.semaphore.running() == 1
    assert tables.semaphore.leases() == {"another-execution": STARTED}


def test_the_execution_name_is_read_from_the_arn_when_the_event_has_none(tables: Tables) -> None:
    tables.semaphore.acquire(NAME, 5, STARTED)

    ended = tables.end(status_change("ABORTED", with_name=False))

    assert ended.execution_name == NAME
    assert ended.lease_released is True


def test_document_of_gives_the_id_register_document_computes() -> None:
    assert document_of(status_change("FAILED")) == DOC
    assert document_of({"detail": {}}) is None
    assert document_of({}) is None


# -- Reconcile Leases ------------------------------------------------------------------------

GRACE_S = 300.0
OLD = clock.iso(NOW - timedelta(hours=2))


@dataclass
class FakeStepFunctions:
    """describe_execution over a fixed set of executions, by name."""

    statuses: dict[str, str] = field(default_factory=dict)
    error: ClientError | None = None
    described: list[str] = field(default_factory=list)
    on_describe: Any = None

    def describe_execution(self, **kwargs: Any) -> dict[str, Any]:
        arn = kwargs["executionArn"]
        self.described.append(arn)
        if self.on_describe is not None:
            self.on_describe(arn)
        if self.error is not None:
            raise self.error
        name = arn.rsplit(":", 1)[-1]
        if name not in self.statuses:
            raise ClientError(
                {"Error": {"Code": "ExecutionDoesNotExist", "Message": f"{arn} not found"}},
                "DescribeExecution",
            )
        return {"executionArn": arn, "name": name, "status": self.statuses[name]}


def sweep(tables: Tables, sfn: FakeStepFunctions, now: datetime = NOW) -> Reconciled:
    return reconcile(
        semaphore=tables.semaphore,
        sfn=sfn,
        state_machine_arn=STATE_MACHINE_ARN,
        grace_s=GRACE_S,
        now=now,
    )


def test_the_reconciler_frees_old_leases_of_executions_that_are_not_running(
    tables: Tables,
) -> None:
    # Given old leases of executions in every state, young ones, and unreadable times
    leases = {
        "old-succeeded": OLD,
        "old-failed": OLD,
        "old-timed-out": OLD,
        "old-aborted": OLD,
        "old-never-started": OLD,  # a starter crashed between the lease and the start
        "old-running": OLD,
        "young-never-started": clock.iso(NOW - timedelta(seconds=10)),
        "young-running": clock.iso(NOW - timedelta(seconds=1)),
        "unreadable-time": "yesterday at noon",
        "empty-time": "",
        "unreadable-running": "not a time",
    }
    for name, taken in leases.items():
        tables.semaphore.acquire(name, 50, taken)
    sfn = FakeStepFunctions(
        {
            "old-succeeded": "SUCCEEDED",
            "old-failed": "FAILED",
            "old-timed-out": "TIMED_OUT",
            "old-aborted": "ABORTED",
            "old-running": "RUNNING",
            "young-running": "RUNNING",
            "unreadable-running": "RUNNING",
        }
    )

    # When the reconciler sweeps
    result = sweep(tables, sfn)

    # Then the leases of old executions that are not running are freed, and only those
    freed = {
        "old-succeeded",
        "old-failed",
        "old-timed-out",
        "old-aborted",
        "old-never-started",
        "unreadable-time",
        "empty-time",
    }
    assert result.leases == len(leases)
    assert sorted(result.released) == sorted(freed)
    kept = set(leases) - freed
    assert set(tables.semaphore.leases()) == kept
    assert tables.semaphore.running() == len(kept)
    # And young leases are not even looked up: their executions may be starting
    assert not any(
        arn.endswith((":young-never-started", ":young-running")) for arn in sfn.described
    )


def test_a_lease_marked_released_counts_from_its_release(tables: Tables) -> None:
    # Given leases taken long ago and marked released: two a moment ago, one long ago
    for name in ("just-ended", "still-ending", "ended-long-ago"):
        tables.semaphore.acquire(name, 8, OLD)
    tables.semaphore.mark_released("just-ended", clock.iso(NOW - timedelta(seconds=5)))
    tables.semaphore.mark_released("still-ending", clock.iso(NOW - timedelta(seconds=5)))
    tables.semaphore.mark_released("ended-long-ago", OLD)
    sfn = FakeStepFunctions(
        statuses={"just-ended": "SUCCEEDED", "still-ending": "RUNNING", "ended-long-ago": "FAILED"}
    )

    # When the reconciler sweeps, the status-change handler has the first chance at the
    # recent ones: only the lease released long ago, whose execution ended, is freed
    result = sweep(tables, sfn)

    assert result.released == ["ended-long-ago"]
    assert sorted(tables.semaphore.leases()) == ["just-ended", "still-ending"]


def test_a_lease_exactly_as_old_as_the_grace_is_checked(tables: Tables) -> None:
    tables.semaphore.acquire("at-grace", 5, clock.iso(NOW - timedelta(seconds=GRACE_S)))
    tables.semaphore.acquire("just-younger", 5, clock.iso(NOW - timedelta(seconds=GRACE_S - 0.001)))

    result = sweep(tables, FakeStepFunctions())

    assert result.released == ["at-grace"]
    assert set(tables.semaphore.leases()) == {"just-younger"}


def test_a_second_sweep_frees_nothing_more(tables: Tables) -> None:
    tables.semaphore.acquire("old-succeeded", 5, OLD)
    tables.semaphore.acquire("old-running", 5, OLD)
    sfn = FakeStepFunctions({"old-succeeded": "SUCCEEDED", "old-running": "RUNNING"})

    first, second = sweep(tables, sfn), sweep(tables, sfn)

    assert first.released == ["old-succeeded"]
    assert second == Reconciled(leases=1, released=[])
    assert tables.semaphore.running() == 1


def test_a_lease_released_during_the_sweep_is_not_counted_twice(tables: Tables) -> None:
    # Given an execution whose own Release Lease lands while the reconciler looks it up
    tables.semaphore.acquire("old-succeeded", 5, OLD)
    sfn = FakeStepFunctions(
        {"old-succeeded": "SUCCEEDED"},
        on_describe=lambda arn: tables.semaphore.release("old-succeeded"),
    )

    result = sweep(tables, sfn)

    assert result == Reconciled(leases=1, released=[])
    assert tables.semaphore.running() == 0


def test_the_reconciler_looks_up_the_execution_of_the_lease(tables: Tables) -> None:
    tables.semaphore.acquire(NAME, 5, OLD)
    sfn = FakeStepFunctions({NAME: "RUNNING"})

    sweep(tables, sfn)

    assert sfn.described == [ARN]


def test_another_lookup_error_is_raised_and_frees_nothing(tables: Tables) -> None:
    tables.semaphore.acquire("old-execution", 5, OLD)
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeExecution"
    )

    with pytest.raises(ClientError) as raised:
        sweep(tables, FakeStepFunctions(error=throttled))

    assert raised.value is throttled
    assert set(tables.semaphore.leases()) == {"old-execution"}


def test_an_empty_table_is_an_empty_sweep(tables: Tables) -> None:
    assert sweep(tables, FakeStepFunctions()) == Reconciled(leases=0, released=[])


def test_a_lease_time_without_a_zone_does_not_stop_the_sweep(tables: Tables) -> None:
    tables.semaphore.acquire("no-zone", 5, "2026-03-14T07:00:00")
    tables.semaphore.acquire("old-succeeded", 5, OLD)

    result = sweep(tables, FakeStepFunctions({"old-succeeded": "SUCCEEDED"}))

    assert "old-succeeded" in result.released


@pytest.mark.parametrize(
    "machine, arn",
    [
        (
            "arn:aws:states:us-east-1:123456789012:stateMachine:docpipe-pipeline",
            "arn:aws:states:us-east-1:123456789012:execution:docpipe-pipeline:run-1",
        ),
        (
            "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:stateMachine",
            "arn:aws-cn:states:cn-north-1:123456789012:execution:stateMachine:run-1",
        ),
    ],
    ids=["aws", "aws-cn, machine named stateMachine"],
)
def test_execution_arn_is_built_from_the_state_machine_arn(machine: str, arn: str) -> None:
    assert execution_arn(machine, "run-1") == arn


def test_execution_arn_is_the_one_step_functions_gives_the_execution() -> None:
    with mock_aws():
        sfn = SESSION.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="docpipe-pipeline",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/docpipe-pipeline",
        )["stateMachineArn"]

        started = sfn.start_execution(stateMachineArn=machine, name=NAME)

        assert execution_arn(machine, NAME) == started["executionArn"]
