"""Lambda's SQS event source mapping, emulated for the offline engine.

What the deployed starter gets from Lambda, the offline one gets from here: up to
`max_concurrency` pollers (the mapping's `MaximumConcurrency`), each receiving batches of up
to `batch_size` messages and invoking the function with Lambda's SQS event shape. With
partial batch responses (`ReportBatchItemFailures`), the messages the function reports
failed stay in the queue and come back after their visibility timeout; the others are
deleted. A function error leaves the whole batch in the queue. The queue's own redrive
policy (moto applies it on receive) moves a message that was received too often to the
queue's dead-letter queue, as SQS does.

Polling costs the process that runs the engine: a ReceiveMessage through boto3 and moto takes
a few milliseconds of CPU under the interpreter lock the executions need. So an idle poller
sleeps until `notify` says a message was sent (the engine calls it on every send to the
queue) or its idle wait ends, and with a `has_messages` probe it calls ReceiveMessage only
when the queue holds a visible message: messages that become visible again (a visibility
timeout ended) are still found within one idle wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOGGER = logging.getLogger(__name__)

# Lambda's invoke answer: {"Payload": ..., "FunctionError"?: ...}.
Invoke = Callable[[dict[str, Any]], dict[str, Any]]

# Whether a receive could return a message now (cheap: no API call).
MessagesProbe = Callable[[], bool]

_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
)


@dataclass
class EventSourceStats:
    """What the pollers did, for tests and benchmarks."""

    batches: int = 0
    messages: int = 0
    deleted: int = 0
    handed_back: int = 0
    function_errors: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        """Add to the named counters."""
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class SqsEventSource:
    """Poll `queue_url` and invoke `invoke` with batches, as Lambda's event source does."""

    def __init__(
        self,
        sqs: Any,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        invoke: Invoke,
        batch_size: int = 10,
        max_concurrency: int = 2,
        idle_wait_s: float = 0.05,
        has_messages: MessagesProbe | None = None,
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError("batch_size must be between 1 and 10 for a standard queue")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self._invoke = invoke
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        self._idle_wait_s = idle_wait_s
        self._has_messages = has_messages
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Counts `notify` calls: a poller sleeps only if none came since it last looked.
        self._sends = 0
        self._woken = threading.Condition()

        self.stats = EventSourceStats()

    def start(self) -> None:
        """Start the pollers (daemon threads)."""
        self._stop.clear()
        for index in range(self.max_concurrency):
            thread = threading.Thread(target=self._poll, name=f"event-source-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop polling; a batch being processed finishes first."""
        self._stop.set()
        with self._woken:
            self._woken.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def notify(self) -> None:
        """A message was sent to the queue: idle pollers look now, not at their next poll."""
        with self._woken:
            self._sends += 1
            self._woken.notify_all()

    def _poll(self) -> None:
        while not self._stop.is_set():
            with self._woken:
                sends_seen = self._sends
            try:
                handled = self.poll_once() if self._may_have_messages() else 0
            except Exception:
                LOGGER.exception("event source poll failed")
                handled = 0
            if not handled:
                self._idle(sends_seen)

    def _may_have_messages(self) -> bool:
        """False only when the probe says a receive would find nothing (no probe: True)."""
        return self._has_messages is None or self._has_messages()

    def _idle(self, sends_seen: int) -> None:
        """Sleep up to the idle wait, unless a send came since `sends_seen` (or stop)."""
        with self._woken:
            if self._sends == sends_seen and not self._stop.is_set():
                self._woken.wait(self._idle_wait_s)

    def poll_once(self) -> int:
        """Receive one batch and hand it to the function; return how many messages it held."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        self.stats.add(batches=1, messages=len(messages))
        response = self._invoke({"Records": [self._record(m) for m in messages]})
        if response.get("FunctionError"):
            # Lambda retries the whole batch: every message comes back after its timeout.
            self.stats.add(function_errors=1, handed_back=len(messages))
            payload = response.get("Payload")
            error = payload if isinstance(payload, dict) else {}
            LOGGER.error(
                "the function failed (%s: %s); its batch of %d comes back after the queue's "
                "visibility timeout",
                error.get("errorType", "?"),
                error.get("errorMessage", payload),
                len(messages),
            )
            return len(messages)
        failed = self._failed_ids(response.get("Payload"), messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        self.stats.add(deleted=len(done), handed_back=len(messages) - len(done))
        return len(messages)

    @staticmethod
    def _failed_ids(payload: Any, messages: list[dict[str, Any]]) -> set[str]:
        """The ids a partial batch response names, as Lambda reads it: no list (or an empty
        or null one) is success; an item without a usable id of this batch fails the whole
        batch."""
        if not isinstance(payload, dict) or not payload.get("batchItemFailures"):
            return set()
        batch = {m["MessageId"] for m in messages}
        failures = payload["batchItemFailures"]
        ids = (
            [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
            if isinstance(failures, list)
            else [None]
        )
        if any(not isinstance(i, str) or i not in batch for i in ids):
            return batch
        return {str(i) for i in ids}

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One record of Lambda's SQS event."""
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {k: str(attributes[k]) for k in _RECORD_ATTRIBUTES if k in attributes},
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType", "String"),
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }
