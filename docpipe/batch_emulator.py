"""An offline Amazon Bedrock batch inference service: real HTTP, Bedrock's wire protocol.

moto has no batch inference (CreateModelInvocationJob raises NotImplementedError), so the
offline engine points botocore's `bedrock` client here (`AWS_ENDPOINT_URL_BEDROCK`) and the
batch lane (tasks/batch_lane) runs unchanged. The emulator speaks
`POST /model-invocation-job` (CreateModelInvocationJob) and
`GET /model-invocation-job/{jobIdentifier}` (GetModelInvocationJob), REST-JSON.

A job runs at once on a thread, as Bedrock runs one later: it reads the input JSONL from S3
(the twin's), answers each record through Converse (`bedrock-runtime`: offline the Converse
fake), and writes `<output s3Uri><job id>/<input file name>.out` with `{"recordId",
"modelInput", "modelOutput"}` lines, or `"error": {"errorCode", "errorMessage"}` for a record
the model refused, and `manifest.json.out` with the counts. It then ends Completed (or
PartiallyCompleted when a record failed) and reports the job to `on_ended`, which the engine
turns into EventBridge's "Batch Inference Job State Change" event (source aws.bedrock).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

import boto3
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "us-east-1"
PATH = "/model-invocation-job"
# Converse's answer without what botocore adds.
_ANSWER_FIELDS = ("output", "stopReason", "usage", "metrics")


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + "Z"


@dataclass
class Job:
    """One batch inference job as GetModelInvocationJob describes it."""

    arn: str
    name: str
    model_id: str
    role_arn: str
    input_uri: str
    output_uri: str
    status: str = "Submitted"
    message: str = ""
    submitted: float = field(default_factory=time.time)
    ended: float | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "jobArn": self.arn,
            "jobName": self.name,
            "modelId": self.model_id,
            "roleArn": self.role_arn,
            "status": self.status,
            "submitTime": _iso(self.submitted),
            "lastModifiedTime": _iso(self.ended or self.submitted),
            "inputDataConfig": {"s3InputDataConfig": {"s3Uri": self.input_uri}},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": self.output_uri}},
            **self.counts,
        }
        if self.message:
            answer["message"] = self.message
        if self.ended is not None:
            answer["endTime"] = _iso(self.ended)
        return answer


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


class BatchEmulator:
    """The emulated service; `start()` serves it on 127.0.0.1 (a free port)."""

    def __init__(self, on_ended: Callable[[Job], None] | None = None) -> None:
        self.on_ended = on_ended or (lambda job: None)
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._refusals: list[tuple[str, str]] = []

    # -- the service ---------------------------------------------------------------------------

    def refuse_next(self, error_type: str = "ValidationException", message: str = "") -> None:
        """Answer the next CreateModelInvocationJob with an error (as Bedrock refuses a model
        without batch inference, or a quota)."""
        with self._lock:
            self._refusals.append((error_type, message or f"refused: {error_type}"))

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """CreateModelInvocationJob: the job's ARN; it runs on a thread."""
        with self._lock:
            refusal = self._refusals.pop(0) if self._refusals else None
        if refusal is not None:
            raise _Refused(*refusal)
        name = str(body["jobName"])
        job_id = uuid.uuid4().hex[:12]
        job = Job(
            arn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-invocation-job/{job_id}",
            name=name,
            model_id=str(body["modelId"]),
            role_arn=str(body["roleArn"]),
            input_uri=str(body["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]),
            output_uri=str(body["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"]),
        )
        with self._lock:
            if any(existing.name == name for existing in self.jobs.values()):
                raise _Refused("ConflictException", f"a job named {name} exists")
            self.jobs[job_id] = job
        thread = threading.Thread(target=self._run, args=(job, job_id), name=f"batch-{name}")
        self._threads.append(thread)
        thread.start()
        return {"jobArn": job.arn}

    def get(self, identifier: str) -> dict[str, Any]:
        """GetModelInvocationJob by ARN or id."""
        job_id = identifier.rsplit("/", 1)[-1]
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise _Refused("ResourceNotFoundException", f"no job {identifier}")
        return job.describe()

    def _run(self, job: Job, job_id: str) -> None:
        job.status = "InProgress"
        try:
            s3 = boto3.session.Session().client("s3", region_name=REGION)
            runtime = boto3.session.Session().client("bedrock-runtime", region_name=REGION)
            bucket, key = _split(job.input_uri)
            lines = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
            outputs: list[str] = []
            failed = 0
            tokens = {"inputTokenCount": 0, "outputTokenCount": 0}
            for text in filter(str.strip, lines):
                record = json.loads(text)
                line: dict[str, Any] = {
                    "recordId": record.get("recordId"),
                    "modelInput": record["modelInput"],
                }
                try:
                    answer = runtime.converse(modelId=job.model_id, **record["modelInput"])
                except ClientError as exc:
                    failed += 1
                    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
                    message = exc.response.get("Error", {}).get("Message", str(exc))
                    line["error"] = {"errorCode": status, "errorMessage": message}
                else:
                    line["modelOutput"] = {k: answer[k] for k in _ANSWER_FIELDS if k in answer}
                    usage = answer.get("usage", {})
                    tokens["inputTokenCount"] += int(usage.get("inputTokens", 0))
                    tokens["outputTokenCount"] += int(usage.get("outputTokens", 0))
                outputs.append(json.dumps(line))
            out_bucket, out_prefix = _split(job.output_uri)
            folder = f"{out_prefix.rstrip('/')}/{job_id}/"
            input_name = key.rsplit("/", 1)[-1]
            s3.put_object(
                Bucket=out_bucket,
                Key=f"{folder}{input_name}.out",
                Body=("\n".join(outputs) + "\n").encode(),
            )
            job.counts = {
                "totalRecordCount": len(outputs),
                "processedRecordCount": len(outputs),
                "successRecordCount": len(outputs) - failed,
                "errorRecordCount": failed,
            }
            s3.put_object(
                Bucket=out_bucket,
                Key=f"{folder}manifest.json.out",
                Body=json.dumps({**job.counts, **tokens}).encode(),
            )
            job.status = "PartiallyCompleted" if failed else "Completed"
        except Exception as exc:  # noqa: BLE001  (the job fails, as Bedrock's would, with a message)
            job.status, job.message = "Failed", f"{type(exc).__name__}: {exc}"
        job.ended = time.time()
        self.on_ended(job)

    # -- HTTP ------------------------------------------------------------------------------------

    def start(self) -> BatchEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any], error: str = "") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, call: Callable[[], dict[str, Any]]) -> None:
                try:
                    self._answer(HTTPStatus.OK, call())
                except _Refused as refused:
                    status = (
                        HTTPStatus.NOT_FOUND
                        if refused.code == "ResourceNotFoundException"
                        else HTTPStatus.BAD_REQUEST
                    )
                    self._answer(status, {"message": refused.message}, refused.code)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if urlparse(self.path).path.rstrip("/") != PATH:
                    self._answer(HTTPStatus.NOT_FOUND, {"message": self.path}, "UnknownOperation")
                    return
                self._serve(lambda: emulator.create(body))

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                if not path.startswith(PATH + "/"):
                    self._answer(HTTPStatus.NOT_FOUND, {"message": path}, "UnknownOperation")
                    return
                identifier = unquote(path.removeprefix(PATH + "/"))
                self._serve(lambda: emulator.get(identifier))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            # Polled every 20 ms, so that stop() (each engine's exit) returns at once.
            target=self._server.serve_forever,
            args=(0.02,),
            name="batch-emulator",
            daemon=True,
        ).start()
        return self

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the batch emulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self, timeout: float = 60.0) -> None:
        """Stop serving, after the jobs still running have ended."""
        for thread in self._threads:
            thread.join(timeout=timeout)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message
