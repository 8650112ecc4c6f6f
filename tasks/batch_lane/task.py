"""The batch lane: model calls of documents that can wait, answered by Bedrock batch
inference at half the on-demand price.

    Run Model Calls In Batch (ASL, .waitForTaskToken) → start: give the lease back, run
    run: the document's model work (summaries, combine, classification) with a
         DeferringClient (tasks/shared/batch.py): done → SendTaskSuccess; a document error →
         SendTaskFailure (the execution's failure path); requests without an answer → one
         message each to the requests queue, the work kept in S3 until answers arrive
    submit (every few minutes): per model, at least `batch_min_records` requests → a batch
         inference job (records JSONL in S3, CreateModelInvocationJob); fewer, but one older
         than `batch_max_wait_seconds` → answered on demand; otherwise they wait
    job state change (EventBridge, aws.bedrock) → collect: each record's answer is stored;
         records the job failed (or all, for a failed job) are answered on demand; each
         document of the job → the resume queue → run again, from the start
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from tasks.classify_document.task import classify
from tasks.combine_summaries.task import combine_partial_summaries
from tasks.shared.batch import (
    ON_DEMAND,
    DeferringClient,
    ModelCallDeferred,
    has_answer,
    store_answer,
)
from tasks.shared.batch_marks import BATCH_LANE
from tasks.shared.errors import DocpipeError
from tasks.shared.models import DocumentRef, LabelSet
from tasks.shared.providers import ModelProvider
from tasks.shared.semaphore import Semaphore
from tasks.shared.storage import ArtifactStore, batch_job_key, batch_waiting_key
from tasks.summarize_text.task import summarize_chunks

# Bedrock's limits for one batch inference job.
# At most this many requests per submit run, and so per job (Bedrock takes up to 50,000):
# collecting a job stores its answers one by one, which must end inside the function's 15
# minutes. More wait for the next run, 5 minutes later.
MAX_RECORDS_PER_JOB = 5_000
JOB_TIMEOUT_HOURS = 24  # the least CreateModelInvocationJob accepts
# A received request stays hidden from other submitters while this one decides.
RECEIVE_VISIBILITY_SECONDS = 900
MAX_RECEIVED = MAX_RECORDS_PER_JOB
# The statuses in which a job has ended (GetModelInvocationJob, the state-change event).
# CreateModelInvocationJob errors that pass: the requests wait for the next submit run.
RETRIED_LATER = frozenset(
    {"ThrottlingException", "ServiceUnavailableException", "InternalServerException"}
)
JOB_ENDED = frozenset({"Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"})


class Queue(Protocol):
    """The part of the boto3 SQS client the lane uses."""

    def send_message(self, **kwargs: Any) -> Any: ...
    def receive_message(self, **kwargs: Any) -> Any: ...
    def delete_message(self, **kwargs: Any) -> Any: ...
    def change_message_visibility(self, **kwargs: Any) -> Any: ...


class TaskTokens(Protocol):
    """The part of the boto3 Step Functions client the lane uses."""

    def send_task_success(self, **kwargs: Any) -> Any: ...
    def send_task_failure(self, **kwargs: Any) -> Any: ...


class Converse(Protocol):
    def converse(self, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Lane:
    """What the lane works with: the store, the queues, Step Functions, the settings."""

    store: ArtifactStore
    sqs: Queue
    sfn: TaskTokens
    requests_queue_url: str
    resume_queue_url: str
    summary_chars: int
    classify_prefix_chars: int
    labels: LabelSet
    # The provider of a run: on the model id, answering through the given client.
    provider: Callable[[str, DeferringClient], ModelProvider]


def model_work(work: dict[str, Any], lane: Lane, provider: ModelProvider) -> dict[str, Any]:
    """Summaries, combine and classification of one document, as the on-demand states do
    them; raises ModelCallDeferred once every chunk that can go on has gone on."""
    document = DocumentRef.from_dict(work["document"])
    chunks = work["chunks"]
    items = [int(index) for index in chunks["items"]]
    if int(chunks["count"]) > 1:
        waiting = False
        for index in items:
            try:
                summarize_chunks(
                    document, [index], "chunk", lane.store, provider, max_chars=lane.summary_chars
                )
            except ModelCallDeferred:
                waiting = True  # the other chunks' requests go in the same round
        if waiting:
            raise ModelCallDeferred("chunk summaries")
        summary = combine_partial_summaries(
            document, int(chunks["count"]), lane.store, provider, max_chars=lane.summary_chars
        )
    else:
        summary = summarize_chunks(
            document, items, "document", lane.store, provider, max_chars=lane.summary_chars
        )
    classification = classify(
        str(work["text"]["key"]),
        str(summary["key"]),
        lane.store,
        provider,
        lane.labels,
        prefix_chars=lane.classify_prefix_chars,
    )
    return {"summary": summary, "classification": classification}


def start(work: dict[str, Any], lane: Lane, semaphore: Semaphore | None) -> str:
    """From the state machine: the document gives its place under the cap back (it calls
    no model while it waits), then runs."""
    if semaphore is not None and work.get("lease"):
        semaphore.release(str(work["lease"]))
    return run(work, lane)


def run(work: dict[str, Any], lane: Lane) -> str:
    """Run the document's model work as far as the answers go: "done", "failed" (both
    reported to its execution) or "waiting" (its requests queued)."""
    document_id = str(work["document"]["id"])
    client = DeferringClient(lane.store)
    provider = lane.provider(str(work["chunks"].get("model_id") or ""), client)
    try:
        output = model_work(work, lane, provider)
    except ModelCallDeferred:
        lane.store.put_json(batch_waiting_key(document_id), work)
        for deferred in client.deferred.values():
            body = {
                "record_id": deferred.record_id,
                "model_id": deferred.model_id,
                "request": deferred.request,
                "document_id": document_id,
            }
            lane.sqs.send_message(QueueUrl=lane.requests_queue_url, MessageBody=json.dumps(body))
        return "waiting"
    except DocpipeError as exc:
        lane.sfn.send_task_failure(
            taskToken=work["task_token"],
            error=type(exc).__name__,
            cause=json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}),
        )
        return "failed"
    lane.sfn.send_task_success(taskToken=work["task_token"], output=json.dumps(output))
    return "done"


def resume(document_ids: Iterable[str], lane: Lane) -> dict[str, str]:
    """Run again the documents whose answers arrived; a document no longer waiting (done
    by an earlier resume) is skipped."""
    outcomes: dict[str, str] = {}
    for document_id in dict.fromkeys(document_ids):
        work = lane.store.get_json_if_exists(batch_waiting_key(document_id))
        if work is None:
            outcomes[document_id] = "not waiting"
            continue
        outcome = run(work, lane)
        outcomes[document_id] = outcome
        if outcome != "waiting":
            lane.store.delete(batch_waiting_key(document_id))
    return outcomes


def send_resume(sqs: Queue, queue_url: str, document_ids: Iterable[str]) -> int:
    """Queue the documents to run again (the lane's resume queue feeds `resume`)."""
    count = 0
    for document_id in dict.fromkeys(document_ids):
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"document_id": document_id}))
        count += 1
    return count


# -- submit -----------------------------------------------------------------------------------


@dataclass
class Pending:
    """The queued requests of one model."""

    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # record id → input
    documents: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    receipts: list[str] = field(default_factory=list)
    oldest_ms: int | None = None


def _receive_all(sqs: Queue, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while len(messages) < MAX_RECEIVED:
        page = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS,
            AttributeNames=["SentTimestamp"],
        ).get("Messages", [])
        if not page:
            break
        messages += page
    return messages


def submit(
    lane: Lane,
    *,
    bedrock: Any,
    on_demand: Converse,
    bucket: str,
    role_arn: str,
    min_records: int,
    max_wait_seconds: int,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """Decide, per model, what to do with the queued requests (see the module's doc)."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    by_model: dict[str, Pending] = defaultdict(Pending)
    for message in _receive_all(lane.sqs, lane.requests_queue_url):
        body = json.loads(message["Body"])
        pending = by_model[str(body["model_id"])]
        pending.requests[body["record_id"]] = body["request"]
        pending.documents[body["record_id"]].append(str(body["document_id"]))
        pending.receipts.append(message["ReceiptHandle"])
        sent = int(message.get("Attributes", {}).get("SentTimestamp", now_ms))
        pending.oldest_ms = sent if pending.oldest_ms is None else min(pending.oldest_ms, sent)
    report: dict[str, Any] = {"jobs": [], "on_demand": 0, "waiting": 0}
    for model_id, pending in by_model.items():
        answered = [r for r in pending.requests if has_answer(lane.store, r)]
        unanswered = {r: q for r, q in pending.requests.items() if r not in answered}
        job, refused = None, False
        if len(unanswered) >= min_records:
            job = _create_job(lane, bedrock, model_id, unanswered, pending, bucket, role_arn)
            refused = job is None
        waited_ms = now_ms - pending.oldest_ms if pending.oldest_ms is not None else 0
        if job is not None:
            report["jobs"].append(job)
            send_resume(lane.sqs, lane.resume_queue_url, _documents(pending, answered))
        elif unanswered and not refused and waited_ms < max_wait_seconds * 1000:
            for receipt in pending.receipts:  # they wait for more company
                lane.sqs.change_message_visibility(
                    QueueUrl=lane.requests_queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
                )
            report["waiting"] += len(unanswered)
            continue
        else:
            for record, request in unanswered.items():
                store_answer(
                    lane.store,
                    record,
                    on_demand.converse(modelId=model_id, **request),
                    lane=ON_DEMAND,
                )
            report["on_demand"] += len(unanswered)
            send_resume(lane.sqs, lane.resume_queue_url, _documents(pending, pending.requests))
        for receipt in pending.receipts:
            lane.sqs.delete_message(QueueUrl=lane.requests_queue_url, ReceiptHandle=receipt)
    return report


def _answer_on_demand(
    lane: Lane, on_demand: Converse, model_id: str, record: str, request: dict[str, Any]
) -> None:
    """Call the model now for a request the batch did not answer, and keep the answer."""
    store_answer(
        lane.store, record, on_demand.converse(modelId=model_id, **request), lane=ON_DEMAND
    )


def _documents(pending: Pending, records: Iterable[str]) -> list[str]:
    return [document for record in records for document in pending.documents[record]]


def _create_job(
    lane: Lane,
    bedrock: Any,
    model_id: str,
    requests: dict[str, dict[str, Any]],
    pending: Pending,
    bucket: str,
    role_arn: str,
) -> str | None:
    """Write the records and their documents to S3 and create the batch inference job; its
    name, or None when Bedrock refused it."""
    name = f"docpipe-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    records = list(requests.items())  # at most MAX_RECEIVED: one run's messages
    lines = [json.dumps({"recordId": record, "modelInput": request}) for record, request in records]
    lane.store.put_bytes(
        batch_job_key(name, "input/records.jsonl"),
        ("\n".join(lines) + "\n").encode("utf-8"),
        "application/jsonl",
    )
    lane.store.put_json(
        batch_job_key(name, "documents.json"),
        {
            "model_id": model_id,
            "records": {record: pending.documents[record] for record, _ in records},
        },
    )
    try:
        _submit_job(bedrock, name, model_id, role_arn, bucket)
    except ClientError as exc:
        if _error_code(exc) in RETRIED_LATER:
            raise  # the next run submits them again
        # Refused (a model without batch inference, records it does not take, a quota):
        # the requests are answered on demand instead.
        return None
    return name


def _submit_job(bedrock: Any, name: str, model_id: str, role_arn: str, bucket: str) -> None:
    bedrock.create_model_invocation_job(
        jobName=name,
        roleArn=role_arn,
        modelId=model_id,
        modelInvocationType="Converse",
        timeoutDurationInHours=JOB_TIMEOUT_HOURS,
        inputDataConfig={
            "s3InputDataConfig": {
                "s3Uri": f"s3://{bucket}/{batch_job_key(name, 'input/records.jsonl')}",
                "s3InputFormat": "JSONL",
            }
        },
        outputDataConfig={
            "s3OutputDataConfig": {"s3Uri": f"s3://{bucket}/{batch_job_key(name, 'output/')}"}
        },
    )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# -- collect ----------------------------------------------------------------------------------


def collect(
    job_name: str, status: str, lane: Lane, *, s3: Any, on_demand: Converse
) -> dict[str, Any]:
    """A job has ended: keep its answers, answer on demand what it did not, and resume its
    documents."""
    if status not in JOB_ENDED:
        return {"job": job_name, "status": status, "answered": 0, "on_demand": 0, "resumed": 0}
    manifest = lane.store.get_json(batch_job_key(job_name, "documents.json"))
    model_id = str(manifest["model_id"])
    records: dict[str, list[str]] = manifest["records"]
    requests: dict[str, dict[str, Any]] = {}
    for line in _lines(lane.store, s3, batch_job_key(job_name, "input/")):
        requests[line["recordId"]] = line["modelInput"]
    answered = 0
    for line in _lines(lane.store, s3, batch_job_key(job_name, "output/")):
        output = line.get("modelOutput")
        if line.get("recordId") in records and isinstance(output, dict) and "error" not in line:
            store_answer(lane.store, line["recordId"], output, lane=BATCH_LANE)
            answered += 1
    fallback = 0
    for record, request in requests.items():
        if record in records and not has_answer(lane.store, record):
            _answer_on_demand(lane, on_demand, model_id, record, request)
            fallback += 1
    resumed = send_resume(
        lane.sqs, lane.resume_queue_url, (d for documents in records.values() for d in documents)
    )
    return {
        "job": job_name,
        "status": status,
        "answered": answered,
        "on_demand": fallback,
        "resumed": resumed,
    }


def _lines(store: ArtifactStore, s3: Any, prefix: str) -> Iterable[dict[str, Any]]:
    """The JSON lines of every *.jsonl and *.jsonl.out file under `prefix`."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=prefix):
        for listed in page.get("Contents", []):
            key = str(listed["Key"])
            if not key.endswith((".jsonl", ".jsonl.out")):
                continue
            body = s3.get_object(Bucket=store.bucket, Key=key)["Body"].read().decode("utf-8")
            for text in body.splitlines():
                if text.strip():
                    yield json.loads(text)
