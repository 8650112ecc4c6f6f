"""The emulated SQS event source mapping (docpipe/event_source.py), on moto's SQS."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from moto import mock_aws

from docpipe.event_source import SqsEventSource

REGION = "us-east-1"
# One botocore session for the module's clients: mock_aws() resets boto3's default session
# each time it starts, and loading the service models again costs ~0.1 s a test. Each test
# still gets fresh, empty moto backends.
SESSION = boto3.session.Session()
MAX_RECEIVES = 3
Respond = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Queue:
    sqs: Any
    url: str
    arn: str
    dlq_url: str

    def send(self, *bodies: str) -> dict[str, str]:
        """Send the bodies; their message ids by body."""
        return {
            body: self.sqs.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"]
            for body in bodies
        }

    def waiting(self, url: str | None = None) -> list[str]:
        """The bodies still in the queue (or in `url`), each read once."""
        bodies: list[str] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=url or self.url, MaxNumberOfMessages=10, VisibilityTimeout=600
            ).get("Messages", [])
            if not messages:
                return sorted(bodies)
            bodies.extend(message["Body"] for message in messages)


def make_queue(sqs: Any, name: str, visibility_timeout: int) -> Queue:
    """A queue with its own dead-letter queue after MAX_RECEIVES receives."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES}
            ),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Queue(sqs, url, arn, dlq_url)


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield SESSION.client("sqs", region_name=REGION)


@pytest.fixture
def queue(sqs: Any) -> Queue:
    # A visibility timeout of 0: a message handed back is received again at once, no waiting.
    return make_queue(sqs, "docpipe-intake", visibility_timeout=0)


@dataclass
class FakeFunction:
    """The starter as the event source sees it: records each event, answers with `respond`."""

    respond: Respond = field(default=lambda event: {"StatusCode": 200, "Payload": None})
    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return self.respond(event)

    @property
    def bodies(self) -> list[list[str]]:
        return [[record["body"] for record in event["Records"]] for event in self.events]


def failing(predicate: Callable[[dict[str, Any]], bool]) -> Respond:
    """A partial batch response that reports the records matching `predicate`."""

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        failures = [
            {"itemIdentifier": record["messageId"]}
            for record in event["Records"]
            if predicate(record)
        ]
        return {"StatusCode": 200, "Payload": {"batchItemFailures": failures}}

    return respond


def answering(payload: Any) -> Respond:
    return lambda event: {"StatusCode": 200, "Payload": payload}


def source_for(queue: Queue, function: FakeFunction, **options: Any) -> SqsEventSource:
    return SqsEventSource(
        queue.sqs,
        queue_url=queue.url,
        queue_arn=queue.arn,
        region=REGION,
        invoke=function,
        **options,
    )


@contextmanager
def running(source: SqsEventSource) -> Iterator[SqsEventSource]:
    """`source` polling for the duration of the block, stopped whatever happens in it."""
    source.start()
    try:
        yield source
    finally:
        source.stop()


# -- the event ---------------------------------------------------------------------------------


def test_the_function_gets_lambdas_sqs_event_shape(queue: Queue) -> None:
    # Given one message with a message attribute
    message_id = queue.sqs.send_message(
        QueueUrl=queue.url,
        MessageBody='{"detail-type": "Object Created"}',
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "eventbridge"}},
    )["MessageId"]
    function = FakeFunction()

    # When the event source polls once
    handled = source_for(queue, function).poll_once()

    # Then the function got one record in the shape Lambda gives it
    assert handled == 1
    assert len(function.events) == 1
    (record,) = function.events[0]["Records"]
    assert record["messageId"] == message_id
    assert isinstance(record["receiptHandle"], str) and record["receiptHandle"]
    assert record["body"] == '{"detail-type": "Object Created"}'
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["SentTimestamp"].isdigit()
    assert all(isinstance(value, str) for value in record["attributes"].values())
    assert record["messageAttributes"]["origin"]["stringValue"] == "eventbridge"
    assert record["messageAttributes"]["origin"]["dataType"] == "String"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue.arn
    assert record["awsRegion"] == REGION
    # And Powertools, which the starter uses, reads it as Lambda's own
    parsed = SQSRecord(record)
    assert parsed.attributes.approximate_receive_count == "1"
    assert parsed.event_source_arn == queue.arn
    assert parsed.message_id == message_id
    # And the message, handled without failures, is gone
    assert queue.waiting() == []


def test_an_empty_queue_invokes_nothing(queue: Queue) -> None:
    function = FakeFunction()

    assert source_for(queue, function).poll_once() == 0
    assert function.events == []


def test_batches_are_no_larger_than_the_batch_size(queue: Queue) -> None:
    # Given seven messages and a batch size of three
    bodies = [f"message-{n}" for n in range(7)]
    queue.send(*bodies)
    function = FakeFunction()
    source = source_for(queue, function, batch_size=3)

    # When the event source polls until the queue is empty
    handled = [source.poll_once() for _ in range(4)]

    # Then it took batches of three, three and one, and every message once
    assert handled == [3, 3, 1, 0]
    assert [len(batch) for batch in function.bodies] == [3, 3, 1]
    assert sorted(body for batch in function.bodies for body in batch) == bodies
    assert (source.stats.batches, source.stats.messages, source.stats.deleted) == (3, 7, 7)


@pytest.mark.parametrize(
    "options", [{"batch_size": 0}, {"batch_size": 11}, {"max_concurrency": 0}], ids=str
)
def test_settings_lambda_refuses_are_refused(queue: Queue, options: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        source_for(queue, FakeFunction(), **options)


# -- what stays in the queue -------------------------------------------------------------------


def test_only_the_reported_failures_stay_in_the_queue_and_come_back(queue: Queue) -> None:
    # Given five messages, two of which the function will report as failed
    bodies = [f"message-{n}" for n in range(5)]
    queue.send(*bodies)
    function = FakeFunction(failing(lambda record: record["body"] in {"message-1", "message-3"}))
    source = source_for(queue, function)

    # When the event source polls once
    assert source.poll_once() == 5

    # Then the three others are deleted
    assert (source.stats.deleted, source.stats.handed_back) == (3, 2)
    # And the next poll brings back exactly the two failures, on their second receive
    function.respond = answering({"batchItemFailures": []})
    assert source.poll_once() == 2
    again = function.events[-1]["Records"]
    assert sorted(record["body"] for record in again) == ["message-1", "message-3"]
    assert {record["attributes"]["ApproximateReceiveCount"] for record in again} == {"2"}
    assert queue.waiting() == []


def test_a_function_error_leaves_the_whole_batch(queue: Queue) -> None:
    bodies = [f"message-{n}" for n in range(4)]
    queue.send(*bodies)
    function = FakeFunction(
        lambda event: {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": {"errorType": "Runtime.ExitError", "errorMessage": "crashed"},
        }
    )
    source = source_for(queue, function)

    assert source.poll_once() == 4

    assert queue.waiting() == bodies
    assert source.stats.function_errors == 1
    assert (source.stats.deleted, source.stats.handed_back) == (0, 4)


WITHOUT_FAILURES = {
    "no payload": None,
    "an empty object": {},
    "another object": {"statusCode": 200, "body": "ok"},
    "a string": "done",
    "an empty list": {"batchItemFailures": []},
}


@pytest.mark.parametrize("payload", WITHOUT_FAILURES.values(), ids=WITHOUT_FAILURES.keys())
def test_a_response_without_batch_item_failures_deletes_the_batch(
    queue: Queue, payload: Any
) -> None:
    queue.send("message-0", "message-1", "message-2")
    source = source_for(queue, FakeFunction(answering(payload)))

    assert source.poll_once() == 3

    assert queue.waiting() == []
    assert source.stats.deleted == 3


MALFORMED_FAILURES = {
    "a bad key name": lambda ids: [{"messageId": ids[0]}],
    "not a list": lambda ids: 42,
    "a list of strings": lambda ids: [ids[0]],
    "a null item": lambda ids: [None],
    "one good item and one bad": lambda ids: [{"itemIdentifier": ids[0]}, {"id": ids[1]}],
}


@pytest.mark.parametrize("failures", MALFORMED_FAILURES.values(), ids=MALFORMED_FAILURES.keys())
def test_malformed_batch_item_failures_fail_the_whole_batch(
    queue: Queue, failures: Callable[[list[str]], Any]
) -> None:
    bodies = ["message-0", "message-1", "message-2"]
    ids = list(queue.send(*bodies).values())
    source = source_for(queue, FakeFunction(answering({"batchItemFailures": failures(ids)})))

    assert source.poll_once() == 3

    assert queue.waiting() == bodies
    assert source.stats.deleted == 0


# Lambda's documented "Success and failure conditions" for partial batch responses: an
# empty-string or null itemIdentifier, or one that names no message of the batch, is a
# complete failure; a null batchItemFailures list is a complete success.
UNUSABLE_IDENTIFIERS = {
    "an empty identifier": "",
    "a null identifier": None,
    "an identifier of no message in the batch": "00000000-0000-0000-0000-000000000000",
}


@pytest.mark.parametrize(
    "identifier", UNUSABLE_IDENTIFIERS.values(), ids=UNUSABLE_IDENTIFIERS.keys()
)
def test_an_unusable_item_identifier_fails_the_whole_batch(
    queue: Queue, identifier: str | None
) -> None:
    bodies = ["message-0", "message-1"]
    queue.send(*bodies)
    payload = {"batchItemFailures": [{"itemIdentifier": identifier}]}
    source = source_for(queue, FakeFunction(answering(payload)))

    source.poll_once()

    assert queue.waiting() == bodies


def test_a_null_batch_item_failures_list_deletes_the_batch(queue: Queue) -> None:
    queue.send("message-0", "message-1")
    source = source_for(queue, FakeFunction(answering({"batchItemFailures": None})))

    source.poll_once()

    assert queue.waiting() == []


def test_a_message_that_keeps_failing_moves_to_the_dead_letter_queue(queue: Queue) -> None:
    # Given a message the function always reports as failed, on a queue that allows 3 receives
    queue.send("poison", "fine")
    function = FakeFunction(failing(lambda record: record["body"] == "poison"))
    source = source_for(queue, function)

    # When the event source polls until there is nothing left to receive
    handled = [source.poll_once() for _ in range(MAX_RECEIVES + 1)]

    # Then the poison message was received three times, then moved to the dead-letter queue
    assert handled == [2, 1, 1, 0]
    receives = [
        record["attributes"]["ApproximateReceiveCount"]
        for event in function.events
        for record in event["Records"]
        if record["body"] == "poison"
    ]
    assert receives == ["1", "2", "3"]
    assert queue.waiting() == []
    assert queue.waiting(queue.dlq_url) == ["poison"]


def test_a_batch_that_keeps_failing_moves_whole_to_the_dead_letter_queue(queue: Queue) -> None:
    queue.send("message-0", "message-1")
    function = FakeFunction(lambda event: {"StatusCode": 200, "FunctionError": "Unhandled"})
    source = source_for(queue, function)

    handled = [source.poll_once() for _ in range(MAX_RECEIVES + 1)]

    assert handled == [2, 2, 2, 0]
    assert queue.waiting(queue.dlq_url) == ["message-0", "message-1"]


# -- pollers -----------------------------------------------------------------------------------


def test_pollers_run_batches_concurrently_up_to_the_maximum_and_stop_cleanly(sqs: Any) -> None:
    # Given nine messages on a queue that hides a received message (no redelivery races),
    # and a function whose first three invocations wait for each other
    queue = make_queue(sqs, "docpipe-pollers", visibility_timeout=300)
    bodies = [f"message-{n}" for n in range(9)]
    queue.send(*bodies)
    together = threading.Barrier(3, timeout=30)
    lock = threading.Lock()
    seen: set[str] = set()
    calls, in_flight, peak = 0, 0, 0
    pollers: set[str] = set()
    all_seen = threading.Event()

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls, in_flight, peak
        with lock:
            calls += 1
            call = calls
            in_flight += 1
            peak = max(peak, in_flight)
            pollers.add(threading.current_thread().name)
        if call <= 3:
            together.wait()  # passes only once three invocations run at the same time
        with lock:
            in_flight -= 1
            seen.update(record["body"] for record in event["Records"])
            if seen >= set(bodies):
                all_seen.set()
        return {"StatusCode": 200, "Payload": {"batchItemFailures": []}}

    threads_before = set(threading.enumerate())
    source = source_for(queue, FakeFunction(respond), batch_size=1, max_concurrency=3)

    # When the pollers run until every message was handled, then stop
    with running(source):
        assert all_seen.wait(timeout=60)

    # Then three batches ran at once, never more, each poller its own thread
    assert peak == 3
    assert pollers == {"event-source-0", "event-source-1", "event-source-2"}
    # And after stop no poller is left, and every message is gone
    assert set(threading.enumerate()) - threads_before == set()
    assert queue.waiting() == []


def test_stop_interrupts_idle_pollers(queue: Queue) -> None:
    # Given pollers idling on an empty queue with a long wait between polls
    threads_before = set(threading.enumerate())
    source = source_for(queue, FakeFunction(), max_concurrency=4, idle_wait_s=3600)
    source.start()
    started = set(threading.enumerate()) - threads_before

    # When they are stopped
    source.stop()

    # Then all four threads have ended (a wait that ignored stop would outlive the join)
    assert len(started) == 4
    assert not any(thread.is_alive() for thread in started)


def test_a_failing_poll_does_not_kill_the_poller(sqs: Any) -> None:
    # Given a function that raises on its first batch (as an engine bug would)
    queue = make_queue(sqs, "docpipe-raising", visibility_timeout=0)
    queue.send("message-0")
    handled = threading.Event()
    calls: list[int] = []

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the invoke itself failed")
        handled.set()
        return {"StatusCode": 200, "Payload": None}

    source = source_for(queue, FakeFunction(respond), max_concurrency=1, idle_wait_s=0.01)

    # When the poller runs
    with running(source):
        assert handled.wait(timeout=60)

    # Then it polled again, and the message was handled on its second receive
    assert len(calls) == 2
    assert queue.waiting() == []


# -- waking and probing -----------------------------------------------------------------------


def signalling(handled: threading.Event) -> Respond:
    """A successful answer that also sets `handled`."""

    def respond(event: dict[str, Any]) -> dict[str, Any]:
        handled.set()
        return {"StatusCode": 200, "Payload": None}

    return respond


def test_an_idle_poller_wakes_on_notify_not_on_its_idle_wait(queue: Queue) -> None:
    # Given a poller idling on an empty queue with an idle wait far longer than the test
    handled = threading.Event()
    function = FakeFunction(signalling(handled))
    source = source_for(queue, function, max_concurrency=1, idle_wait_s=3600)
    with running(source):
        # When a message is sent and the source is told so
        queue.send("message-0")
        source.notify()

        # Then the poller receives it at once
        assert handled.wait(timeout=60)
    assert function.bodies == [["message-0"]]


def test_a_notify_before_the_poller_idles_is_not_lost(queue: Queue) -> None:
    # Given a probe that reports an empty queue on its first look only (as when a send lands
    # between a poller's look and its sleep), and a notify made during that first look
    source: SqsEventSource
    looks: list[int] = []

    def probe() -> bool:
        looks.append(1)
        if len(looks) == 1:
            queue.send("message-0")
            source.notify()
            return False
        return True

    handled = threading.Event()
    function = FakeFunction(signalling(handled))
    source = source_for(queue, function, max_concurrency=1, idle_wait_s=3600, has_messages=probe)

    # When the poller runs
    with running(source):
        # Then it does not sleep through the idle wait: it looks again and receives
        assert handled.wait(timeout=60)
    assert function.bodies == [["message-0"]]


def test_a_probe_that_sees_no_message_saves_the_receive(queue: Queue) -> None:
    # Given a message in the queue but a probe that says there is none
    queue.send("message-0")
    looked = threading.Event()

    def probe() -> bool:
        looked.set()
        return False

    function = FakeFunction()
    source = source_for(queue, function, max_concurrency=1, idle_wait_s=0.01, has_messages=probe)

    # When the poller has looked a few times
    with running(source):
        assert looked.wait(timeout=60)

    # Then it never received: the message is still there and nothing was invoked
    assert source.stats.batches == 0 and function.events == []
    assert queue.waiting() == ["message-0"]
