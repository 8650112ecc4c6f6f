"""`--aws`: `trace`, `graph`, `results`, `status`, `dlq` and `redrive` against a deployed stack.

The stack is found by its name (`STACK_NAME`, the one app.py synthesizes, or `--stack NAME`)
with CloudFormation's DescribeStacks; its outputs (infra/stack.py) name everything the
commands read. Credentials and region come from boto3's standard chain (environment
variables, shared config and SSO profiles, container and instance roles).

What the offline commands do with the state directory is done here with the same calls on
the stack's resources, and shaped by the same code: trace.py reads the Step Functions
client, results.py shapes records and results, dead_letters.py finds a letter's upload
event. Nothing here waits for an execution: a replay is reported ACCEPTED once the intake
queue has taken it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from docpipe import results as shaping
from docpipe.errors import UsageError
from docpipe.state import DeadLetter, plain_item
from docpipe.trace import trace as trace_execution
from infra.config import DOCUMENTS_BY_KEY_INDEX, DOCUMENTS_BY_KEY_PARTITION, STACK_NAME
from tasks.shared.execution_names import VALID_NAME, document_id, execution_arn, execution_name
from tasks.start_pipeline.task import REPLAY_KEY

# The stack's outputs the commands read (infra/stack.py, `_outputs`).
BUCKET = "BucketName"
STATE_MACHINE = "StateMachineArn"
DOCUMENTS_TABLE = "DocumentsTableName"
DEAD_LETTER_QUEUE = "DeadLetterQueueUrl"
TRIGGER_DEAD_LETTER_QUEUE = "TriggerDeadLetterQueueUrl"
INTAKE_QUEUE = "IntakeQueueUrl"
COMPLETION_TOPIC = "CompletionTopicArn"
BACKFILL_STATE_MACHINE = "BackfillStateMachineArn"

# Listing and showing dead letters receives them (SQS has no other way to read a queue),
# hidden from other readers for this long, then makes them visible again at once.
LIST_VISIBILITY_SECONDS = 30
# A letter being replayed stays hidden while the replay is sent, and is then deleted.
REPLAY_VISIBILITY_SECONDS = 120
# Long polling (1 s) asks every SQS server, so no message is missed as short polling may.
RECEIVE_WAIT_SECONDS = 1

# Set-up the user fixes (credentials, region, profile, network), reported as usage errors.
_SETUP_ERRORS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    NoRegionError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
    EndpointConnectionError,
)
# AWS's error codes for credentials it refuses and permissions the caller lacks.
_REFUSED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)
# SQS's answers to releasing a message that is no longer hidden by this receipt.
_RELEASED_ALREADY = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "AWS.SimpleQueueService.MessageNotInflight",
        "MessageNotInflight",
        "InvalidParameterValue",
    }
)
# Statuses with nothing to run again.
_NOT_ENDED_BADLY = ("RUNNING", "SUCCEEDED")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


class DeployedStack:
    """A deployed docpipe stack: its outputs, and boto3 clients in its account and region."""

    def __init__(
        self, name: str = STACK_NAME, session: boto3.session.Session | None = None
    ) -> None:
        self.name = name
        self._session = session or boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self.outputs = self._find_outputs()

    @property
    def region(self) -> str | None:
        """The region the standard chain chose."""
        region: str | None = self._session.region_name
        return region

    def client(self, service: str) -> Any:
        """The boto3 client of `service` (one per service)."""
        if service not in self._clients:
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def output(self, name: str) -> str:
        """The stack output `name`; a stack deployed without it is a usage error."""
        if name not in self.outputs:
            raise UsageError(
                f"stack {self.name!r} has no output {name}: deploy this version of docpipe"
            )
        return self.outputs[name]

    def _find_outputs(self) -> dict[str, str]:
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=self.name)["Stacks"]
        except ClientError as exc:
            if _code(exc) != "ValidationError":  # CloudFormation's "does not exist"
                raise
            raise UsageError(
                f"no stack {self.name!r} in {self.region}: {_message(exc)} (deploy it with "
                "`cdk deploy`, or name it with --stack)"
            ) from exc
        return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}

    # -- reading ------------------------------------------------------------------------------

    @property
    def state_machine_arn(self) -> str:
        """The pipeline's state machine."""
        return self.output(STATE_MACHINE)

    def read_object(self, bucket: str, key: str) -> bytes | None:
        """An object's bytes; None when there is none."""
        try:
            body: bytes = self.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise
        return body

    def describe_execution(self, arn: str) -> dict[str, Any] | None:
        """DescribeExecution; None when there is no such execution (or it has expired)."""
        try:
            described: dict[str, Any] = self.client("stepfunctions").describe_execution(
                executionArn=arn
            )
        except ClientError as exc:
            if _code(exc) in ("ExecutionDoesNotExist", "InvalidArn"):
                return None
            raise
        return described

    def record(self, document: str) -> dict[str, Any] | None:
        """The document's record in the documents table, as plain JSON."""
        item = (
            self.client("dynamodb")
            .get_item(
                TableName=self.output(DOCUMENTS_TABLE),
                Key={"document_id": {"S": document}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return plain_item(item) if item else None


@contextlib.contextmanager
def deployed(name: str | None) -> Iterator[DeployedStack]:
    """The stack `name` (the default stack when None), for a command's duration; missing
    credentials or region, an unknown profile, and refused credentials or permissions
    become usage errors."""
    try:
        yield DeployedStack(name or STACK_NAME)
    except _SETUP_ERRORS as exc:
        raise UsageError(
            f"{exc} (--aws reads credentials and region the standard AWS way: environment, "
            "AWS_PROFILE, ~/.aws/config)"
        ) from exc
    except ClientError as exc:
        if _code(exc) not in _REFUSED:
            raise
        operation = exc.operation_name
        raise UsageError(f"AWS refused {operation}: {_code(exc)}: {_message(exc)}") from exc


# -- executions: trace, graph, redrive ---------------------------------------------------------


def resolve(stack: DeployedStack, target: str) -> str:
    """The ARN of the execution `target` names: an execution ARN or name, a document id, or
    `s3://BUCKET/KEY` (the latest registration of that object's key)."""
    if target.startswith("s3://"):
        for entry in status(stack, target):
            if entry["execution_arn"]:
                return str(entry["execution_arn"])
        raise UsageError(f"no document recorded for {target} in stack {stack.name!r}")
    if target.startswith("arn:"):
        if stack.describe_execution(target) is None:
            raise UsageError(f"no execution {target}")
        return target
    if VALID_NAME.fullmatch(target):
        arn = execution_arn(stack.state_machine_arn, target)
        if stack.describe_execution(arn) is not None:
            return arn
    record = stack.record(target)
    if record is not None and record.get("execution_arn"):
        return str(record["execution_arn"])
    raise UsageError(
        f"no execution for {target!r} in stack {stack.name!r} (an execution name or ARN, a "
        "document id, or s3://BUCKET/KEY)"
    )


def trace(stack: DeployedStack, target: str, *, full: bool = False) -> dict[str, Any]:
    """`docpipe trace --aws`: the execution's timeline, from its history."""
    return trace_execution(stack.client("stepfunctions"), resolve(stack, target), full=full)


def definition(stack: DeployedStack) -> dict[str, Any]:
    """The deployed state machine's definition (the ASL with its placeholders filled)."""
    described = stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=stack.state_machine_arn
    )
    asl: dict[str, Any] = json.loads(described["definition"])
    return asl


def ended_in_fail_state(stack: DeployedStack, arn: str) -> bool:
    """Whether the last state the execution entered is a Fail state: a failure its Catch
    took to the failure path, which RedriveExecution would not run again."""
    sfn = stack.client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(
            executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            break
    for event in sorted(events, key=lambda e: int(e["id"]), reverse=True):
        if str(event["type"]).endswith("StateEntered"):
            return bool(event["type"] == "FailStateEntered")
    return False


def redrive(stack: DeployedStack, target: str) -> list[dict[str, Any]]:
    """`docpipe redrive --aws`: run a failed, timed-out or aborted execution again.

    An execution that ended in a Fail state (a caught failure) has its document replayed
    through the intake (its dead letter if it is still queued, else the execution's input);
    any other is redriven with RedriveExecution, from the state that failed, or replayed
    when Step Functions refuses (`ExecutionNotRedrivable`, e.g. past its 14 days)."""
    arn = resolve(stack, target)
    described = stack.describe_execution(arn) or {}
    status = described.get("status")
    if status in _NOT_ENDED_BADLY:
        raise UsageError(
            f"the execution is {status}: only a failed, timed-out or aborted one runs again"
        )
    if not ended_in_fail_state(stack, arn):
        try:
            answer = stack.client("stepfunctions").redrive_execution(executionArn=arn)
        except ClientError as exc:
            if _code(exc) != "ExecutionNotRedrivable":
                raise
            outcomes = _replay_execution(stack, arn, described)
            for outcome in outcomes:
                outcome["redrive_refused"] = _message(exc)
            return outcomes
        return [
            {
                "execution_arn": arn,
                "via": "RedriveExecution",
                "redrive_date": _iso(answer.get("redriveDate")),
                "status": "REDRIVEN",
            }
        ]
    return _replay_execution(stack, arn, described)


def _replay_execution(
    stack: DeployedStack, arn: str, described: dict[str, Any]
) -> list[dict[str, Any]]:
    from docpipe.dead_letters import summary

    queues = DeadLetterQueues(stack)
    letters = queues.receive(REPLAY_VISIBILITY_SECONDS)
    mine = [letter for letter in letters if summary(letter)["execution_arn"] == arn][:1]
    queues.release([letter for letter in letters if letter not in mine])
    if not mine:  # its letter was replayed or deleted already: the input says it all
        mine = [DeadLetter("", {"detail": {"input": described.get("input") or "{}"}}, {})]
    outcomes = replay(stack, queues, mine)
    for outcome in outcomes:
        outcome.update(execution_arn=arn, via="replay")
    return outcomes


def _iso(moment: Any) -> str | None:
    if isinstance(moment, datetime.datetime):
        return moment.isoformat()
    return str(moment) if moment is not None else None


# -- documents: results, status ----------------------------------------------------------------


def results(stack: DeployedStack) -> list[dict[str, Any]]:
    """`docpipe results --aws`: every document record of the table, with its result."""
    dynamodb = stack.client("dynamodb")
    records = [
        plain_item(item)
        for page in dynamodb.get_paginator("scan").paginate(TableName=stack.output(DOCUMENTS_TABLE))
        for item in page["Items"]
    ]
    return shaping.documents(records, stack.read_object)


def status(stack: DeployedStack, url: str) -> list[dict[str, Any]]:
    """`docpipe status --aws`: the records of the object at `url` (the table's index by
    object key), newest registration first, each with its execution's status and result."""
    bucket, key = shaping.parse_s3_url(url)
    pages = stack.client("dynamodb").get_paginator("query")
    try:
        records = [
            plain_item(item)
            for page in pages.paginate(
                TableName=stack.output(DOCUMENTS_TABLE),
                IndexName=DOCUMENTS_BY_KEY_INDEX,
                KeyConditionExpression="#key = :key",
                FilterExpression="#bucket = :bucket",
                ExpressionAttributeNames={"#key": DOCUMENTS_BY_KEY_PARTITION, "#bucket": "bucket"},
                ExpressionAttributeValues={":key": {"S": key}, ":bucket": {"S": bucket}},
                ScanIndexForward=False,
            )
            for item in page["Items"]
        ]
    except ClientError as exc:
        if _code(exc) != "ValidationException":
            raise
        raise UsageError(
            f"stack {stack.name!r}: {_message(exc)} (the index {DOCUMENTS_BY_KEY_INDEX} came "
            "with `docpipe status`: deploy this version)"
        ) from exc

    def execution_status(arn: str) -> str | None:
        described = stack.describe_execution(arn)
        return str(described["status"]) if described else None

    return shaping.key_status(records, stack.read_object, execution_status)


# -- dead letters: dlq list|show|replay ----------------------------------------------------------


class DeadLetterQueues:
    """The stack's dead-letter queue and its trigger's (raw EventBridge events that could not
    be delivered), read as `DeadLetter`s whose ids are SQS message ids.

    Reading a queue means receiving its messages: each stays hidden for the visibility
    timeout asked for, until it is released (visible again) or deleted; the receipt
    handles are kept here for that.
    """

    def __init__(self, stack: DeployedStack) -> None:
        self._stack = stack
        self._sqs = stack.client("sqs")
        self._receipts: dict[str, tuple[str, str]] = {}  # letter id -> (queue, receipt)
        self._triggers: set[str] = set()  # ids of the letters of the trigger's queue
        self._trigger = stack.output(TRIGGER_DEAD_LETTER_QUEUE)

    def receive(self, visibility: int) -> list[DeadLetter]:
        """Every letter of both queues (as many as were visible when asked), pipeline first."""
        letters: list[DeadLetter] = []
        for queue in (self._stack.output(DEAD_LETTER_QUEUE), self._trigger):
            letters.extend(self._receive(queue, visibility))
        return letters

    def _receive(self, queue: str, visibility: int) -> list[DeadLetter]:
        visible = int(
            self._sqs.get_queue_attributes(
                QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        received: dict[str, DeadLetter] = {}
        while len(received) < visible:
            messages = self._sqs.receive_message(
                QueueUrl=queue,
                MaxNumberOfMessages=10,
                VisibilityTimeout=visibility,
                WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in received]
            for message in messages:  # a message seen again: its newest receipt is valid
                self._receipts[message["MessageId"]] = (queue, message["ReceiptHandle"])
            if not fresh:
                break
            for message in fresh:
                if queue == self._trigger:
                    self._triggers.add(message["MessageId"])
                received[message["MessageId"]] = DeadLetter(
                    message["MessageId"],
                    _body(message["Body"]),
                    message.get("MessageAttributes", {}),
                )
        return list(received.values())

    def release(self, letters: Sequence[DeadLetter]) -> None:
        """Make `letters` visible again at once (for the next reader)."""
        for letter in letters:
            receipt = self._receipts.pop(letter.id, None)
            if receipt is None:
                continue
            try:
                self._sqs.change_message_visibility(
                    QueueUrl=receipt[0], ReceiptHandle=receipt[1], VisibilityTimeout=0
                )
            except ClientError as exc:
                # Visible again already (its timeout ran out), or deleted by someone else.
                if _code(exc) not in _RELEASED_ALREADY:
                    raise

    def delete(self, letter: DeadLetter) -> None:
        """Remove `letter` from its queue (nothing when it was not received from one)."""
        receipt = self._receipts.pop(letter.id, None)
        if receipt is not None:
            self._sqs.delete_message(QueueUrl=receipt[0], ReceiptHandle=receipt[1])

    def summary(self, letter: DeadLetter) -> dict[str, Any]:
        """What `dlq list` shows of a letter; `kind` is `trigger` for the trigger's queue."""
        from docpipe.dead_letters import summary

        shown = summary(letter)
        if letter.id in self._triggers:
            shown["kind"] = "trigger"
            # EventBridge says why it could not deliver the event in the message's attributes.
            code = (letter.attributes.get("ERROR_CODE") or {}).get("StringValue")
            if code:
                shown["error"] = code
        return shown


def _body(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return {"unreadable": text}
    return body if isinstance(body, dict) else {"unreadable": text}


def dead_letters(stack: DeployedStack) -> tuple[DeadLetterQueues, list[DeadLetter]]:
    """`dlq list|show --aws`: every dead letter, read and made visible again (never deleted)."""
    queues = DeadLetterQueues(stack)
    letters = queues.receive(LIST_VISIBILITY_SECONDS)
    queues.release(letters)
    return queues, letters


def replay_dead_letters(stack: DeployedStack, letter_id: str | None) -> list[dict[str, Any]]:
    """`dlq replay --aws`: replay the letter `letter_id`, or every letter when None."""
    queues = DeadLetterQueues(stack)
    letters = queues.receive(REPLAY_VISIBILITY_SECONDS)
    chosen = [letter for letter in letters if letter_id is None or letter.id == letter_id]
    queues.release([letter for letter in letters if letter not in chosen])
    if not chosen:
        raise UsageError(
            f"no dead letter {letter_id!r} in stack {stack.name!r} (see `docpipe dlq list --aws`)"
            if letter_id
            else f"no dead letters in stack {stack.name!r}"
        )
    return replay(stack, queues, chosen)


def replay(
    stack: DeployedStack, queues: DeadLetterQueues, letters: Sequence[DeadLetter]
) -> list[dict[str, Any]]:
    """Replay `letters` (received from `queues` with `REPLAY_VISIBILITY_SECONDS`): each upload
    goes back to the intake queue marked as the record's next replay, and its letter is
    deleted only once SendMessage has succeeded; a notification is published again. A letter
    that cannot be replayed is made visible again."""
    outcomes = []
    for letter in letters:
        shown = queues.summary(letter)
        try:
            outcome = _replay_one(stack, letter)
        except ClientError as exc:
            queues.release([letter])
            outcomes.append({**shown, "replayed": False, "reason": f"{_code(exc)}: {exc}"})
            continue
        if not outcome.get("replayed"):
            queues.release([letter])
        else:
            try:
                queues.delete(letter)
            except ClientError as exc:  # sent all the same: the letter stays, to be deleted
                outcome["letter_kept"] = f"{_code(exc)}: {_message(exc)}"
        outcomes.append({**shown, **outcome})
    return outcomes


def _replay_one(stack: DeployedStack, letter: DeadLetter) -> dict[str, Any]:
    from docpipe.dead_letters import upload_event

    if letter.body.get("kind") == "notification":
        notification = letter.body.get("notification") or {}
        stack.client("sns").publish(
            TopicArn=stack.output(COMPLETION_TOPIC),
            Message=json.dumps(notification),
            MessageAttributes=completion_attributes(notification),
        )
        return {"replayed": True, "status": "PUBLISHED"}
    # A letter of the pipeline's queue carries its event; one of the trigger's queue is the
    # event itself.
    event = upload_event(letter) or upload_event(DeadLetter(letter.id, {"event": letter.body}, {}))
    if event is None:
        return {"replayed": False, "reason": "no upload event"}
    obj = event["detail"]["object"]
    bucket, key, version = event["detail"]["bucket"]["name"], obj["key"], obj["version-id"]
    record = stack.record(document_id(bucket, key, version))
    if record is not None and record.get("status") == "PROCESSING":
        running = stack.describe_execution(str(record.get("execution_arn")))
        status = running["status"] if running else "ABORTED"
        if status == "RUNNING":
            return {"replayed": False, "reason": "its execution is still running"}
        _take_over(stack, record, status)
    replays = int((record or {}).get("replays") or 0) + 1
    stack.client("sqs").send_message(
        QueueUrl=stack.output(INTAKE_QUEUE), MessageBody=json.dumps({**event, REPLAY_KEY: replays})
    )
    name = execution_name(bucket, key, version, replays)
    return {
        "replayed": True,
        "replay_execution_arn": execution_arn(stack.state_machine_arn, name),
        "status": "ACCEPTED",
    }


def _take_over(stack: DeployedStack, record: dict[str, Any], status: str) -> None:
    """Mark FAILED the PROCESSING record of an execution that ended without recording its
    outcome, so Register Document lets the replay take it over (only if it is still that
    execution's PROCESSING record)."""
    from docpipe.dead_letters import abandoned

    marked = abandoned(record, status)
    try:
        stack.client("dynamodb").update_item(
            TableName=stack.output(DOCUMENTS_TABLE),
            Key={"document_id": {"S": record["document_id"]}},
            UpdateExpression="SET #status = :failed, error_type = :error",
            ConditionExpression="#status = :processing AND execution_arn = :arn",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":failed": {"S": "FAILED"},
                ":error": {"S": str(marked["error_type"])},
                ":processing": {"S": "PROCESSING"},
                ":arn": {"S": str(record.get("execution_arn"))},
            },
        )
    except ClientError as exc:
        if _code(exc) != "ConditionalCheckFailedException":  # another writer got there first
            raise


def completion_attributes(notification: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The message attributes Publish Completion puts on a notification (the ASL), for
    the subscribers' filter policies: those the notification has values for."""
    strings = {
        "status": notification.get("status"),
        "category": notification.get("category"),
        "review_required": _lower(notification.get("review_required")),
    }
    numbers = {k: notification.get(k) for k in ("input_tokens", "output_tokens", "cost_usd")}
    attributes = {
        name: {"DataType": "String", "StringValue": str(value)}
        for name, value in strings.items()
        if value is not None
    }
    attributes.update(
        {
            name: {"DataType": "Number", "StringValue": _number(value)}
            for name, value in numbers.items()
            if value is not None
        }
    )
    return attributes


def _number(value: Any) -> str:
    """A number as SNS takes it: no exponent (a cost of 1.2e-05 dollars is 0.000012)."""
    if isinstance(value, float):
        return f"{value:.12f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def _lower(value: Any) -> str | None:
    """A boolean as States.Format writes it (`true`, `false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)
