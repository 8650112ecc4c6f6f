"""The batch lane's submit run (tasks/batch_lane/task.py) against in-memory fakes: what it
does with queued requests, by their number and age."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from memory_store import MemoryStore

from tasks.batch_lane import task
from tasks.shared.batch import has_answer
from tasks.shared.labels import load_labels
from tasks.shared.storage import batch_response_key

MODEL = "amazon.nova-micro-v1:0"


@dataclass
class FakeQueue:
    """SQS, as far as the lane uses it: messages with a visibility flag."""

    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # receipt → message
    hidden: set[str] = field(default_factory=set)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.sent.append((QueueUrl, json.loads(MessageBody)))

    def put(self, body: dict[str, Any], sent_ms: int) -> None:
        receipt = f"r{len(self.messages)}"
        self.messages[receipt] = {
            "Body": json.dumps(body),
            "ReceiptHandle": receipt,
            "Attributes": {"SentTimestamp": str(sent_ms)},
        }

    def receive_message(self, MaxNumberOfMessages: int, **_: Any) -> dict[str, Any]:
        visible = [r for r in self.messages if r not in self.hidden][:MaxNumberOfMessages]
        self.hidden.update(visible)
        return {"Messages": [self.messages[r] for r in visible]}

    def delete_message(self, ReceiptHandle: str, **_: Any) -> None:
        del self.messages[ReceiptHandle]
        self.hidden.discard(ReceiptHandle)

    def change_message_visibility(self, ReceiptHandle: str, **_: Any) -> None:
        self.hidden.discard(ReceiptHandle)


@dataclass
class FakeBedrock:
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def create_model_invocation_job(self, **job: Any) -> dict[str, Any]:
        self.jobs.append(job)
        return {"jobArn": f"arn:job/{len(self.jobs)}"}


class InstantModel:
    calls = 0

    def converse(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        return {"output": {"message": {"content": []}}, "usage": {"inputTokens": 1}}


def lane(queue: FakeQueue, store: MemoryStore) -> task.Lane:
    return task.Lane(
        store=store,  # type: ignore[arg-type]
        sqs=queue,
        sfn=None,  # type: ignore[arg-type]
        requests_queue_url="requests",
        resume_queue_url="resume",
        summary_chars=1200,
        classify_prefix_chars=2000,
        labels=load_labels(),
        provider=None,  # type: ignore[arg-type]
    )


def job_records(store: MemoryStore, bedrock: FakeBedrock, index: int = 0) -> list[str]:
    name = bedrock.jobs[index]["jobName"]
    body: bytes = store.objects[f"artifacts/batch/jobs/{name}/input/records.jsonl"]
    return body.decode().splitlines()


def queued(count: int, sent_ms: int = 0) -> FakeQueue:
    queue = FakeQueue()
    for index in range(count):
        body = {
            "record_id": f"rec{index}",
            "model_id": MODEL,
            "request": {"messages": [index]},
            "document_id": f"doc{index % 3}",
        }
        queue.put(body, sent_ms)
    return queue


def submit(
    queue: FakeQueue,
    store: MemoryStore,
    bedrock: FakeBedrock,
    model: InstantModel,
    *,
    now_ms: int,
    min_records: int = 5,
) -> dict[str, Any]:
    return task.submit(
        lane(queue, store),
        bedrock=bedrock,
        on_demand=model,
        bucket="documents",
        role_arn="arn:role",
        min_records=min_records,
        max_wait_seconds=60,
        now_ms=now_ms,
    )


def test_enough_requests_make_a_job_and_leave_the_queue() -> None:
    queue, store, bedrock, model = queued(6), MemoryStore(), FakeBedrock(), InstantModel()
    report = submit(queue, store, bedrock, model, now_ms=1_000)
    (job,) = bedrock.jobs
    assert report["jobs"] == [job["jobName"]] and job["modelInvocationType"] == "Converse"
    assert len(job_records(store, bedrock)) == 6
    assert queue.messages == {} and model.calls == 0


def test_too_few_wait_until_the_oldest_has_waited_long_enough() -> None:
    queue, store, bedrock, model = (
        queued(2, sent_ms=0),
        MemoryStore(),
        FakeBedrock(),
        InstantModel(),
    )
    assert submit(queue, store, bedrock, model, now_ms=30_000)["waiting"] == 2
    assert len(queue.messages) == 2 and not queue.hidden  # back in the queue, visible
    report = submit(queue, store, bedrock, model, now_ms=61_000)
    assert report["on_demand"] == 2 and model.calls == 2 and not bedrock.jobs
    assert all(has_answer(store, f"rec{i}") for i in range(2))  # type: ignore[arg-type]
    assert {body["document_id"] for url, body in queue.sent if url == "resume"} == {
        "doc0",
        "doc1",
    }


def test_a_run_takes_at_most_a_job_of_requests_and_leaves_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(task, "MAX_RECEIVED", 20)
    queue, store, bedrock, model = queued(25), MemoryStore(), FakeBedrock(), InstantModel()
    submit(queue, store, bedrock, model, now_ms=1_000)
    records = store.objects[
        f"artifacts/batch/jobs/{bedrock.jobs[0]['jobName']}/input/records.jsonl"
    ]
    assert len(records.decode().splitlines()) == 20
    assert len(queue.messages) == 5  # for the next run, not dropped
    submit(queue, store, bedrock, model, now_ms=2_000)
    assert len(bedrock.jobs) == 2 and queue.messages == {}


def test_an_answered_request_is_not_sent_again() -> None:
    queue, store, bedrock, model = queued(5), MemoryStore(), FakeBedrock(), InstantModel()
    store.put_json(batch_response_key("rec0"), {"output": {}})
    submit(queue, store, bedrock, model, now_ms=1_000, min_records=4)
    records = store.objects[
        f"artifacts/batch/jobs/{bedrock.jobs[0]['jobName']}/input/records.jsonl"
    ]
    assert "rec0" not in records.decode()
    assert ("resume", {"document_id": "doc0"}) in queue.sent
