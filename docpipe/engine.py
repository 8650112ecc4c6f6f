"""The offline engine: the deployed ASL, unchanged, on moto's Step Functions interpreter.

It emulates the stack in process: a versioned S3 bucket with EventBridge notifications, the
same EventBridge rule pattern targeting the state machine, the DynamoDB table, the SQS
dead-letter queue and the SNS completion topic, and dispatches the Lambda tasks to the
Python handlers in tasks/. An upload starts an execution only through the rule. Textract's
text detection is emulated with tesseract when it is installed; without it OCR is off and
a document that needs it fails with OcrUnavailableError.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from moto import mock_aws
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from docpipe import moto_patches
from docpipe.textract_emulator import INSTALL_TESSERACT, TesseractTextDetection
from infra.config import PIPELINE_ASL as ASL_FILE
from infra.patterns import substitute, trigger_pattern
from tasks.catalog import TASK_FUNCTIONS

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "docpipe-documents"
TABLE = "docpipe-documents"
INCOMING_PREFIX = "incoming/"
STATE_MACHINE = "docpipe-document-pipeline"

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


class EngineError(RuntimeError):
    """The offline engine itself failed (not a document): a bug or a broken environment."""


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
    """One uploaded object and the execution its event started."""

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
    ) -> None:
        self.model_provider = model_provider or os.environ.get("DOCPIPE_MODEL_PROVIDER", "local")
        self.time_scale = time_scale
        self.extra_env = extra_env or {}
        self.log_level = log_level
        self.text_detection: moto_patches.TextDetection = TesseractTextDetection()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._patches: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._handlers: dict[str, tuple[Callable[..., Any], int, int]] = {}
        self._deliveries: dict[str, str] = {}  # S3 version id -> execution ARN
        self._delivery_errors: list[str] = []
        self._lock = threading.Lock()
        self.state_machine_arn = ""
        self.dlq_url = ""
        self.notifications_url = ""
        self.topic_arn = ""

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
            "POWERTOOLS_SERVICE_NAME": "docpipe",
            "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": self.log_level,
            "DOCPIPE_OCR": "textract" if self.text_detection.available() else "off",
            "DOCPIPE_OCR_UNAVAILABLE_REASON": OCR_UNAVAILABLE,
        }
        env.update(self.extra_env)
        return env

    def __enter__(self) -> LocalEngine:
        environment = self._environment()
        if environment["DOCPIPE_MODEL_PROVIDER"] == "bedrock" and not (
            environment.get(BEDROCK_ENDPOINT_ENV) or os.environ.get(BEDROCK_ENDPOINT_ENV)
        ):
            raise EngineError(BEDROCK_OFFLINE)
        for name, value in environment.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        # Metrics are disabled offline, so Powertools' "no metrics" warning is noise here.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._mock.start()
        self._patches = moto_patches.patched(
            self._invoke_lambda,
            self._start_execution,
            self.text_detection,
            time_scale=self.time_scale,
        )
        self._patches.__enter__()
        try:
            self._load_handlers()
            self._create_resources()
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
        if self._patches is not None:
            self._patches.__exit__(None, None, None)
            self._patches = None
        self._mock.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        from tasks.shared import clients

        clients.reset()

    def _load_handlers(self) -> None:
        from tasks.shared import clients
        from tasks.shared.observability import logger

        clients.reset()  # settings and clients must see this engine's environment
        logger.setLevel(self.log_level)
        for task in TASK_FUNCTIONS:
            module_name, _, attribute = task.handler.rpartition(".")
            handler = getattr(importlib.import_module(module_name), attribute)
            self._handlers[self._function_arn(task.package)] = (
                handler,
                task.memory_mb,
                task.timeout_seconds,
            )

    @staticmethod
    def _function_arn(package: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:docpipe-{package.replace('_', '-')}"

    def client(self, service: str) -> Any:
        """A boto3 client on the emulated account."""
        return boto3.client(service, region_name=REGION)

    def _create_resources(self) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(
            Bucket=BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
        self.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "document_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "document_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = self.client("sqs")
        self.dlq_url = sqs.create_queue(QueueName="docpipe-dlq")["QueueUrl"]
        # Stands in for a consumer subscribed to the completion topic.
        self.notifications_url = sqs.create_queue(QueueName="docpipe-notifications")["QueueUrl"]
        notifications_arn = sqs.get_queue_attributes(
            QueueUrl=self.notifications_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        sns = self.client("sns")
        self.topic_arn = sns.create_topic(Name="docpipe-completion")["TopicArn"]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=notifications_arn)

        substitutions = {
            task.placeholder: self._function_arn(task.package) for task in TASK_FUNCTIONS
        }
        substitutions.update(
            {
                "DocumentsTableName": TABLE,
                "DeadLetterQueueUrl": self.dlq_url,
                "CompletionTopicArn": self.topic_arn,
            }
        )
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/docpipe-state-machine"
        self.state_machine_arn = self.client("stepfunctions").create_state_machine(
            name=STATE_MACHINE,
            definition=json.dumps(substitute(json.loads(ASL_FILE.read_text()), substitutions)),
            roleArn=role_arn,
            type="STANDARD",
        )["stateMachineArn"]
        events = self.client("events")
        events.put_rule(
            Name="docpipe-document-uploaded",
            EventPattern=json.dumps(trigger_pattern(BUCKET, INCOMING_PREFIX)),
            State="ENABLED",
        )
        events.put_targets(
            Rule="docpipe-document-uploaded",
            Targets=[
                {
                    "Id": "pipeline",
                    "Arn": self.state_machine_arn,
                    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/docpipe-events",
                }
            ],
        )

    # -- moto hooks -------------------------------------------------------------------------

    def _invoke_lambda(self, function: str, payload: bytes) -> dict[str, Any]:
        """Run a task handler in process and answer as Lambda's Invoke API does."""
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
        try:
            result = handler(json.loads(payload), context)
            body = json.dumps(result)
            if len(body.encode()) > MAX_STATE_BYTES:
                raise EngineError(
                    f"{context.function_name} returned {len(body):,} bytes; Step Functions "
                    f"states are limited to {MAX_STATE_BYTES:,}"
                )
            return {"StatusCode": 200, "Payload": json.loads(body)}
        except Exception as exc:  # noqa: BLE001 - the Lambda runtime reports every error
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

    def _start_execution(self, state_machine_arn: str, name: str, execution_input: str) -> None:
        try:
            backend = stepfunctions_parser_backends[ACCOUNT][REGION]
            execution = backend.start_execution(
                state_machine_arn, name=name, execution_input=execution_input
            )
            version = json.loads(execution_input)["detail"]["object"].get("version-id", "")
            with self._lock:
                self._deliveries[version] = execution.execution_arn
        except Exception as exc:
            # moto's S3 notification path swallows every exception; keep it for upload().
            with self._lock:
                self._delivery_errors.append(f"{type(exc).__name__}: {exc}")
            raise

    # -- use ----------------------------------------------------------------------------------

    def upload(self, data: bytes, key: str, path: Path | None = None) -> Upload:
        """Put an object under incoming/; the rule starts its execution. Returns both."""
        if not key.startswith(INCOMING_PREFIX):
            key = INCOMING_PREFIX + key
        response = self.client("s3").put_object(Bucket=BUCKET, Key=key, Body=data)
        version = response["VersionId"]
        with self._lock:
            execution_arn = self._deliveries.get(version)
            errors = list(self._delivery_errors)
        if execution_arn is None:
            detail = f": {errors[-1]}" if errors else ""
            raise EngineError(f"uploading {key} started no execution{detail}")
        return Upload(path, key, version, response["ETag"].strip('"'), execution_arn)

    def wait(self, execution_arn: str, timeout: float = 900.0) -> ExecutionOutcome:
        """Wait until the execution ends (polling the Step Functions API)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise EngineError(f"execution {execution_arn} still running after {timeout} s")
            time.sleep(0.02)
        output = described.get("output")
        return ExecutionOutcome(
            execution_arn=execution_arn,
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
        )

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
        out = []
        for m in self._drain(self.notifications_url):
            envelope = json.loads(m["Body"])
            out.append(
                {
                    "message": json.loads(envelope["Message"]),
                    "attributes": {
                        k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()
                    },
                }
            )
        return out

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


def etag_of(data: bytes) -> str:
    """The ETag S3 gives a single-part upload (the MD5 hex digest)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
