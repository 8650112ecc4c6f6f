"""The moto internals the offline engine replaces, in one place, each pinned to moto 5.2.5.

moto executes the ASL (its Step Functions interpreter is ported from LocalStack) but three
things stop it from running this pipeline as AWS would:

1. Lambda tasks: `lambda_eval_utils._invoke_lambda_function` calls moto's Lambda, which needs
   Docker. Replaced by an in-process dispatcher to the handlers in tasks/.
2. EventBridge → Step Functions: `Rule.send_to_targets` raises NotImplementedError for a
   state machine target (and the S3 path swallows it). Extended to start an execution with
   the event as input, as AWS does. The S3 "Object Created" detail is also put in AWS's
   shape first: moto writes `eTag` where AWS writes `etag`.
3. Retry waits: `retrier_decl.time.sleep` sleeps real seconds; a time scale lets tests run
   the real Retry policies quickly. Wait states (`WaitFunction._wait_interval`) get the
   same scale.
4. Textract: moto's text detection returns canned, empty results. Its two handlers are
   replaced by a real emulation (`docpipe.textract_emulator`: tesseract OCR of the S3
   object), so the ASL's OCR branch runs for real: start, poll, page through the blocks.
5. Execution status changes: moto emits no "Step Functions Execution Status Change" event.
   `BaseExecutionWorkerCommunication.terminated`, the one place every execution ends
   (succeeded, failed, timed out, aborted), is wrapped to report the ended execution; the
   engine publishes the event as AWS does. EventBridge rules with a Lambda target raise
   NotImplementedError in moto: they are dispatched asynchronously, as AWS invokes them.
6. Timestamps: moto writes `$$.State.EnteredTime` as `...08.057506+00:00` and leaves
   `$$.Execution.StartTime` a Python datetime (which fails `States.Format` and output
   serialisation). Both are set in AWS's format (`...08.057Z`) before each state reads them,
   so the ASL's string comparisons of times behave as on AWS.
7. The state machine's own TimeoutSeconds: `Program.eval` waits real seconds; it runs on
   the same time scale as Retry and Wait, so a timed-out execution can be tested. Its
   worker threads are no longer kept forever in moto's `TMP_THREADS` list.
8. StartExecution: moto checks for an existing name and appends the new execution without a
   lock, so two concurrent starts of one name could both run; they are serialised, so a
   name starts one execution, as on AWS.
9. DynamoDB conditional writes: moto checks a condition and applies the write without a
   lock, so two concurrent conditional updates of one item could both pass (the lease
   semaphore would then exceed its cap). Writes are serialised, as DynamoDB makes each
   item's writes atomic. SQS likewise: a receive iterates the queue's messages while a
   send, delete or visibility change alters them ("Set changed size during iteration"),
   so the queue operations are serialised. A long poll (WaitTimeSeconds) looks at its queue
   under the lock and waits between looks without it: moto waits inside ReceiveMessage,
   which under the lock stopped every queue of the twin for up to 20 s.
10. Fault injection: the DynamoDB, SNS and SQS integrations' `_eval_service_task` asks
   `service_fault` about its execution and state before the call, which may answer with an
   AWS error, raised as the service's ClientError (`docpipe.faults.ServiceFaults`).
11. Speed (no behaviour change): moto parses the definition again for every execution,
   creates a new boto3 client for every service-integration call (DynamoDB, SNS, SQS,
   aws-sdk), and parses every JSONPath again each time it is evaluated (`json_path.parse`,
   `result_path.parse`: a new jsonpath-ng parser each time, 0.4-0.7 ms, about 110 times in
   an execution of this ASL). The parsed program is kept per definition (its components
   hold no execution state; each execution has its own environment), one client per
   service is reused, and each JSONPath's parse is kept (jsonpath-ng expressions are
   immutable once built).
12. DescribeExecution during a start: moto adds a new execution to its list before starting
   it, with no status yet, so a DescribeExecution or ListExecutions in that moment raised
   AttributeError. An execution not yet started reports RUNNING, as StartExecution's answer
   on AWS implies.
13. Message sent: the SQS sends (already serialised, 9) also report the queue they sent to
   (`on_message_sent`), so the engine's intake pollers wake on a send instead of finding
   the message at their next poll; `visible_messages_probe` lets them look at a queue
   without a ReceiveMessage call (through boto3: milliseconds under the interpreter lock).
14. A Distributed Map's `s3:listObjectsV2` ItemReader makes one ListObjectsV2 call and
   reads its `Contents`: a prefix of more than 1,000 objects was cut at 1,000 without a
   word, and an empty prefix failed with States.Runtime ('Contents'). It pages through the
   listing as AWS does, and an empty prefix gives no items (the backfill's reader).
   ListMapRuns of an execution whose worker has not begun raised AttributeError; it lists
   no map run, as AWS does before the Map state starts. DescribeMapRun looked in every
   execution and raised AttributeError while any one of them was being started (the
   backfill's progress, while the intake starts pipeline executions); it skips those, and
   an unknown run is ResourceNotFound (moto raised it without its message: TypeError).
15. Speed: CreateStateMachine parsed the definition to validate it (a quarter of a second,
   twice per engine); a definition is parsed once per process and its program kept for
   every engine's executions.
16. Speed (no behaviour change), the interpreter's overhead around the handlers:
   - The interpreter deep-copies the state's data (0.7-4 KB of JSON here) about ten times
   per state with `copy.deepcopy` (memo, reduce protocol): a copy for JSON values (dict,
   list, str, number, bool, None; anything else still goes to `copy.deepcopy`) does the
   same in a third of the time.
   - `ExecutionState._evaluate_with_timeout` starts a thread per state and waits for it
   with the state's TimeoutSeconds; a state without one (the DynamoDB, SNS and SQS tasks
   here) waits forever, so its evaluation runs in the state's own thread instead: no
   thread start and no hand-over to it and back. States with a TimeoutSeconds (the Lambda
   tasks) keep their thread and timeout.
   - SQS SendMessage read `Queue.attributes` for ContentBasedDeduplication, which counts
   every message of the queue (visible, in flight, delayed): a send got slower with each
   message waiting in the queue (the completion topic's subscriber queue keeps one per
   execution until it is read). The FIFO-only attribute is read directly.
   - moto's S3 backend reloads its `urls` module (file reads) twice per S3 request, in
   case MOTO_S3_CUSTOM_ENDPOINTS changed; it is reloaded only when that variable has.

tests/integration/test_moto_patches.py fails loudly if moto changes any of these.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import importlib
import json
import os
import string
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import moto
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.events import models as events_models
from moto.moto_api._internal import mock_random
from moto.s3.models import S3Backend, s3_backends
from moto.sqs import models as sqs_models
from moto.sqs.exceptions import InvalidParameterValue
from moto.sqs.models import SQSBackend, sqs_backends
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser import utils as parser_utils
from moto.stepfunctions.parser.api import ExecutionStatus, ResourceNotFound
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (  # noqa: E501
    ResourceEvalS3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
    state_task_service_dynamodb,
    state_task_service_sns,
    state_task_service_sqs,
)
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval import states as parser_states
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as parser_execution
from moto.stepfunctions.parser.backend import execution_worker as parser_worker
from moto.textract.exceptions import InvalidJobIdException
from moto.textract.responses import TextractResponse
from moto.utilities.arns import parse_arn

PINNED_MOTO_VERSION = "5.2.5"

# How often a long poll (ReceiveMessage with WaitTimeSeconds) looks at its queue again.
LONG_POLL_LOOK_S = 0.05

LambdaInvoker = Callable[[str, bytes], dict[str, Any]]
"""(function name or ARN, payload bytes) -> Lambda Invoke response with a parsed Payload."""

ExecutionStarter = Callable[[str, str, str], None]
"""(state machine ARN, execution name, input JSON) -> None."""

AsyncInvoker = Callable[[str, dict[str, Any]], None]
"""(function ARN, event) -> None: an asynchronous invocation, as EventBridge makes."""

ExecutionEndListener = Callable[[Any], None]
"""Called with moto's ended `Execution` (status, dates, input, output, error are set)."""

ServiceCallFault = Callable[[str, str], "tuple[str, int] | None"]
"""(execution name, state name) -> the AWS error code and HTTP status the service-integration
call of that state fails with, or None: it goes through."""

MessageSentListener = Callable[[str], None]
"""Called with the queue's name after a message was sent to it (SendMessage, its batch form,
or EventBridge delivering to a queue)."""

# The SQS backend's methods that add messages to a queue (their first argument: its name).
SQS_SENDS = ("send_message", "send_message_batch")


def _no_fault(execution: str, state: str) -> tuple[str, int] | None:
    return None


class TextDetection(Protocol):
    """Textract's asynchronous text detection: what `docpipe.textract_emulator` provides."""

    def available(self) -> bool:
        """Whether jobs can run here at all (offline: tesseract is installed)."""
        ...

    def start(self, document: bytes) -> str:
        """Start a job on `document`; return its JobId."""
        ...

    def get(
        self, job_id: str, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        """A GetDocumentTextDetection response; KeyError for an unknown job."""
        ...


# The service integrations whose calls can be made to fail (fault injection).
SERVICE_TASKS: tuple[tuple[Any, str], ...] = (
    (state_task_service_dynamodb.StateTaskServiceDynamoDB, "_eval_service_task"),
    (state_task_service_sns.StateTaskServiceSns, "_eval_service_task"),
    (state_task_service_sqs.StateTaskServiceSqs, "_eval_service_task"),
)

# The interpreter modules whose `copy.deepcopy` copies state data (16): their `copy`.
STATE_DATA_COPIERS: tuple[Any, ...] = (
    parser_states,
    string_expression,
    result_path,
    execute_state,
    state_task_service,
    event_manager,
)

# (owner, attribute) of every replaced internal.
PATCH_POINTS: tuple[tuple[Any, str], ...] = (
    (lambda_eval_utils, "_invoke_lambda_function"),
    (events_models.Rule, "send_to_targets"),
    (retrier_decl, "time"),
    (wait_function.WaitFunction, "_wait_interval"),
    (TextractResponse, "start_document_text_detection"),
    (TextractResponse, "get_document_text_detection"),
    (parser_execution.BaseExecutionWorkerCommunication, "terminated"),
    (CommonStateField, "_eval_state_input"),
    (Program, "eval"),
    (parser_models.StepFunctionsParserBackend, "start_execution"),
    (parser_worker.ExecutionWorker, "_get_evaluation_entrypoint"),
    (parser_execution.Execution, "status"),
    (DynamoDBBackend, "put_item"),
    (DynamoDBBackend, "update_item"),
    (DynamoDBBackend, "delete_item"),
    *(
        (SQSBackend, name)
        for name in (
            "send_message",
            "send_message_batch",
            "receive_message",
            "delete_message",
            "delete_message_batch",
            "change_message_visibility",
            "change_message_visibility_batch",
        )
    ),
    *(
        (module, "boto_client_for")
        for module in (
            state_task_service_aws_sdk,
            state_task_service_dynamodb,
            state_task_service_sns,
            state_task_service_sqs,
        )
    ),
    *SERVICE_TASKS,
    (json_path, "parse"),
    (result_path, "parse"),
    (ResourceEvalS3, "_handle_list_objects_v2"),
    (parser_models.StepFunctionsParserBackend, "list_map_runs"),
    (parser_models.StepFunctionsParserBackend, "describe_map_run"),
    (parser_models.StepFunctionsParserBackend, "_validate_definition"),
    *((module, "copy") for module in STATE_DATA_COPIERS),
    (execute_state.ExecutionState, "_evaluate_with_timeout"),
    (S3Backend, "_url_module"),
)


class PatchError(RuntimeError):
    """moto is not the version, or does not have the shape, the engine was written for."""


def check_moto() -> None:
    """Raise PatchError unless every internal the engine replaces is where it should be."""
    if moto.__version__ != PINNED_MOTO_VERSION:
        raise PatchError(
            f"docpipe's offline engine patches moto {PINNED_MOTO_VERSION} internals; "
            f"moto {moto.__version__} is installed. Re-check docpipe/moto_patches.py."
        )
    missing = [name for owner, name in PATCH_POINTS if not hasattr(owner, name)]
    if missing:
        raise PatchError(f"moto internals missing: {missing}")


def aws_shaped_s3_event(event: dict[str, Any]) -> dict[str, Any]:
    """Return an S3 EventBridge event in AWS's documented shape (moto writes `eTag`)."""
    if event.get("source") != "aws.s3":
        return event
    shaped = copy.deepcopy(event)
    obj = shaped.get("detail", {}).get("object", {})
    if "eTag" in obj and "etag" not in obj:
        obj["etag"] = obj.pop("eTag")
    if isinstance(shaped.get("time"), int | float):
        shaped["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(shaped["time"]))
    shaped["id"] = str(uuid.uuid4())
    return shaped


def aws_timestamp(value: Any) -> Any:
    """A datetime or ISO string in Step Functions' format, `2026-12-04T23:55:22.123Z`."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime.datetime):
        return value
    utc = value.astimezone(datetime.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _prune_threads() -> None:
    """Drop finished threads from moto's never-emptied TMP_THREADS list."""
    parser_utils.TMP_THREADS[:] = [t for t in parser_utils.TMP_THREADS if t.is_alive()]


def _textract_handlers(text_detection: TextDetection) -> tuple[Any, Any]:
    """moto Textract response methods that run `text_detection` on the S3 object."""
    jobs_by_token: dict[str, str] = {}
    lock = threading.Lock()

    def start_document_text_detection(self: Any) -> str:
        params = json.loads(self.body)
        location = (params.get("DocumentLocation") or {}).get("S3Object") or {}
        token = params.get("ClientRequestToken")
        with lock:
            if token and token in jobs_by_token:  # idempotent, as Textract is
                return json.dumps({"JobId": jobs_by_token[token]})
        try:
            backend = s3_backends[self.current_account][self.partition]
            document = backend.get_object(
                location["Bucket"], location["Name"], version_id=location.get("Version")
            )
        except Exception as error:
            raise JsonRESTError(
                "InvalidS3ObjectException", f"Unable to get object metadata from S3: {error}"
            ) from error
        if document is None:
            raise JsonRESTError("InvalidS3ObjectException", "Unable to get object from S3.")
        job_id = text_detection.start(bytes(document.value))
        if token:
            with lock:
                jobs_by_token[token] = job_id
        return json.dumps({"JobId": job_id})

    def get_document_text_detection(self: Any) -> str:
        params = json.loads(self.body)
        try:
            response = text_detection.get(
                str(params.get("JobId")), params.get("MaxResults"), params.get("NextToken")
            )
        except KeyError as error:
            raise InvalidJobIdException() from error
        return json.dumps(response)

    return start_document_text_detection, get_document_text_detection


def _ignore_end(execution: Any) -> None:
    return None


def _ignore_async(function: str, event: dict[str, Any]) -> None:
    return None


def _ignore_sent(queue_name: str) -> None:
    return None


def _list_every_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    """The ItemReader's ListObjectsV2: every page of the listing, [] for an empty one."""
    s3 = ResourceEvalS3._get_s3_client(
        resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
    )
    parameters = dict(env.stack.pop())
    contents: list[Any] = []
    while True:
        response = s3.list_objects_v2(**parameters)
        contents.extend(response.get("Contents", []))
        if not response.get("IsTruncated"):
            break
        parameters["ContinuationToken"] = response["NextContinuationToken"]
    env.stack.append(contents)


_JSON_ATOMS = (str, int, float, bool, type(None))


def json_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy` for JSON data: dicts and lists are rebuilt, strings, numbers, booleans
    and None shared (immutable); any other value (a dict subclass, a tuple, an enum, a
    datetime) goes to `copy.deepcopy`. Three times faster on the interpreter's state data.

    Unlike `copy.deepcopy` it keeps no memo: a list or dict that occurs twice in `value` is
    copied twice (parsed JSON shares nothing), and a cycle would not end (JSON has none)."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind in _JSON_ATOMS:
        return value
    return copy.deepcopy(value, memo)


# What the STATE_DATA_COPIERS see as `copy`.
_STATE_DATA_COPY = types.SimpleNamespace(deepcopy=json_copy, copy=copy.copy)


def _evaluated_here_without_timeout(original: Any) -> Any:
    """`ExecutionState._evaluate_with_timeout`, evaluating a state without TimeoutSeconds in
    the calling thread.

    moto 5.2.5 runs every state's evaluation in a new thread and waits for it with the
    state's timeout; without TimeoutSeconds that wait is for 99999999 s, i.e. until the
    evaluation ends, which the calling thread can as well run itself. The rest is moto's
    code unchanged; a state with a timeout (of any kind) goes to moto's.
    """

    def evaluate_with_timeout(self: Any, env: Any) -> None:
        timeout = self.timeout
        if type(timeout) is not TimeoutSeconds or not timeout.is_default_value():
            original(self, env)
            return
        timeout.eval(env=env)
        env.stack.pop()
        frame = env.open_frame()
        frame.states.reset(input_value=env.states.get_input())
        frame.stack = getattr(execute_state, "copy").deepcopy(env.stack)  # noqa: B009
        execution_outputs: list[Any] = []
        execution_exception: Exception | None = None
        try:
            self._eval_execution(frame)
            execution_outputs.extend(frame.stack)
        except Exception as ex:  # noqa: BLE001  (moto's thread hands every error back)
            execution_exception = ex
        frame.set_ended()
        env.close_frame(frame)
        if execution_exception:
            raise execution_exception
        execution_output = execution_outputs.pop()
        env.stack.append(execution_output)
        if not self._is_language_query_jsonpath():
            env.states.set_result(execution_output)
        if self.assign_decl:
            self.assign_decl.eval(env=env)
        if self.result_selector:
            self.result_selector.eval(env=env)
        if self.result_path:
            self.result_path.eval(env)
        else:
            env.states.reset(input_value=env.stack.pop())

    return evaluate_with_timeout


def _content_based_deduplication(queue: Any) -> bool:
    """`queue.attributes.get("ContentBasedDeduplication") == "true"` without
    `Queue.attributes`, which also counts the queue's messages (a FIFO-only attribute, a
    bool written in lower case)."""
    if not queue.fifo_queue:
        return False
    value = queue.content_based_deduplication
    return (str(value).lower() if isinstance(value, bool) else value) == "true"


def _send_message(
    self: Any,
    queue_name: str,
    message_body: str,
    message_attributes: dict[str, Any] | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    system_attributes: dict[str, Any] | None = None,
    validate_group_id: bool = True,
) -> Any:
    """moto 5.2.5's `SQSBackend.send_message`, reading ContentBasedDeduplication with
    `_content_based_deduplication` (a send cost 17 us more per message in the queue)."""
    queue = self.get_queue(queue_name)

    self._validate_message(
        queue,
        message_body=message_body,
        delay_seconds=int(delay_seconds or 0),
        deduplication_id=deduplication_id,
        group_id=group_id,
        validate_group_id=validate_group_id,
    )

    delay_seconds = int(delay_seconds) if delay_seconds is not None else queue.delay_seconds

    message_id = str(mock_random.uuid4())
    message = sqs_models.Message(message_id, message_body, system_attributes)

    if _content_based_deduplication(queue):
        sha256 = hashlib.sha256()
        sha256.update(message_body.encode("utf-8"))
        message.deduplication_id = sha256.hexdigest()

    if deduplication_id is not None:
        message.deduplication_id = deduplication_id
        message.sequence_number = "".join(mock_random.choice(string.digits) for _ in range(20))

    if group_id is not None:
        message.group_id = group_id

    if message_attributes:
        message.message_attributes = message_attributes

    if delay_seconds > sqs_models.MAXIMUM_MESSAGE_DELAY:
        msg = (
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
        raise InvalidParameterValue(msg)

    message.mark_sent(delay_seconds=delay_seconds)

    queue.add_message(message)

    return message


def _s3_urls_reloaded_on_change() -> Any:
    """`S3Backend._url_module`, reloading moto.s3.urls only when MOTO_S3_CUSTOM_ENDPOINTS (the
    one setting it reads) differs from its last load; moto reloads it twice per request."""
    loaded: dict[str, str | None] = {}
    lock = threading.Lock()

    def url_module(self: Any) -> Any:
        import moto.s3.urls as urls_module

        endpoints = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
        with lock:
            if "endpoints" not in loaded or loaded["endpoints"] != endpoints:
                importlib.reload(urls_module)
                loaded["endpoints"] = endpoints
        return urls_module

    return property(url_module)


def _worker_env(execution: Any) -> Any:
    """The environment of an execution's worker, or None before the worker has begun."""
    worker = getattr(execution, "exec_worker", None)
    return getattr(worker, "env", None) if worker is not None else None


def describe_map_run_of_begun_executions(self: Any, map_run_arn: str) -> dict[str, Any]:
    """moto 5.2.5's `describe_map_run`, skipping executions whose worker has not begun."""
    for execution in self._get_executions():
        env = _worker_env(execution)
        record = env.map_run_record_pool_manager.get(map_run_arn) if env is not None else None
        if record is not None:
            described: dict[str, Any] = record.describe()
            return described
    raise ResourceNotFound(f"Map run does not exist: {map_run_arn}")


# Parsed definitions, for every engine of the process: a parse takes a quarter of a second
# (moto's ANTLR parser) and its program holds no execution or account state.
_programs: dict[str, Any] = {}
_programs_lock = threading.Lock()


def _program(definition: str) -> Any:
    """The parsed program of `definition`, parsed once per process."""
    with _programs_lock:
        if definition not in _programs:
            _programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
        return _programs[definition]


def _validated_once(validate: Callable[[str], None]) -> Callable[[str], None]:
    """moto's CreateStateMachine validation (a parse), skipped for a definition this process
    has parsed; the first parse is kept for the executions."""

    def validated(definition: str) -> None:
        try:
            _program(definition)
        except Exception:  # noqa: BLE001  (moto's own validation raises its error)
            validate(definition)

    return validated


def _parsed_once(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse` (a jsonpath-ng parse function), keeping each path's parse.

    moto builds a new jsonpath-ng parser (a PLY parser: its tables are built again) and parses
    the path each time a path is evaluated; the expression it returns is immutable, so one per
    path string serves every execution and thread. The ASL's paths are a fixed, small set.
    """
    return functools.lru_cache(maxsize=4096)(parse)


@contextmanager
def patched(
    invoke_lambda: LambdaInvoker,
    start_execution: ExecutionStarter,
    text_detection: TextDetection,
    time_scale: float = 1.0,
    invoke_async: AsyncInvoker = _ignore_async,
    on_execution_end: ExecutionEndListener = _ignore_end,
    service_fault: ServiceCallFault = _no_fault,
    on_message_sent: MessageSentListener = _ignore_sent,
) -> Iterator[None]:
    """Install the replacements for the duration of the block."""
    check_moto()
    original_send: Any = events_models.Rule.send_to_targets
    original_terminated: Any = parser_execution.BaseExecutionWorkerCommunication.terminated
    original_state_input: Any = CommonStateField._eval_state_input
    original_start: Any = parser_models.StepFunctionsParserBackend.start_execution
    start_lock = threading.Lock()

    def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> Any:
        return invoke_lambda(str(parameters["FunctionName"]), parameters.get("Payload") or b"{}")

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        event = aws_shaped_s3_event(original_event)
        if not self.event_pattern.matches_event(event):
            return
        for target in self.targets:
            arn = parse_arn(target["Arn"])
            if arn.service == "states":
                # AWS names executions started by EventBridge with a UUID; input is the
                # whole event unless the target says otherwise.
                start_execution(target["Arn"], str(uuid.uuid4()), json.dumps(event))
            elif arn.service == "lambda":
                invoke_async(target["Arn"], event)
            else:
                # moto's own senders read the event's numeric time; only the `detail`
                # (etag) needs AWS's shape, and SQS delivers the event as JSON.
                delivered = copy.deepcopy(original_event)
                delivered["detail"] = event.get("detail", delivered.get("detail"))
                single = copy.copy(self)
                single.targets = [target]
                original_send(single, delivered, transform_input)

    def terminated(self: Any) -> None:
        original_terminated(self)
        _prune_threads()
        on_execution_end(self.execution)

    def state_input(self: Any, env: Any) -> None:
        data = env.states.context_object.context_object_data
        state, execution = data.get("State"), data.get("Execution")
        if state is not None and "EnteredTime" in state:
            state["EnteredTime"] = aws_timestamp(state["EnteredTime"])
        if execution is not None and "StartTime" in execution:
            execution["StartTime"] = aws_timestamp(execution["StartTime"])
        original_state_input(self, env)

    def program_eval(self: Any, env: Any) -> None:
        # Program.eval of moto 5.2.5, with the timeout on the engine's clock and without
        # keeping the thread in TMP_THREADS.
        timeout = self.timeout_seconds.timeout_seconds if self.timeout_seconds else None
        env.next_state_name = self.start_at.start_at_name
        worker = threading.Thread(target=super(Program, self).eval, args=(env,), daemon=True)
        worker.start()
        worker.join(timeout=timeout * time_scale if timeout is not None else None)
        if worker.is_alive():
            env.set_timed_out()

    def start_serialised(self: Any, *args: Any, **kwargs: Any) -> Any:
        with start_lock:
            return original_start(self, *args, **kwargs)

    def atomic(original: Any, lock: threading.RLock) -> Any:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        return write

    def long_polled(original: Any, lock: threading.RLock) -> Any:
        def receive(
            self: Any, queue_name: str, count: int, wait_seconds_timeout: int, *args: Any, **kw: Any
        ) -> Any:
            # Each look at the queue holds the lock; the wait between looks does not.
            deadline = time.monotonic() + wait_seconds_timeout
            while True:
                with lock:
                    received = original(self, queue_name, count, 0, *args, **kw)
                if received or time.monotonic() >= deadline:
                    return received
                time.sleep(LONG_POLL_LOOK_S)

        return receive

    dynamodb_lock, sqs_lock = threading.RLock(), threading.RLock()

    def sqs_operation(name: str) -> Any:
        base = _send_message if name == "send_message" else getattr(SQSBackend, name)
        serialised = atomic(base, sqs_lock)
        if name not in SQS_SENDS:
            return serialised

        def send(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            sent = serialised(self, queue_name, *args, **kwargs)
            on_message_sent(queue_name)  # outside the lock: the listener may receive
            return sent

        return send

    def parsed_once(self: Any) -> Any:
        return _program(self._evaluation_details.state_machine_details.definition)

    def pending_is_running(self: Any) -> str:
        status = self.exec_status or ExecutionStatus.RUNNING
        return str(status.value)

    original_client_for: Any = getattr(state_task_service_dynamodb, "boto_client_for")  # noqa: B009
    service_clients: dict[tuple[str, str], Any] = {}
    clients_lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with clients_lock:
            if (region, service) not in service_clients:
                service_clients[region, service] = original_client_for(
                    region, service, state_credentials
                )
            return service_clients[region, service]

    def faultable(original: Any) -> Any:
        def eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
            data = env.states.context_object.context_object_data
            state = str((data.get("State") or {}).get("Name", ""))
            fault = service_fault(str((data.get("Execution") or {}).get("Name", "")), state)
            if fault is not None:
                code, status = fault
                raise ClientError(
                    {
                        "Error": {"Code": code, "Message": f"{code} (injected in {state})"},
                        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "injected"},
                    },
                    "injected",
                )
            return original(self, env, *args, **kwargs)

        return eval_service_task

    original_list_map_runs: Any = parser_models.StepFunctionsParserBackend.list_map_runs

    def no_map_runs_before_start(self: Any, execution_arn: str) -> dict[str, Any]:
        execution = self.describe_execution(execution_arn=execution_arn)
        if _worker_env(execution) is None:
            return {"mapRuns": []}
        answer: dict[str, Any] = original_list_map_runs(self, execution_arn)
        return answer

    scaled_time = types.SimpleNamespace(sleep=lambda seconds: time.sleep(seconds * time_scale))

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        # Stopping an execution sets the event, which ends the wait early, as in moto.
        env.program_state_event.wait(wait_seconds * time_scale)

    replacements = (
        invoke,
        send_to_targets,
        scaled_time,
        wait_interval,
        *_textract_handlers(text_detection),
        terminated,
        state_input,
        program_eval,
        start_serialised,
        parsed_once,
        property(pending_is_running),
        atomic(DynamoDBBackend.put_item, dynamodb_lock),
        atomic(DynamoDBBackend.update_item, dynamodb_lock),
        atomic(DynamoDBBackend.delete_item, dynamodb_lock),
        *(
            long_polled(SQSBackend.receive_message, sqs_lock)
            if name == "receive_message"
            else sqs_operation(name)
            for owner, name in PATCH_POINTS
            if owner is SQSBackend
        ),
        client_for,
        client_for,
        client_for,
        client_for,
        *(faultable(getattr(owner, name)) for owner, name in SERVICE_TASKS),
        # getattr: the modules import `parse` from jsonpath-ng without re-exporting it.
        _parsed_once(getattr(json_path, "parse")),  # noqa: B009
        _parsed_once(getattr(result_path, "parse")),  # noqa: B009
        staticmethod(_list_every_object),
        no_map_runs_before_start,
        describe_map_run_of_begun_executions,
        staticmethod(
            _validated_once(parser_models.StepFunctionsParserBackend._validate_definition)
        ),
        *(_STATE_DATA_COPY for _ in STATE_DATA_COPIERS),
        _evaluated_here_without_timeout(execute_state.ExecutionState._evaluate_with_timeout),
        _s3_urls_reloaded_on_change(),
    )
    originals = [(owner, name, getattr(owner, name)) for owner, name in PATCH_POINTS]
    for (owner, name), replacement in zip(PATCH_POINTS, replacements, strict=True):
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def restore_object(account: str, bucket: str, key: str, data: bytes, version_id: str) -> None:
    """Put an object back as an earlier run had it: under its own version id and without an
    upload event.

    S3 (and moto) choose version ids; a document restored from the state directory must keep
    its own, since its document id and execution name derive from it (a replay reads the
    version its dead letter names). moto's backend `put_object` can skip the notification,
    and a version's id is its FakeKey's `_version_id` attribute (moto 5.2.5).
    """
    backend = s3_backends[account]["global"]
    stored = backend.put_object(bucket, key, data, disable_notification=True)
    stored._version_id = version_id


def visible_messages_probe(account: str, region: str, queue_name: str) -> Callable[[], bool]:
    """A function telling whether a ReceiveMessage on the queue could return a message now
    (one is neither in flight nor delayed), read from moto's backend without an API call.

    moto 5.2.5's `Queue.messages` lists exactly the messages a receive considers (a receive
    may still move one to the dead-letter queue instead of returning it); a queue that does
    not exist has none. The backend is looked up once: moto's account lookup costs more than
    the answer.
    """
    queues = sqs_backends[account][region].queues

    def has_visible_messages() -> bool:
        queue = queues.get(queue_name)
        return queue is not None and bool(queue.messages)

    return has_visible_messages
