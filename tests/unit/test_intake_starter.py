"""Start Pipeline: admission under the cap, idempotent starts, hand-back delays, queue URLs."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto_tables import create_tables

from tasks.shared import clock
from tasks.shared.errors import IntakeFullError, IntakeMessageError
from tasks.shared.execution_names import execution_name
from tasks.shared.semaphore import Admission, Semaphore
from tasks.start_pipeline.handler import queue_url
from tasks.start_pipeline.task import (
    EXPIRY_MARGIN_SECONDS,
    Admitted,
    admit,
    execution_input,
    hand_back_delay,
)

REGION = "us-east-1"
# One botocore session for the module's clients: mock_aws() resets boto3's default session
# each time it starts, and loading the service models again costs ~0.1 s a test. Each test
# still gets fresh, empty moto backends.
SESSION = boto3.session.Session()
ACCOUNT = "123456789012"
LEASE_TABLE = "docpipe-leases"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:docpipe-pipeline"
BUCKET = "docpipe-documents"
KEY = "incoming/Quarterly Report.pdf"
VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
NOW = datetime(2026, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
TIMEOUT_S = 3600
NAME = execution_name(BUCKET, KEY, VERSION)
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def s3_event(bucket: str = BUCKET, key: str = KEY, version: str | None = VERSION) -> dict[str, Any]:
    """An EventBridge "Object Created" event of a versioned bucket, as S3 sends it."""
    obj: dict[str, Any] = {"key": key, "size": 1234, "etag": "b1946ac92492d2347c6235b4d2611184"}
    if version is not None:
        obj["version-id"] = version
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": "2026-03-14T09:26:50Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {**obj, "sequencer": "00617F08299329D189"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT,
            "source-ip-address": "198.51.100.7",
            "reason": "PutObject",
        },
    }


def client_error(code: str, operation: str = "StartExecution") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


@dataclass
class FakeStepFunctions:
    """start_execution as Step Functions answers it: a name starts once, then it exists."""

    existing: set[str] = field(default_factory=set)
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # name -> status, for describe
    described: list[str] = field(default_factory=list)

    def describe_execution(self, **kwargs: Any) -> dict[str, Any]:
        name = kwargs["executionArn"].rsplit(":", 1)[-1]
        self.described.append(name)
        if name not in self.statuses:
            raise client_error("ExecutionDoesNotExist", "DescribeExecution")
        return {"executionArn": kwargs["executionArn"], "status": self.statuses[name]}

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        if kwargs["name"] in self.existing:
            raise client_error("ExecutionAlreadyExists")
        self.existing.add(kwargs["name"])
        arn = STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")
        return {"executionArn": f"{arn}:{kwargs['name']}", "startDate": NOW}


@pytest.fixture
def semaphore() -> Iterator[Semaphore]:
    with mock_aws():
        dynamodb = SESSION.client("dynamodb", region_name=REGION)
        create_tables(dynamodb, LEASE_TABLE)
        yield Semaphore(dynamodb, LEASE_TABLE)


def run_admit(
    body: str, semaphore: Semaphore, sfn: FakeStepFunctions, cap: int = 2, now: datetime = NOW
) -> Admitted:
    return admit(
        body,
        semaphore=semaphore,
        sfn=sfn,
        state_machine_arn=STATE_MACHINE_ARN,
        cap=cap,
        processing_timeout_s=TIMEOUT_S,
        now=now,
    )


# -- admit -----------------------------------------------------------------------------------


def test_an_upload_under_the_cap_starts_its_execution_with_a_lease(semaphore: Semaphore) -> None:
    # Given an empty house and an intake message for one upload
    sfn = FakeStepFunctions()
    event = s3_event()

    # When the starter admits it
    admitted = run_admit(json.dumps(event), semaphore, sfn)

    # Then one execution, named after the object, starts with the event and the admission facts
    assert admitted == Admitted(NAME, started=True)
    assert len(sfn.calls) == 1
    call = sfn.calls[0]
    assert call["stateMachineArn"] == STATE_MACHINE_ARN
    assert call["name"] == NAME
    started_with = json.loads(call["input"])
    assert {k: v for k, v in started_with.items() if k != "docpipe"} == event
    assert started_with["docpipe"]["lease"] == NAME
    # And the lease it runs under is taken, at the time of admission
    assert semaphore.leases() == {NAME: clock.iso(NOW)}
    assert semaphore.running() == 1


def test_a_full_house_raises_and_starts_nothing(semaphore: Semaphore) -> None:
    # Given a house of one, taken by another execution
    semaphore.acquire("another-execution", 1, clock.iso(NOW))
    sfn = FakeStepFunctions()

    # When an upload arrives
    with pytest.raises(IntakeFullError):
        run_admit(json.dumps(s3_event()), semaphore, sfn, cap=1)

    # Then nothing started and the house is as it was
    assert sfn.calls == []
    assert semaphore.leases() == {"another-execution": clock.iso(NOW)}
    assert semaphore.running() == 1


def test_a_full_house_frees_the_place_of_a_released_execution_that_has_ended(
    semaphore: Semaphore,
) -> None:
    # Given a house of one whose execution marked its lease released and has since ended
    semaphore.acquire("finished-execution", 1, clock.iso(NOW))
    semaphore.mark_released("finished-execution", clock.iso(NOW))
    sfn = FakeStepFunctions(statuses={"finished-execution": "SUCCEEDED"})

    # When an upload arrives
    admitted = run_admit(json.dumps(s3_event()), semaphore, sfn, cap=1)

    # Then the ended execution's place goes to the new one
    assert admitted == Admitted(NAME, started=True)
    assert sfn.described == ["finished-execution"]
    assert semaphore.leases() == {NAME: clock.iso(NOW)}
    assert semaphore.running() == 1


def test_a_released_execution_still_running_keeps_its_place(semaphore: Semaphore) -> None:
    # Given a house of one whose execution marked its lease released but has not ended yet
    semaphore.acquire("ending-execution", 1, clock.iso(NOW))
    semaphore.mark_released("ending-execution", clock.iso(NOW))
    sfn = FakeStepFunctions(statuses={"ending-execution": "RUNNING"})

    # When an upload arrives, it waits: Step Functions still counts the other as running
    with pytest.raises(IntakeFullError):
        run_admit(json.dumps(s3_event()), semaphore, sfn, cap=1)

    assert sfn.calls == []
    assert semaphore.marked_released() == ["ending-execution"]
    assert semaphore.running() == 1


def test_a_full_house_of_working_executions_asks_step_functions_nothing(
    semaphore: Semaphore,
) -> None:
    semaphore.acquire("working-execution", 1, clock.iso(NOW))
    sfn = FakeStepFunctions()

    with pytest.raises(IntakeFullError):
        run_admit(json.dumps(s3_event()), semaphore, sfn, cap=1)

    assert sfn.described == []


def test_a_redelivered_message_does_not_start_a_second_execution(semaphore: Semaphore) -> None:
    # Given a message whose execution was started and is still running
    sfn = FakeStepFunctions()
    body = json.dumps(s3_event())
    assert run_admit(body, semaphore, sfn).started

    # When the same message is delivered again
    again = run_admit(body, semaphore, sfn, now=NOW + timedelta(minutes=5))

    # Then it counts as done, and the running execution keeps its lease
    assert again == Admitted(NAME, started=False)
    assert len(sfn.existing) == 1
    assert semaphore.leases() == {NAME: clock.iso(NOW)}
    assert semaphore.running() == 1


def test_an_execution_that_already_ended_gives_back_the_fresh_lease(semaphore: Semaphore) -> None:
    # Given an execution of this name that ran and ended (its lease was released)
    sfn = FakeStepFunctions(existing={NAME})

    # When its message is delivered again
    admitted = run_admit(json.dumps(s3_event()), semaphore, sfn)

    # Then nothing new starts and the lease just taken is released: nobody else would
    assert admitted == Admitted(NAME, started=False)
    assert len(sfn.calls) == 1
    assert semaphore.leases() == {}
    assert semaphore.running() == 0


def test_an_existing_execution_keeps_a_lease_that_was_already_held(semaphore: Semaphore) -> None:
    # Given the lease of a running execution, taken by an earlier delivery
    assert semaphore.acquire(NAME, 2, "2026-03-14T09:00:00.000Z") is Admission.ACQUIRED
    sfn = FakeStepFunctions(existing={NAME})

    admitted = run_admit(json.dumps(s3_event()), semaphore, sfn)

    assert admitted == Admitted(NAME, started=False)
    assert semaphore.leases() == {NAME: "2026-03-14T09:00:00.000Z"}
    assert semaphore.running() == 1


def test_a_starter_that_crashed_before_starting_is_completed_by_the_next_delivery(
    semaphore: Semaphore,
) -> None:
    # Given a lease taken by a starter that died before StartExecution
    semaphore.acquire(NAME, 2, "2026-03-14T09:00:00.000Z")
    sfn = FakeStepFunctions()

    # When the message comes back
    admitted = run_admit(json.dumps(s3_event()), semaphore, sfn)

    # Then the execution starts under the lease already held, and no second lease is counted
    assert admitted == Admitted(NAME, started=True)
    assert json.loads(sfn.calls[0]["input"])["docpipe"]["lease"] == NAME
    assert semaphore.leases() == {NAME: "2026-03-14T09:00:00.000Z"}
    assert semaphore.running() == 1


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("StateMachineDoesNotExist"),
        client_error("AccessDeniedException"),
        ConnectionError("connection reset by peer"),
    ],
    ids=["throttled", "no state machine", "access denied", "not a ClientError"],
)
def test_another_start_error_releases_the_fresh_lease_and_is_raised(
    semaphore: Semaphore, error: Exception
) -> None:
    sfn = FakeStepFunctions(error=error)

    with pytest.raises(type(error)) as raised:
        run_admit(json.dumps(s3_event()), semaphore, sfn)

    assert raised.value is error
    assert semaphore.leases() == {}
    assert semaphore.running() == 0


def test_another_start_error_keeps_a_lease_that_was_already_held(semaphore: Semaphore) -> None:
    # The lease belongs to an earlier delivery; the reconciler frees it if nothing runs.
    semaphore.acquire(NAME, 2, "2026-03-14T09:00:00.000Z")
    sfn = FakeStepFunctions(error=client_error("ThrottlingException"))

    with pytest.raises(ClientError):
        run_admit(json.dumps(s3_event()), semaphore, sfn)

    assert semaphore.leases() == {NAME: "2026-03-14T09:00:00.000Z"}


def test_the_cap_holds_across_a_burst_of_distinct_uploads(semaphore: Semaphore) -> None:
    sfn = FakeStepFunctions()
    outcomes = []
    for n in range(5):
        try:
            outcomes.append(run_admit(json.dumps(s3_event(key=f"doc-{n}.pdf")), semaphore, sfn, 3))
        except IntakeFullError:
            outcomes.append(None)

    assert [outcome is not None for outcome in outcomes] == [True, True, True, False, False]
    assert len(sfn.calls) == 3
    assert semaphore.running() == 3


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    parent = event
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return event


def _with(event: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    parent = event
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return event


MALFORMED_BODIES = {
    "not JSON": "{not json",
    "empty": "",
    "a JSON list": "[]",
    "JSON null": "null",
    "a JSON string": json.dumps("Object Created"),
    "another detail-type": json.dumps(_with(s3_event(), "Object Deleted", "detail-type")),
    "no detail-type": json.dumps(_without(s3_event(), "detail-type")),
    "no detail": json.dumps(_without(s3_event(), "detail")),
    "no bucket": json.dumps(_without(s3_event(), "detail", "bucket")),
    "empty bucket name": json.dumps(_with(s3_event(), "", "detail", "bucket", "name")),
    "no key": json.dumps(_without(s3_event(), "detail", "object", "key")),
    "empty key": json.dumps(_with(s3_event(), "", "detail", "object", "key")),
    "key not a string": json.dumps(_with(s3_event(), 42, "detail", "object", "key")),
    "no version-id": json.dumps(s3_event(version=None)),
    "null version-id": json.dumps(_with(s3_event(), None, "detail", "object", "version-id")),
    "empty version-id": json.dumps(s3_event(version="")),
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_a_malformed_message_is_refused_without_a_lease(semaphore: Semaphore, body: str) -> None:
    sfn = FakeStepFunctions()

    with pytest.raises(IntakeMessageError):
        run_admit(body, semaphore, sfn)

    assert sfn.calls == []
    assert semaphore.running() == 0


WRONGLY_TYPED_BODIES = {
    "detail is a list": json.dumps(_with(s3_event(), ["x"], "detail")),
    "bucket is a string": json.dumps(_with(s3_event(), BUCKET, "detail", "bucket")),
    "object is a string": json.dumps(_with(s3_event(), KEY, "detail", "object")),
}


@pytest.mark.parametrize("body", WRONGLY_TYPED_BODIES.values(), ids=WRONGLY_TYPED_BODIES.keys())
def test_a_wrongly_typed_event_is_a_malformed_message(semaphore: Semaphore, body: str) -> None:
    sfn = FakeStepFunctions()

    with pytest.raises(IntakeMessageError):
        run_admit(body, semaphore, sfn)

    assert sfn.calls == []


# -- execution_input -------------------------------------------------------------------------


def test_the_execution_input_carries_the_lease_and_the_expiry_of_processing() -> None:
    # Given an S3 event admitted now with a one-hour processing timeout
    event = s3_event()

    # When the execution input is built
    started_with = json.loads(execution_input(event, NAME, NOW, TIMEOUT_S))

    # Then it is the event plus the admission facts
    admission = started_with.pop("docpipe")
    assert started_with == event
    assert "docpipe" not in event  # the caller's event is left alone
    assert admission["lease"] == NAME
    # And the expiry is in Step Functions' timestamp format, later than now by the timeout
    expires = admission["processing_expires_at"]
    assert ISO.fullmatch(expires)
    assert expires == clock.iso(NOW + timedelta(seconds=TIMEOUT_S + EXPIRY_MARGIN_SECONDS))
    assert clock.parse(expires) >= NOW + timedelta(seconds=TIMEOUT_S)
    # compared as strings, as Register Document does, it is later than any time in the window
    assert expires > clock.iso(NOW + timedelta(seconds=TIMEOUT_S))


def test_the_expiry_is_written_in_utc_whatever_the_zone_of_now() -> None:
    paris = timezone(timedelta(hours=1))
    started = datetime(2026, 3, 14, 10, 26, 53, 589000, tzinfo=paris)  # 09:26:53.589Z

    admission = json.loads(execution_input(s3_event(), NAME, started, 0))["docpipe"]

    assert admission["processing_expires_at"] == "2026-03-14T09:31:53.589Z"


def test_a_backfill_message_gets_the_etag_of_an_upload_event() -> None:
    # Given a backfill's message: its ETag from HeadObject, in quotes
    event = s3_event()
    event["source"] = "docpipe.backfill"
    event["detail"]["object"]["etag"] = '"b1946ac92492d2347c6235b4d2611184"'

    started_with = json.loads(execution_input(event, NAME, NOW, TIMEOUT_S))

    # Then the execution reads it as an upload event writes it; the caller's event is kept
    assert started_with["detail"]["object"]["etag"] == "b1946ac92492d2347c6235b4d2611184"
    assert started_with["detail"]["object"]["key"] == KEY
    assert event["detail"]["object"]["etag"].startswith('"')


# -- hand_back_delay -------------------------------------------------------------------------


class LowestDraw(random.Random):
    """The jitter's lowest value: the fixed half of the delay."""

    def uniform(self, a: float, b: float) -> float:
        return a


class HighestDraw(random.Random):
    """The jitter's highest value: the whole delay."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_the_delay_doubles_with_each_receive_up_to_the_maximum() -> None:
    counts = range(1, 11)

    highest = [hand_back_delay(n, 4, 1000, HighestDraw()) for n in counts]
    lowest = [hand_back_delay(n, 4, 1000, LowestDraw()) for n in counts]

    assert highest == [4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000]
    assert lowest == [2, 4, 8, 16, 32, 64, 128, 256, 500, 500]


@pytest.mark.parametrize("base_s, max_s", [(1, 1), (2, 60), (5, 300), (30, 43200), (7, 13)])
def test_the_delay_stays_between_one_second_and_the_maximum(base_s: int, max_s: int) -> None:
    rng = random.Random(base_s * 1000 + max_s)

    delays = [
        hand_back_delay(count, base_s, max_s, rng) for count in range(0, 60) for _ in range(20)
    ]

    assert min(delays) >= 1
    assert max(delays) <= max_s


def test_a_very_high_receive_count_stays_at_the_maximum() -> None:
    assert hand_back_delay(10**9, 5, 60, HighestDraw()) == 60
    assert hand_back_delay(10**9, 5, 60, LowestDraw()) == 30


@pytest.mark.parametrize("count", [0, -3])
def test_a_receive_count_below_one_waits_like_the_first(count: int) -> None:
    assert hand_back_delay(count, 8, 60, HighestDraw()) == 8
    assert hand_back_delay(count, 8, 60, LowestDraw()) == 4


def test_a_zero_base_still_waits_one_second() -> None:
    assert hand_back_delay(1, 0, 60, random.Random(1)) == 1


def test_a_seeded_rng_gives_the_same_delays() -> None:
    def delays(seed: int) -> list[int]:
        rng = random.Random(seed)
        return [hand_back_delay(count, 5, 300, rng) for count in range(1, 40)]

    assert delays(7) == delays(7)
    assert delays(7) != delays(8)


def test_delays_of_one_receive_count_are_spread_out() -> None:
    rng = random.Random(42)

    delays = [hand_back_delay(6, 5, 300, rng) for _ in range(200)]  # 160 s before jitter

    assert min(delays) >= 80
    assert max(delays) <= 160
    assert len(set(delays)) > 30


# -- queue_url (handler) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn, url",
    [
        (
            "arn:aws:sqs:us-east-1:123456789012:docpipe-intake",
            "https://sqs.us-east-1.amazonaws.com/123456789012/docpipe-intake",
        ),
        (
            "arn:aws-cn:sqs:cn-north-1:123456789012:docpipe-intake",
            "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/docpipe-intake",
        ),
        (
            "arn:aws:sqs:eu-west-3:210987654321:intake.fifo",
            "https://sqs.eu-west-3.amazonaws.com/210987654321/intake.fifo",
        ),
    ],
    ids=["aws", "aws-cn", "fifo"],
)
def test_the_queue_url_is_built_from_the_event_source_arn(arn: str, url: str) -> None:
    assert queue_url(arn) == url


def test_the_queue_url_is_the_one_sqs_reports() -> None:
    with mock_aws():
        sqs = SESSION.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="docpipe-intake")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

        assert queue_url(arn) == url


def test_a_replay_starts_an_execution_of_its_own_name_and_says_its_number(
    semaphore: Semaphore,
) -> None:
    # Given the upload event of a document that ran before, sent back as its 2nd replay
    sfn = FakeStepFunctions(existing={NAME})
    body = json.dumps({**s3_event(), "docpipe-replay": 2})

    admitted = run_admit(body, semaphore, sfn)

    # Then a new execution starts, named like the first with -r2, carrying the number
    assert admitted == Admitted(f"{NAME}-r2", started=True)
    assert len(admitted.execution_name) <= 80
    started_with = json.loads(sfn.calls[-1]["input"])
    assert started_with["docpipe"]["replays"] == 2
    assert "docpipe-replay" not in started_with
    assert execution_name(BUCKET, KEY, VERSION, 2) == f"{NAME}-r2"


@pytest.mark.parametrize("count", [-1, "2", 1.5, True])
def test_a_replay_number_that_is_no_count_is_an_intake_message_error(
    semaphore: Semaphore, count: object
) -> None:
    body = json.dumps({**s3_event(), "docpipe-replay": count})

    with pytest.raises(IntakeMessageError, match="docpipe-replay"):
        run_admit(body, semaphore, FakeStepFunctions())


def test_a_long_key_keeps_its_replay_suffix_within_80_characters() -> None:
    name = execution_name(BUCKET, "incoming/" + "x" * 200 + ".pdf", VERSION, 12)
    assert len(name) <= 80 and name.endswith("-r12")
