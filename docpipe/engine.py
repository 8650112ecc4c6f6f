"""The offline engine: the deployed ASL, unchanged, on moto's Step Functions interpreter.

It emulates the stack in process, intake included: a versioned S3 bucket with EventBridge
notifications; the same rule pattern, targeting the intake queue (with its dead-letter
queue after the same receive limit); the starter fed by an emulated SQS event source
(`docpipe.event_source`: batch size, maximum concurrency, partial batch failures,
visibility timeouts); the lease table that caps running executions; the state machine;
the execution status-change events, delivered by the same rules to the end-of-execution
handler and to the dead-letter queue; the scheduled lease reconciler; the documents table,
the SQS dead-letter queue and the SNS completion topic. Lambda functions are dispatched to
the Python handlers in tasks/. An upload starts an execution only through the intake.
Textract's text detection is emulated with tesseract when it is installed; without it OCR
is off and a document that needs it fails with OcrUnavailableError.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from moto import mock_aws
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from docpipe import moto_patches
from docpipe.batch_emulator import BatchEmulator, Job
from docpipe.errors import EngineError
from docpipe.event_source import SqsEventSource
from docpipe.faults import UNKNOWN_ERROR, Fault, FaultConfigError, ServiceFaults, TaskFaults
from docpipe.textract_emulator import INSTALL_TESSERACT, TesseractTextDetection
from infra.config import (
    BACKFILL_ASL,
    DOCUMENTS_BY_KEY_INDEX,
    DOCUMENTS_BY_KEY_PARTITION,
    DOCUMENTS_BY_KEY_SORT,
    pipeline_timeout_seconds,
)
from infra.config import PIPELINE_ASL as ASL_FILE
from infra.patterns import (
    BATCH_JOB_STATE_CHANGE,
    TERMINAL_STATUSES,
    batch_job_ended_pattern,
    execution_status_pattern,
    substitute,
    trigger_pattern,
    unrecorded_execution_pattern,
)
from tasks.catalog import (
    BATCH_LANE,
    EXECUTION_ENDED,
    INTAKE_BATCH_SIZE,
    INTAKE_FUNCTIONS,
    INTAKE_MAX_CONCURRENCY,
    INTAKE_MAX_RECEIVES,
    INTAKE_VISIBILITY_TIMEOUT_SECONDS,
    LEASE_GRACE_SECONDS,
    RECONCILE_LEASES,
    RECONCILE_PERIOD_SECONDS,
    START_PIPELINE,
    TASK_FUNCTIONS,
    LambdaFunction,
)
from tasks.shared.execution_names import execution_arn, execution_name
from tasks.shared.semaphore import Semaphore

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "docpipe-documents"
TABLE = "docpipe-documents"
INCOMING_PREFIX = "incoming/"
# Uploads under this prefix take the batch lane (tasks/batch_lane): the stack's `batchPrefix`.
BATCH_PREFIX = "incoming/batch/"
BATCH_REQUESTS_QUEUE = "docpipe-batch-requests"
BATCH_RESUME_QUEUE = "docpipe-batch-resume"
BATCH_JOB_RULE = "docpipe-batch-job-ended"
BATCH_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/docpipe-batch-inference"
# Offline the batch lane submits what is queued every second, and a job needs one record
# (Bedrock's minimum is a quota of 100 per model; DOCPIPE_BATCH_MIN_RECORDS sets it here).
OFFLINE_BATCH_SUBMIT_SECONDS = 1.0
OFFLINE_BATCH_MIN_RECORDS = 1
STATE_MACHINE = "docpipe-document-pipeline"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE}"
LEASE_TABLE = "docpipe-leases"
BACKFILL_STATE_MACHINE = "docpipe-backfill"
BACKFILL_STATE_MACHINE_ARN = (
    f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{BACKFILL_STATE_MACHINE}"
)
# Where `docpipe backfill FOLDER` puts a folder's files: outside incoming/, so their uploads
# start nothing, as objects that were in the bucket before the pipeline.
BACKFILL_PREFIX = "backfill/"
# moto runs a Distributed Map's children inside the parent (its grammar has no EXPRESS
# children); the stack substitutes EXPRESS.
OFFLINE_BACKFILL_EXECUTION_TYPE = "STANDARD"
INTAKE_QUEUE = "docpipe-intake"
INTAKE_DLQ = "docpipe-intake-dlq"
UPLOAD_RULE = "docpipe-document-uploaded"
EXECUTION_ENDED_RULE = "docpipe-execution-ended"
EXECUTION_STOPPED_RULE = "docpipe-execution-stopped"

# The running-documents cap of an offline run: sized for a laptop's two cores.
DEFAULT_MAX_CONCURRENT_DOCUMENTS = 4
# Offline, a full house hands a message back for 1 s, doubling up to 8 s: waiting costs
# nothing here, and a freed place is taken quickly (on AWS: 5 s up to 60 s).
OFFLINE_ADMISSION_RETRY_SECONDS = 1
OFFLINE_ADMISSION_MAX_DELAY_SECONDS = 8

# `wait` learns of an execution's end from moto's end hook; this is how often it also asks
# DescribeExecution, in case an end passes the hook by.
WAIT_FALLBACK_POLL_SECONDS = 1.0

# At most this long `wait` waits for the engine to handle an ended execution's end (it takes
# milliseconds; an injected timeout of Execution Ended lasts that function's timeout).
END_HANDLING_SECONDS = 30.0

# The intake's pollers wake on every send to the intake queue; between sends they look at the
# queue (without an API call) this often, for messages whose visibility timeout has ended.
INTAKE_IDLE_WAIT_SECONDS = 0.05

# How long an ending engine waits for the handlers still running (each is bounded: the
# extraction by its deadline, the model calls by their timeouts).
INVOCATION_DRAIN_SECONDS = 300.0

# Step Functions refuses state payloads above 256 KiB; the dispatcher enforces it offline so
# a task that puts text into the state fails here as it would on AWS.
MAX_STATE_BYTES = 256 * 1024

BEDROCK_ENDPOINT_ENV = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
BEDROCK_OFFLINE = (
    "Offline, the bedrock provider needs a Converse endpoint (moto does not implement "
    "Converse): run `python -m docpipe.converse_fake` and set "
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME to the URL it prints."
)

OCR_UNAVAILABLE = (
    f"Offline, OCR needs tesseract, which is not installed: install it with "
    f"{INSTALL_TESSERACT}, then run the document again (see README.md, OCR)."
)


def _queue_url(name: str) -> str:
    """The URL moto gives the queue `name` of the twin's account."""
    return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"


def backfill_name() -> str:
    """A backfill execution's name: when it started, and a part that keeps two apart."""
    return f"backfill-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:8]}"


class WaitTimeout(EngineError):
    """An execution did not end (or was not even started) within the time waited for it."""


@dataclass
class LocalLambdaContext:
    """The Lambda context attributes Powertools reads."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


@dataclass(frozen=True)
class Upload:
    """One uploaded object and the execution the intake starts for it (by its name)."""

    path: Path | None
    key: str
    version_id: str
    etag: str
    execution_arn: str


@dataclass(frozen=True)
class ExecutionOutcome:
    """How one execution ended."""

    execution_arn: str
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    output: dict[str, Any] | None
    error: str | None
    cause: str | None


class LocalEngine:
    """Context manager that stands the emulated stack up and runs documents through it."""

    def __init__(
        self,
        *,
        model_provider: str | None = None,
        time_scale: float = 1.0,
        extra_env: dict[str, str] | None = None,
        log_level: str = "WARNING",
        max_concurrent_documents: int | None = None,
        faults: TaskFaults | None = None,
        service_faults: ServiceFaults | None = None,
    ) -> None:
        self.model_provider = model_provider or os.environ.get("DOCPIPE_MODEL_PROVIDER", "local")
        self.time_scale = time_scale
        self.extra_env = extra_env or {}
        self.log_level = log_level
        cap = max_concurrent_documents or int(
            self.extra_env.get("DOCPIPE_MAX_CONCURRENT_DOCUMENTS")
            or os.environ.get("DOCPIPE_MAX_CONCURRENT_DOCUMENTS")
            or DEFAULT_MAX_CONCURRENT_DOCUMENTS
        )
        if cap < 1:
            raise EngineError("the cap on running documents must be at least 1")
        self.max_concurrent_documents = cap
        self.faults = faults
        self.service_faults = service_faults
        self.text_detection: moto_patches.TextDetection = TesseractTextDetection()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._patches: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._handlers: dict[str, tuple[Callable[..., Any], int, int]] = {}
        self._async_invocations: ThreadPoolExecutor | None = None
        self._pending_async: set[Future[Any]] = set()
        self._async_errors: list[str] = []
        self._ended: set[str] = set()  # executions whose status-change event is published
        self._lock = threading.Lock()
        self._published = threading.Condition(self._lock)  # notified as `_ended` grows
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._stop = threading.Event()
        # Handler invocations in progress: the engine ends only after they have (a thread
        # left inside a native library at interpreter exit aborts the process).
        self._invocations = 0
        self._invocations_done = threading.Condition(self._lock)
        self._reconciler: threading.Thread | None = None
        self.event_source: SqsEventSource | None = None
        self.batch_resume_source: SqsEventSource | None = None
        self._batch_submitter: threading.Thread | None = None
        self._batch_requests_probe: Callable[[], bool] = lambda: False
        self.batch = BatchEmulator(on_ended=self._batch_job_ended)
        self.state_machine_arn = STATE_MACHINE_ARN
        self.dlq_url = ""
        self.notifications_url = ""
        self.topic_arn = ""
        self.intake_url = ""
        self.intake_arn = ""
        self.intake_dlq_url = ""

    # -- set-up ---------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "DOCPIPE_ARTIFACT_BUCKET": BUCKET,
            "DOCPIPE_TABLE_NAME": TABLE,
            "DOCPIPE_MODEL_PROVIDER": self.model_provider,
            "DOCPIPE_STATE_MACHINE_ARN": STATE_MACHINE_ARN,
            "DOCPIPE_LEASE_TABLE_NAME": LEASE_TABLE,
            "DOCPIPE_PROCESSING_TIMEOUT_SECONDS": str(pipeline_timeout_seconds()),
            # The reconciler runs on the engine's clock (see _reconcile_periodically).
            "DOCPIPE_LEASE_GRACE_SECONDS": str(
                max(1, round(LEASE_GRACE_SECONDS * self.time_scale))
            ),
            "DOCPIPE_ADMISSION_RETRY_SECONDS": str(OFFLINE_ADMISSION_RETRY_SECONDS),
            "DOCPIPE_ADMISSION_MAX_DELAY_SECONDS": str(OFFLINE_ADMISSION_MAX_DELAY_SECONDS),
            "POWERTOOLS_SERVICE_NAME": "docpipe",
            "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": self.log_level,
            "DOCPIPE_OCR": "textract" if self.text_detection.available() else "off",
            "DOCPIPE_OCR_UNAVAILABLE_REASON": OCR_UNAVAILABLE,
            # The batch lane: its queues (named as moto names them), Bedrock's control plane
            # (the batch emulator), and a job for any number of records.
            "DOCPIPE_BATCH_REQUESTS_QUEUE_URL": _queue_url(BATCH_REQUESTS_QUEUE),
            "DOCPIPE_BATCH_RESUME_QUEUE_URL": _queue_url(BATCH_RESUME_QUEUE),
            "DOCPIPE_BATCH_ROLE_ARN": BATCH_ROLE_ARN,
            "DOCPIPE_BATCH_MIN_RECORDS": str(OFFLINE_BATCH_MIN_RECORDS),
            "DOCPIPE_BATCH_MAX_WAIT_SECONDS": str(max(1, round(3600 * self.time_scale))),
            "AWS_ENDPOINT_URL_BEDROCK": self.batch.endpoint,
        }
        env.update(self.extra_env)
        # The cap resolved in __init__ (argument, extra_env, environment or default).
        env["DOCPIPE_MAX_CONCURRENT_DOCUMENTS"] = str(self.max_concurrent_documents)
        return env

    def __enter__(self) -> LocalEngine:
        self.batch.start()
        environment = self._environment()
        if environment["DOCPIPE_MODEL_PROVIDER"] == "bedrock" and not (
            environment.get(BEDROCK_ENDPOINT_ENV) or os.environ.get(BEDROCK_ENDPOINT_ENV)
        ):
            raise EngineError(BEDROCK_OFFLINE)
        for name, value in environment.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        try:
            if self.faults is None:
                self.faults = TaskFaults.from_env()
            if self.service_faults is None:
                self.service_faults = ServiceFaults.from_env()
        except FaultConfigError as exc:
            raise EngineError(str(exc)) from exc
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        # Metrics are disabled offline, so Powertools' "no metrics" warning is noise here.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._mock.start()
        self._patches = moto_patches.patched(
            self._invoke_lambda,
            self._start_execution,
            self.text_detection,
            time_scale=self.time_scale,
            invoke_async=self._invoke_async,
            on_execution_end=self._execution_ended,
            service_fault=self._service_fault,
            on_message_sent=self._message_sent,
        )
        self._patches.__enter__()
        self._async_invocations = ThreadPoolExecutor(2, thread_name_prefix="lambda-async")
        try:
            self._load_handlers()
            self._create_resources()
            self._start_intake()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        with self._published:
            self._published.notify_all()  # nothing more is published: waiters look again
        if self.event_source is not None:
            self.event_source.stop()
            self.event_source = None
        if self.batch_resume_source is not None:
            self.batch_resume_source.stop()
            self.batch_resume_source = None
        for thread in (self._reconciler, self._batch_submitter):
            if thread is not None:
                thread.join(timeout=30)
        self._reconciler = self._batch_submitter = None
        self._stop_executions()
        # Environments end, and the extractions their tasks still wait for end with them.
        from tasks.extract_text.sandbox import stop_extractions

        stop_extractions()
        self._wait_for_invocations(INVOCATION_DRAIN_SECONDS)
        if self._async_invocations is not None:
            self._async_invocations.shutdown(wait=True)
            self._async_invocations = None
        if self._patches is not None:
            self._patches.__exit__(None, None, None)
            self._patches = None
        self.batch.stop()
        self._mock.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        with self._clients_lock:
            self._clients.clear()
        from tasks.shared import clients

        clients.reset()

    def _stop_executions(self) -> None:
        """Abort what still runs, so no interpreter thread outlives the emulated account."""
        try:
            sfn = self.client("stepfunctions")
            running = sfn.list_executions(
                stateMachineArn=STATE_MACHINE_ARN, statusFilter="RUNNING"
            )["executions"]
            for execution in running:
                sfn.stop_execution(executionArn=execution["executionArn"])
        except Exception:
            logging.getLogger(__name__).debug("could not stop executions", exc_info=True)

    def _load_handlers(self) -> None:
        from tasks.shared import clients
        from tasks.shared.observability import logger

        clients.reset()  # settings and clients must see this engine's environment
        logger.setLevel(self.log_level)
        functions: list[LambdaFunction] = [*TASK_FUNCTIONS, *INTAKE_FUNCTIONS]
        for function in functions:
            module_name, _, attribute = function.handler.rpartition(".")
            handler = getattr(importlib.import_module(module_name), attribute)
            self._handlers[self._function_arn(function.package)] = (
                handler,
                function.memory_mb,
                function.timeout_seconds,
            )

    @staticmethod
    def _function_arn(package: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:docpipe-{package.replace('_', '-')}"

    def client(self, service: str) -> Any:
        """A boto3 client on the emulated account, one per service for the engine's life.

        Creating one costs milliseconds of CPU under the interpreter lock the executions need;
        boto3 clients are safe to share between threads.
        """
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(service, region_name=REGION)
            return self._clients[service]

    def _queue(self, name: str, **attributes: str) -> tuple[str, str]:
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return str(url), str(arn)

    def _create_resources(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(
            Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
        dynamodb = self.client("dynamodb")
        by_key = (DOCUMENTS_BY_KEY_PARTITION, DOCUMENTS_BY_KEY_SORT)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"} for name in ("document_id", *by_key)
            ],
            # The stack's index by object key (infra/stack.py), for `docpipe status`.
            GlobalSecondaryIndexes=[
                {
                    "IndexName": DOCUMENTS_BY_KEY_INDEX,
                    "KeySchema": [
                        {"AttributeName": by_key[0], "KeyType": "HASH"},
                        {"AttributeName": by_key[1], "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.create_table(
            TableName=LEASE_TABLE,
            KeySchema=[{"AttributeName": "lock_name", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "lock_name", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.dlq_url, dlq_arn = self._queue("docpipe-dlq")
        self.intake_dlq_url, intake_dlq_arn = self._queue(INTAKE_DLQ)
        self.intake_url, self.intake_arn = self._queue(
            INTAKE_QUEUE,
            VisibilityTimeout=str(INTAKE_VISIBILITY_TIMEOUT_SECONDS),
            RedrivePolicy=json.dumps(
                {"deadLetterTargetArn": intake_dlq_arn, "maxReceiveCount": INTAKE_MAX_RECEIVES}
            ),
        )
        self.batch_requests_url, _ = self._queue(BATCH_REQUESTS_QUEUE)
        self.batch_resume_url, self.batch_resume_arn = self._queue(BATCH_RESUME_QUEUE)
        if self.batch_requests_url != _queue_url(BATCH_REQUESTS_QUEUE):
            raise EngineError(f"unexpected queue URL {self.batch_requests_url}")
        # Stands in for a consumer subscribed to the completion topic. Raw delivery, as the
        # smoke test's subscriber: the notification arrives as the message body with its
        # attributes, without the envelope moto signs with a new RSA key per message
        # (2-80 ms a publish, after the last task of every execution).
        self.notifications_url, notifications_arn = self._queue("docpipe-notifications")
        sns = self.client("sns")
        self.topic_arn = sns.create_topic(Name="docpipe-completion")["TopicArn"]
        sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=notifications_arn,
            Attributes={"RawMessageDelivery": "true"},
        )

        substitutions = {
            task.placeholder: self._function_arn(task.package) for task in TASK_FUNCTIONS
        }
        substitutions.update(
            {
                "DocumentsTableName": TABLE,
                "DeadLetterQueueUrl": self.dlq_url,
                "CompletionTopicArn": self.topic_arn,
                "LeaseTableName": LEASE_TABLE,
                "BatchKeyPattern": f"{BATCH_PREFIX}*",
            }
        )
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/docpipe-state-machine"
        created = self.client("stepfunctions").create_state_machine(
            name=STATE_MACHINE,
            definition=json.dumps(substitute(json.loads(ASL_FILE.read_text()), substitutions)),
            roleArn=role_arn,
            type="STANDARD",
        )["stateMachineArn"]
        if created != STATE_MACHINE_ARN:
            raise EngineError(f"unexpected state machine ARN {created}")
        backfill = {
            "DocumentsBucketName": BUCKET,
            "IntakeQueueUrl": self.intake_url,
            "BackfillExecutionType": OFFLINE_BACKFILL_EXECUTION_TYPE,
        }
        self.client("stepfunctions").create_state_machine(
            name=BACKFILL_STATE_MACHINE,
            definition=json.dumps(substitute(json.loads(BACKFILL_ASL.read_text()), backfill)),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/docpipe-backfill",
            type="STANDARD",
        )
        events = self.client("events")
        rules = (
            (
                UPLOAD_RULE,
                trigger_pattern(BUCKET, INCOMING_PREFIX),
                self.intake_arn,
            ),
            (
                EXECUTION_ENDED_RULE,
                execution_status_pattern(STATE_MACHINE_ARN, TERMINAL_STATUSES),
                self._function_arn(EXECUTION_ENDED.package),
            ),
            (
                EXECUTION_STOPPED_RULE,
                unrecorded_execution_pattern(STATE_MACHINE_ARN),
                dlq_arn,
            ),
            (BATCH_JOB_RULE, batch_job_ended_pattern(), self._function_arn(BATCH_LANE)),
        )
        for rule, pattern, target in rules:
            events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
            events.put_targets(Rule=rule, Targets=[{"Id": "target", "Arn": target}])

    def _start_intake(self) -> None:
        """The starter's event source and the reconciler's schedule."""
        self.event_source = SqsEventSource(
            self.client("sqs"),
            queue_url=self.intake_url,
            queue_arn=self.intake_arn,
            region=REGION,
            invoke=lambda event: self.invoke(START_PIPELINE.package, event),
            batch_size=INTAKE_BATCH_SIZE,
            max_concurrency=INTAKE_MAX_CONCURRENCY,
            idle_wait_s=INTAKE_IDLE_WAIT_SECONDS,
            has_messages=moto_patches.visible_messages_probe(ACCOUNT, REGION, INTAKE_QUEUE),
        )
        self.event_source.start()
        self.batch_resume_source = SqsEventSource(
            self.client("sqs"),
            queue_url=self.batch_resume_url,
            queue_arn=self.batch_resume_arn,
            region=REGION,
            invoke=lambda event: self.invoke(BATCH_LANE, event),
            batch_size=INTAKE_BATCH_SIZE,
            max_concurrency=1,
            # Woken by each send; the look between sends is for messages handed back.
            idle_wait_s=OFFLINE_BATCH_SUBMIT_SECONDS,
            has_messages=moto_patches.visible_messages_probe(ACCOUNT, REGION, BATCH_RESUME_QUEUE),
        )
        self.batch_resume_source.start()
        self._batch_requests_probe = moto_patches.visible_messages_probe(
            ACCOUNT, REGION, BATCH_REQUESTS_QUEUE
        )
        self._batch_submitter = threading.Thread(
            target=self._submit_batches_periodically, name="batch-submitter", daemon=True
        )
        self._batch_submitter.start()
        self._reconciler = threading.Thread(
            target=self._reconcile_periodically, name="reconciler", daemon=True
        )
        self._reconciler.start()

    def _reconcile_periodically(self) -> None:
        period = max(0.5, RECONCILE_PERIOD_SECONDS * self.time_scale)
        while not self._stop.wait(period):
            self.invoke(RECONCILE_LEASES.package, {"source": "aws.events"})

    # -- moto hooks -------------------------------------------------------------------------

    def _submit_batches_periodically(self) -> None:
        """The batch lane's schedule: submit the queued model requests."""
        while not self._stop.wait(OFFLINE_BATCH_SUBMIT_SECONDS):
            if self.visible_batch_requests():
                self.invoke(BATCH_LANE, {"source": "aws.events", "detail-type": "Scheduled Event"})

    def visible_batch_requests(self) -> bool:
        """Whether model requests wait in the batch lane's queue."""
        return self._batch_requests_probe()

    def _batch_job_ended(self, job: Job) -> None:
        """Bedrock's "Batch Inference Job State Change" event for an ended job."""
        if self._stop.is_set():
            return
        detail = {
            "accountId": ACCOUNT,
            "batchJobName": job.name,
            "batchJobArn": job.arn,
            "batchModelId": job.model_id,
            "status": job.status,
            "failureMessage": job.message,
        }
        self.client("events").put_events(
            Entries=[
                {
                    "Source": "aws.bedrock",
                    "DetailType": BATCH_JOB_STATE_CHANGE,
                    "Detail": json.dumps(detail),
                    "Resources": [job.arn],
                }
            ]
        )

    def _message_sent(self, queue_name: str) -> None:
        """Wake the pollers of a queue (the intake's, the batch lane's resume queue) when a
        message reaches it."""
        source = {INTAKE_QUEUE: self.event_source, BATCH_RESUME_QUEUE: self.batch_resume_source}
        woken = source.get(queue_name)
        if woken is not None:
            woken.notify()

    def invoke(self, package: str, event: Any) -> dict[str, Any]:
        """Invoke the function of `package` synchronously (Lambda's Invoke answer)."""
        return self._invoke_lambda(self._function_arn(package), json.dumps(event).encode())

    def _invoke_lambda(self, function: str, payload: bytes) -> dict[str, Any]:
        """Run a handler in process and answer as Lambda's Invoke API does."""
        entry = self._handlers.get(function)
        if entry is None:
            raise EngineError(f"no task handler for function {function!r}")
        handler, memory, timeout = entry
        context = LocalLambdaContext(
            function_name=function.rsplit(":", 1)[-1],
            memory_limit_in_mb=memory,
            timeout_seconds=timeout,
            invoked_function_arn=function,
        )
        with self._lock:
            self._invocations += 1
        try:
            return self._invoke_handler(handler, payload, context)
        finally:
            with self._invocations_done:
                self._invocations -= 1
                self._invocations_done.notify_all()

    def _invoke_handler(
        self, handler: Callable[..., Any], payload: bytes, context: LocalLambdaContext
    ) -> dict[str, Any]:
        package = context.function_name.removeprefix("docpipe-").replace("-", "_")
        faults = self.faults
        fault = faults.draw(package, payload.decode(errors="replace")) if faults else None
        if fault is not None:
            return self._faulted(fault, context)
        try:
            result = handler(json.loads(payload), context)
            _discard_disabled_metrics()
            body = json.dumps(result)
            if len(body.encode()) > MAX_STATE_BYTES:
                raise EngineError(
                    f"{context.function_name} returned {len(body):,} bytes; Step Functions "
                    f"states are limited to {MAX_STATE_BYTES:,}"
                )
            return {"StatusCode": 200, "Payload": json.loads(body)}
        except Exception as exc:  # noqa: BLE001 - the Lambda runtime reports every error
            _discard_disabled_metrics()
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "requestId": context.aws_request_id,
                    "stackTrace": traceback.format_exception(exc)[-6:],
                },
            }

    def _service_fault(self, execution: str, state: str) -> tuple[str, int] | None:
        """The injected AWS error of a service-integration call of `state`, if any."""
        fault = self.service_faults.draw(execution, state) if self.service_faults else None
        return (fault.error, fault.status) if fault is not None else None

    def _wait_for_invocations(self, timeout: float) -> None:
        """Wait until no handler runs: an execution stopped (or failed in a Map) leaves its
        other tasks running in their threads until they return."""
        deadline = time.monotonic() + timeout
        with self._invocations_done:
            while self._invocations and (left := deadline - time.monotonic()) > 0:
                self._invocations_done.wait(left)

    def _faulted(self, fault: Fault, context: LocalLambdaContext) -> dict[str, Any]:
        """An injected crash or timeout, answered as Step Functions sees it on AWS."""
        if fault is Fault.TIMEOUT:
            self._stop.wait(context.timeout_seconds * self.time_scale)
            message = f"Task timed out after {context.timeout_seconds:.2f} seconds (injected)"
        else:
            message = "Runtime exited with error: signal: killed (injected crash)"
        return {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": {
                "errorType": UNKNOWN_ERROR,
                "errorMessage": message,
                "requestId": context.aws_request_id,
            },
        }

    def _invoke_async(self, function: str, event: dict[str, Any]) -> None:
        """An asynchronous invocation (EventBridge → Lambda): queued, answer ignored."""
        executor = self._async_invocations
        if executor is None or self._stop.is_set():
            return

        def run() -> None:
            response = self._invoke_lambda(function, json.dumps(event).encode())
            if response.get("FunctionError"):
                with self._lock:
                    self._async_errors.append(f"{function}: {response['Payload']}")

        future = executor.submit(run)
        with self._lock:
            self._pending_async.add(future)
        future.add_done_callback(self._forget_async)

    def _forget_async(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending_async.discard(future)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every ended execution's status-change event has been published and the
        asynchronous invocations queued so far (Execution Ended) have run."""
        deadline = time.monotonic() + timeout
        sfn = self.client("stepfunctions")
        while time.monotonic() < deadline:
            pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=STATE_MACHINE_ARN)
            stopped = {
                e["executionArn"]
                for page in pages
                for e in page["executions"]
                if e["status"] != "RUNNING"
            }
            with self._lock:
                if stopped <= self._ended:
                    break
            time.sleep(0.01)
        with self._lock:
            pending = list(self._pending_async)
        futures_wait(pending, timeout=max(0.0, deadline - time.monotonic()))

    @property
    def async_errors(self) -> list[str]:
        """Errors of asynchronous invocations (on AWS: retried, then the target's DLQ)."""
        with self._lock:
            return list(self._async_errors)

    def _execution_ended(self, execution: Any) -> None:
        """Publish Step Functions' status-change event for an ended execution, as AWS does,
        then wake whoever waits for it (`wait`, `ended_among`)."""
        if self._stop.is_set():
            return
        detail = {
            "executionArn": execution.exec_arn,
            "stateMachineArn": execution.state_machine_arn,
            "name": execution.name,
            "status": str(execution.exec_status.value),
            "startDate": _millis(execution.start_date),
            "stopDate": _millis(execution.stop_date),
            "input": json.dumps(execution.input_data),
            "output": json.dumps(execution.output) if execution.output is not None else None,
            "error": execution.error,
            "cause": execution.cause,
        }
        self.client("events").put_events(
            Entries=[
                {
                    "Source": "aws.states",
                    "DetailType": "Step Functions Execution Status Change",
                    "Detail": json.dumps(detail),
                    "Resources": [execution.exec_arn],
                }
            ]
        )
        with self._published:
            self._ended.add(execution.exec_arn)
            self._published.notify_all()

    def _start_execution(self, state_machine_arn: str, name: str, execution_input: str) -> None:
        # No rule targets the state machine any more (the intake does), but a rule that did
        # would start an execution here, as EventBridge does.
        backend = stepfunctions_parser_backends[ACCOUNT][REGION]
        backend.start_execution(state_machine_arn, name=name, execution_input=execution_input)

    # -- use ----------------------------------------------------------------------------------

    def execution_arn(self, name: str) -> str:
        """The ARN of the execution named `name`."""
        return execution_arn(STATE_MACHINE_ARN, name)

    def upload(self, data: bytes, key: str, path: Path | None = None) -> Upload:
        """Put an object under incoming/; the intake starts its execution when the cap
        allows. Returns the object and the ARN its execution will have."""
        if not key.startswith(INCOMING_PREFIX):
            key = INCOMING_PREFIX + key
        return self._put(data, key, path)

    def put_existing(self, data: bytes, key: str, path: Path | None = None) -> Upload:
        """Put an object outside incoming/, as one that was in the bucket before the
        pipeline: its upload starts nothing until a backfill sends it to the intake. Returns
        the object and the ARN its execution will have."""
        if key.startswith(INCOMING_PREFIX):
            raise EngineError(f"{key} is under {INCOMING_PREFIX}: its upload would start it")
        return self._put(data, key, path)

    def _put(self, data: bytes, key: str, path: Path | None) -> Upload:
        """Put the object; it, and the ARN the execution of its version will have."""
        response = self.client("s3").put_object(Bucket=BUCKET, Key=key, Body=data)
        version = response["VersionId"]
        arn = self.execution_arn(execution_name(BUCKET, key, version))
        return Upload(path, key, version, response["ETag"].strip('"'), arn)

    def start_backfill(self, prefix: str) -> str:
        """Start the backfill state machine over every object under `prefix`; its ARN."""
        started = self.client("stepfunctions").start_execution(
            stateMachineArn=BACKFILL_STATE_MACHINE_ARN,
            name=backfill_name(),
            input=json.dumps({"prefix": prefix}),
        )
        return str(started["executionArn"])

    def restore_object(self, key: str, data: bytes, version_id: str) -> None:
        """Put an object back as an earlier run had it, under its own version id, without
        an upload event (a replay sends its event through the intake itself)."""
        moto_patches.restore_object(ACCOUNT, BUCKET, key, data, version_id)

    def semaphore(self) -> Semaphore:
        """The cap's leases, as the intake functions see them."""
        return Semaphore(self.client("dynamodb"), LEASE_TABLE)

    def reconcile(self) -> dict[str, Any]:
        """Run the lease reconciler now (it also runs on its schedule); its answer."""
        response = self.invoke(RECONCILE_LEASES.package, {"source": "aws.events"})
        if response.get("FunctionError"):
            raise EngineError(f"the reconciler failed: {response['Payload']}")
        payload: dict[str, Any] = response["Payload"]
        return payload

    def describe(self, execution_arn: str) -> dict[str, Any] | None:
        """DescribeExecution, or None while the execution does not exist (still queued)."""
        sfn = self.client("stepfunctions")
        try:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None
        return described

    def wait(self, execution_arn: str, timeout: float = 900.0) -> ExecutionOutcome:
        """Wait until the execution has been started by the intake and has ended, and the
        engine has handled its end (status-change event published, the asynchronous
        invocations queued so far run), within `timeout` seconds.

        Raises WaitTimeout when it has not ended within `timeout` seconds.

        It sleeps until the engine publishes the execution's end, asking DescribeExecution
        only at the start, then and every WAIT_FALLBACK_POLL_SECONDS: polling often would take
        the interpreter lock from the execution it waits for, and see the end late.
        """
        deadline = time.monotonic() + timeout
        while True:
            described = self.describe(execution_arn)
            if described is not None and described["status"] != "RUNNING":
                break
            left = deadline - time.monotonic()
            if left <= 0:
                state = "still running" if described else "not admitted from the intake"
                raise WaitTimeout(f"execution {execution_arn} {state} after {timeout} s")
            self._wait_published({execution_arn}, min(left, WAIT_FALLBACK_POLL_SECONDS))
        self._wait_handled(execution_arn, min(deadline, time.monotonic() + END_HANDLING_SECONDS))
        output = described.get("output")
        return ExecutionOutcome(
            execution_arn=execution_arn,
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def _wait_published(self, execution_arns: set[str], seconds: float) -> set[str]:
        """Sleep until the end of one of `execution_arns` is published or `seconds` have
        passed; those published."""
        with self._published:
            self._published.wait_for(lambda: not execution_arns.isdisjoint(self._ended), seconds)
            return execution_arns & self._ended

    def _wait_handled(self, execution_arn: str, deadline: float) -> None:
        """Wait, until `deadline`, for the engine to handle the ended execution's end: its
        event published and the asynchronous invocations queued so far (Execution Ended,
        which frees its place under the cap) run, as `settle` does for every execution.

        moto reports the status before the engine's end hook has run; callers of `wait` read
        what the end changes (the lease, the record) right after it.
        """
        with self._published:
            self._published.wait_for(
                lambda: execution_arn in self._ended or self._stop.is_set(),
                max(0.0, deadline - time.monotonic()),
            )
            pending = list(self._pending_async)
        futures_wait(pending, timeout=max(0.0, deadline - time.monotonic()))

    def ended_among(self, execution_arns: Collection[str], timeout: float) -> set[str]:
        """Those of `execution_arns` that have ended, waiting up to `timeout` seconds for one.

        Like `wait`, it sleeps until the engine publishes the end of one of them; only when
        none was published in time does it ask DescribeExecution about each (the slow
        fallback poll).
        """
        wanted = set(execution_arns)
        published = self._wait_published(wanted, timeout)
        return published or {arn for arn in wanted if self._has_ended(arn)}

    def _has_ended(self, execution_arn: str) -> bool:
        described = self.describe(execution_arn)
        return described is not None and described["status"] != "RUNNING"

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's history events, oldest first."""
        events: list[dict[str, Any]] = self.client("stepfunctions").get_execution_history(
            executionArn=execution_arn
        )["events"]
        return events

    def _drain(self, queue_url: str) -> Iterator[dict[str, Any]]:
        sqs = self.client("sqs")
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                yield message

    def dead_letters(self) -> list[dict[str, Any]]:
        """Messages in the dead-letter queue (consumed), bodies parsed."""
        return [
            {"body": json.loads(m["Body"]), "attributes": m.get("MessageAttributes", {})}
            for m in self._drain(self.dlq_url)
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Notifications published on the completion topic (consumed), messages parsed."""
        return [
            {
                "message": json.loads(m["Body"]),
                "attributes": {
                    k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()
                },
            }
            for m in self._drain(self.notifications_url)
        ]

    def document_item(self, document_id: str) -> dict[str, Any] | None:
        """The document's DynamoDB item (raw attribute values), if any."""
        item: dict[str, Any] | None = (
            self.client("dynamodb")
            .get_item(TableName=TABLE, Key={"document_id": {"S": document_id}})
            .get("Item")
        )
        return item

    def read_json(self, key: str) -> Any:
        """Read a JSON artifact or result from the bucket."""
        return json.loads(self.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def _discard_disabled_metrics() -> None:
    """Drop the metrics a handler left in Powertools' buffer while metrics are disabled.

    Powertools keeps disabled metrics buffered (flush skips them without clearing), and at
    100 values of one metric it prints them anyway: thousands of offline invocations would
    fill stdout with EMF lines that go nowhere.
    """
    if os.environ.get("POWERTOOLS_METRICS_DISABLED") == "true":
        from tasks.shared.observability import metrics

        metrics.clear_metrics()


def _millis(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None
