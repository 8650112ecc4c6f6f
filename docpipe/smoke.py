"""`docpipe smoke`: after a deploy, prove the deployed stack works end to end.

It uploads one sample document under the stack's incoming prefix and waits for that
document's notification on the completion topic, as a subscriber would receive it. To hear
the topic it makes a queue of its own for the run (SSE-SQS, so SNS needs no KMS grant to
write to it), subscribed with a filter on the notification's `key`, so other documents
running at the same time are not mistaken for the sample; the queue and the subscription
are removed afterwards, whatever happened.

The caller needs, besides what `--aws` reads: s3:PutObject (and kms:GenerateDataKey on the
stack's key), sqs:CreateQueue, SetQueueAttributes, GetQueueAttributes, ReceiveMessage,
DeleteQueue, sns:Subscribe and sns:Unsubscribe.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from docpipe import samples
from docpipe.aws import DeployedStack

# Stack outputs read here (infra/stack.py `_outputs`).
BUCKET_OUTPUT = "BucketName"
TOPIC_OUTPUT = "CompletionTopicArn"
PREFIX_OUTPUT = "IncomingPrefix"
DEFAULT_PREFIX = "incoming/"  # a stack deployed before it had the IncomingPrefix output

# SQS long polls at most 20 s per call.
LONG_POLL_SECONDS = 20


@dataclass(frozen=True)
class SmokeResult:
    """What the smoke test saw: the uploaded object and its notification (None: timed out)."""

    bucket: str
    key: str
    version_id: str | None
    seconds: float
    notification: dict[str, Any] | None

    @property
    def passed(self) -> bool:
        return self.notification is not None and self.notification.get("status") == "SUCCEEDED"

    def as_json(self) -> dict[str, Any]:
        message = self.notification or {}
        return {
            "bucket": self.bucket,
            "key": self.key,
            "version_id": self.version_id,
            "seconds": round(self.seconds, 1),
            "passed": self.passed,
            "status": message.get("status", "TIMED_OUT"),
            "category": message.get("category"),
            "execution_arn": message.get("execution_arn"),
            "error": message.get("error"),
        }


def sample_key(prefix: str, now: datetime.datetime | None = None) -> str:
    """A key of its own for each run, so the notification can only be this run's."""
    moment = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}docpipe-smoke/{moment}-{uuid.uuid4().hex[:8]}.txt"


def sample_document(key: str) -> bytes:
    """The sample letter, made unique by the run's key: the pipeline skips a document whose
    content it has seen before (SKIPPED_DUPLICATE), so a fixed sample would pass only once."""
    return f"{samples.LETTER}\nReference of this letter: {key}\n".encode()


def run_smoke(
    stack: DeployedStack,
    *,
    timeout: float = 600.0,
    document: bytes | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SmokeResult:
    """Upload the sample (or `document`) and wait up to `timeout` s for its notification.

    A `document` uploaded before comes back SKIPPED_DUPLICATE, which does not pass."""
    bucket = stack.output(BUCKET_OUTPUT)
    topic = stack.output(TOPIC_OUTPUT)
    key = sample_key(stack.outputs.get(PREFIX_OUTPUT, DEFAULT_PREFIX))
    with listening(stack, topic, key) as receive:
        started = clock()
        put = stack.client("s3").put_object(
            Bucket=bucket, Key=key, Body=document or sample_document(key)
        )
        notification = None
        while notification is None and (left := timeout - (clock() - started)) > 0:
            notification = receive(max(1, min(LONG_POLL_SECONDS, int(left))))
        seconds = clock() - started
    return SmokeResult(bucket, key, put.get("VersionId"), seconds, notification)


@contextmanager
def listening(
    stack: DeployedStack, topic: str, key: str
) -> Iterator[Callable[[int], dict[str, Any] | None]]:
    """A queue subscribed to `topic` for the notification of `key` only, for the block;
    yields receive(wait seconds) -> the notification, or None."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue_url = sqs.create_queue(
        QueueName=f"docpipe-smoke-{uuid.uuid4().hex[:12]}",
        Attributes={"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "3600"},
    )["QueueUrl"]
    subscription = None
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sqs.set_queue_attributes(
            QueueUrl=queue_url, Attributes={"Policy": json.dumps(_policy(queue_arn, topic))}
        )
        subscription = sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicyScope": "MessageBody",
                "FilterPolicy": json.dumps({"key": [key]}),
            },
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]

        def receive(wait: int) -> dict[str, Any] | None:
            messages = sqs.receive_message(
                QueueUrl=queue_url, WaitTimeSeconds=wait, MaxNumberOfMessages=1
            ).get("Messages", [])
            for message in messages:
                body = json.loads(message["Body"])
                if body.get("key") == key:
                    return dict(body)
            return None

        yield receive
    finally:
        if subscription:
            sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=queue_url)


def _policy(queue_arn: str, topic: str) -> dict[str, Any]:
    """Only the completion topic may send to the queue."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
            }
        ],
    }
