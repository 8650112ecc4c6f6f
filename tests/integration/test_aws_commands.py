"""`--aws`: `trace`, `graph`, `results`, `status`, `dlq` and `redrive` read a deployed stack
through boto3. Here the stack is the offline twin (the real ASL on moto, in this process),
found as a CloudFormation stack whose outputs name the twin's resources, as `cdk deploy`
names the real ones; the state directory stays empty throughout.

Two calls moto cannot answer here are answered before they are sent (every other call goes
to moto): CloudFormation's DescribeStacks (moto's CloudFormation needs its `cloudformation`
extra: docker, an OpenAPI validator and the like, for services docpipe does not use), by
botocore's Stubber on the CloudFormation client; and RedriveExecution, which moto 5.2.5
does not implement, by a handler on the Step Functions client's `before-call` event."""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from docpipe import aws, samples
from docpipe.cli import main
from docpipe.engine import BUCKET, TABLE, LocalEngine, Upload
from docpipe.faults import ServiceFaults, StateFault, TaskFaults
from docpipe.graph import model
from docpipe.runner import keep_state
from docpipe.state import StateDirectory
from tasks.shared.execution_names import document_id

STACK = "docpipe-twin"


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@dataclass
class Deployments:
    """The stacks DescribeStacks knows (their outputs by name), and the executions
    RedriveExecution was asked to redrive."""

    stacks: dict[str, dict[str, str]] = field(default_factory=dict)
    redriven: list[str] = field(default_factory=list)

    def describe_stacks(self, name: str) -> dict[str, Any]:
        outputs = self.stacks[name]
        return {
            "Stacks": [
                {
                    "StackName": name,
                    "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1",
                    "CreationTime": datetime.datetime.now(datetime.UTC),
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        }

    def redrive(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        # `params` is the serialized request: the call's arguments are its JSON body
        self.redriven.append(json.loads(params["body"])["executionArn"])
        answer = {"redriveDate": datetime.datetime.now(datetime.UTC)}
        return AWSResponse("https://states.amazonaws.com/", 200, {}, None), answer  # type: ignore[arg-type]


@pytest.fixture
def deployments(monkeypatch: pytest.MonkeyPatch) -> Deployments:
    deployed = Deployments()
    make_client = aws.DeployedStack.client

    def client(stack: aws.DeployedStack, service: str) -> Any:
        made = make_client(stack, service)
        if service == "cloudformation":  # asked once, by the stack's own look-up
            stubber = Stubber(made)
            if stack.name in deployed.stacks:
                answer = deployed.describe_stacks(stack.name)
                stubber.add_response("describe_stacks", answer, {"StackName": stack.name})
            else:
                stubber.add_client_error(
                    "describe_stacks",
                    service_error_code="ValidationError",
                    service_message=f"Stack with id {stack.name} does not exist",
                    http_status_code=400,
                )
            stubber.activate()
        elif service == "stepfunctions":
            made.meta.events.register(
                "before-call.sfn.RedriveExecution", deployed.redrive, unique_id="redrive"
            )
        return made

    monkeypatch.setattr(aws.DeployedStack, "client", client)
    return deployed


@dataclass
class Twin:
    engine: LocalEngine
    good: Upload  # succeeded, but its completion notification was refused: a letter
    flaky: Upload  # its extraction crashed every time: a caught failure, a letter
    outputs: dict[str, str]
    deployments: Deployments


@pytest.fixture
def twin(deployments: Deployments) -> Iterator[Twin]:
    # Given a stack in which one document's extraction kept crashing (a passing fault) and
    # SNS refused the completion of another; retry waits at 1/1000 of real time
    crash = TaskFaults(crash_rate=1.0, tasks=frozenset({"extract_text"}), match="flaky-memo")
    refused = ServiceFaults([StateFault("Publish Completion", "InternalError")])
    with LocalEngine(
        time_scale=0.001, faults=crash, service_faults=refused, log_level="ERROR"
    ) as engine:
        good = engine.upload(samples.LETTER.encode(), "letter.txt")
        flaky = engine.upload(samples.LETTER.replace("Dear", "Hello").encode(), "flaky-memo.txt")
        assert engine.wait(good.execution_arn, 120).status == "SUCCEEDED"
        assert engine.wait(flaky.execution_arn, 120).status == "FAILED"
        engine.settle()
        engine.faults = engine.service_faults = None  # the faults have passed
        trigger_dlq = engine.client("sqs").create_queue(QueueName="docpipe-trigger-dlq")
        outputs = {
            "BucketName": BUCKET,
            "StateMachineArn": engine.state_machine_arn,
            "DocumentsTableName": TABLE,
            "DeadLetterQueueUrl": engine.dlq_url,
            "TriggerDeadLetterQueueUrl": trigger_dlq["QueueUrl"],
            "IntakeQueueUrl": engine.intake_url,
            "CompletionTopicArn": engine.topic_arn,
        }
        deployments.stacks[STACK] = outputs
        yield Twin(engine, good, flaky, outputs, deployments)


def ids(letters: list[dict[str, Any]]) -> list[str]:
    return sorted(letter["id"] for letter in letters)


def name_of(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def test_trace_graph_results_and_status_read_the_stack(
    twin: Twin, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    aws_stack = ("--aws", "--stack", STACK)
    good, flaky = twin.good, twin.flaky

    # trace: by execution name, through the stack's Step Functions
    code, traced = cli_json(capsys, "trace", name_of(good.execution_arn), *aws_stack)
    assert code == 0 and traced["status"] == "SUCCEEDED"
    names = [s["name"] for s in traced["states"]]
    assert names[:4] == [
        "Check Admission",
        "Read Upload Event",
        "Identify Document",
        "Register Document",
    ]
    assert "Keep Notification" in names  # SNS refused, the letter kept
    # by s3:// key (the index), the failed one, whose extraction was tried three times
    code, failed = cli_json(capsys, "trace", f"s3://{BUCKET}/{flaky.key}", *aws_stack)
    assert code == 0 and failed["execution_arn"] == flaky.execution_arn
    [extract] = [s for s in failed["states"] if s["name"] == "Extract Text"]
    assert extract["status"] == "caught" and len(extract["attempts"]) == 3
    assert failed["states"][-1]["type"] == "Fail"

    # graph: the deployed definition, every state drawn, coloured by the trace
    svg = tmp_path / "flaky.svg"
    assert main(["graph", flaky.execution_arn, "-o", str(svg), *aws_stack]) == 0
    drawn = svg.read_text()
    asl = aws.definition(aws.DeployedStack(STACK))
    assert [
        n.name for n in model(asl)[0] if f'data-name="{html.escape(n.name)}"' not in drawn
    ] == []
    assert 'data-name="Extract Text" data-type="Task" data-status="caught"' in drawn
    assert 'data-name="Fail" data-type="Fail" data-status="failed"' in drawn

    # results: both documents, from the table and the result objects
    code, documents = cli_json(capsys, "results", *aws_stack)
    by_key = {d["key"]: d for d in documents}
    assert code == 0 and set(by_key) == {good.key, flaky.key}
    assert by_key[good.key]["status"] == "SUCCEEDED" and by_key[good.key]["summary"]
    assert by_key[flaky.key]["status"] == "FAILED"
    assert by_key[flaky.key]["error"] == "Lambda.Unknown"
    # a document id names its execution too
    code, by_id = cli_json(capsys, "trace", by_key[good.key]["document_id"], *aws_stack)
    assert code == 0 and by_id["execution_arn"] == good.execution_arn

    # status: the record by its key (the index), its execution and result
    code, [entry] = cli_json(capsys, "status", f"s3://{BUCKET}/{good.key}", *aws_stack)
    assert code == 0 and entry["version_id"] == good.version_id
    assert entry["execution_status"] == "SUCCEEDED" and entry["status"] == "SUCCEEDED"
    assert entry["category"] == by_key[good.key]["category"] and entry["summary"]
    # another bucket, the same key: nothing
    assert cli_json(capsys, "status", f"s3://elsewhere/{good.key}", *aws_stack) == (1, [])

    # The state directory was never read or written; offline, `status` answers the same
    assert not StateDirectory().root.exists()
    keep_state(twin.engine, StateDirectory())
    assert cli_json(capsys, "status", f"s3://{BUCKET}/{good.key}") == (0, [entry])


def test_dlq_replay_sends_each_letter_back_through_the_intake_then_deletes_it(
    twin: Twin, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, flaky, aws_stack = twin.engine, twin.flaky, ("--aws", "--stack", STACK)
    # An upload EventBridge could not deliver lies in the trigger's queue, as it came
    held = engine.client("s3").put_object(Bucket=BUCKET, Key="held/memo.txt", Body=b"A memo.\n")
    event = {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "detail": {
            "bucket": {"name": BUCKET},
            "object": {
                "key": "held/memo.txt",
                "size": 8,
                "etag": held["ETag"].strip('"'),
                "version-id": held["VersionId"],
            },
        },
    }
    sqs = engine.client("sqs")
    sqs.send_message(
        QueueUrl=twin.outputs["TriggerDeadLetterQueueUrl"], MessageBody=json.dumps(event)
    )

    # list: every letter of both queues; listing twice deletes nothing
    code, listed = cli_json(capsys, "dlq", "list", *aws_stack)
    assert code == 0 and ids(cli_json(capsys, "dlq", "list", *aws_stack)[1]) == ids(listed)
    kinds = {letter["key"]: letter["kind"] for letter in listed}
    assert kinds == {
        twin.good.key: "notification",
        flaky.key: "failure",
        "held/memo.txt": "trigger",
    }
    [failure] = [letter for letter in listed if letter["key"] == flaky.key]
    assert failure["error"] == "Lambda.Unknown"
    assert failure["execution_arn"] == flaky.execution_arn
    code, shown = cli_json(capsys, "dlq", "show", failure["id"], *aws_stack)
    assert shown["body"]["document"]["key"] == flaky.key

    # A replay the intake does not accept leaves the letter where it was
    closed = {**twin.outputs, "IntakeQueueUrl": twin.outputs["IntakeQueueUrl"] + "-closed"}
    twin.deployments.stacks["docpipe-closed"] = closed
    code, [refused] = cli_json(capsys, "dlq", "replay", failure["id"], "--stack", "docpipe-closed")
    assert code == 1 and refused["replayed"] is False
    assert ids(cli_json(capsys, "dlq", "list", *aws_stack)[1]) == ids(listed)

    # When every letter is replayed
    code, outcomes = cli_json(capsys, "dlq", "replay", "--all", *aws_stack)

    # Then the notification is published, and each upload accepted by the intake as its
    # first replay, which the stack processes: the failed document succeeds this time
    by_key = {outcome["key"]: outcome for outcome in outcomes}
    assert code == 0, json.dumps(outcomes, indent=1)
    assert by_key[twin.good.key]["status"] == "PUBLISHED"
    assert by_key[flaky.key]["status"] == "ACCEPTED"
    assert by_key[flaky.key]["replay_execution_arn"] == flaky.execution_arn + "-r1"
    assert engine.wait(flaky.execution_arn + "-r1", 120).status == "SUCCEEDED"
    assert engine.wait(by_key["held/memo.txt"]["replay_execution_arn"], 120).status == "SUCCEEDED"
    code, [entry] = cli_json(capsys, "status", f"s3://{BUCKET}/{flaky.key}", *aws_stack)
    assert entry["status"] == "SUCCEEDED" and entry["replays"] == 1
    assert entry["execution_arn"] == flaky.execution_arn + "-r1"
    # and the letters are gone
    engine.settle()
    assert cli_json(capsys, "dlq", "list", *aws_stack) == (0, [])
    good_id = document_id(BUCKET, twin.good.key, twin.good.version_id)
    [republished] = [n for n in engine.notifications() if n["message"]["document_id"] == good_id]
    assert republished["message"]["status"] == "SUCCEEDED"
    assert republished["attributes"]["status"] == "SUCCEEDED"


def test_redrive_replays_a_caught_failure_and_redrives_any_other(
    twin: Twin, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, flaky, aws_stack = twin.engine, twin.flaky, ("--aws", "--stack", STACK)

    # A caught failure ends in the Fail state, which RedriveExecution would not run again:
    # its document is replayed through the intake, its letter deleted
    code, [replayed] = cli_json(capsys, "redrive", name_of(flaky.execution_arn), *aws_stack)
    assert code == 0 and replayed["via"] == "replay" and replayed["status"] == "ACCEPTED"
    assert replayed["replay_execution_arn"] == flaky.execution_arn + "-r1"
    assert engine.wait(flaky.execution_arn + "-r1", 120).status == "SUCCEEDED"
    keys = [letter["key"] for letter in cli_json(capsys, "dlq", "list", *aws_stack)[1]]
    assert keys == [twin.good.key]  # the notification's letter only

    # An execution that failed outside the failure path (started by hand without an
    # upload event: no Catch covers reading it) is redriven with RedriveExecution
    sfn = engine.client("stepfunctions")
    by_hand = sfn.start_execution(
        stateMachineArn=engine.state_machine_arn, name="by-hand", input="{}"
    )["executionArn"]
    assert engine.wait(by_hand, 60).status == "FAILED"
    code, [outcome] = cli_json(capsys, "redrive", "by-hand", *aws_stack)
    assert code == 0 and twin.deployments.redriven == [by_hand]
    assert outcome["via"] == "RedriveExecution" and outcome["status"] == "REDRIVEN"

    # A succeeded execution has nothing to run again
    assert main(["redrive", twin.good.execution_arn, *aws_stack]) == 2
    assert "SUCCEEDED" in capsys.readouterr().err


def test_an_unknown_stack_is_a_usage_error(
    deployments: Deployments, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert main(["results", "--aws", "--stack", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("docpipe: no stack 'nope' in eu-west-1") and error.count("\n") == 1
    # and a malformed key is refused before any call
    assert main(["status", "bucket/key", "--aws"]) == 2
    assert "expected s3://BUCKET/KEY" in capsys.readouterr().err


def test_missing_credentials_or_region_are_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Nothing anywhere the standard chain looks (no instance metadata either), and a closed
    # port for an endpoint should a request be sent all the same
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "BOTO_CONFIG"):
        monkeypatch.setenv(name, str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    assert main(["trace", "x", "--aws"]) == 2
    assert capsys.readouterr().err.startswith("docpipe: Unable to locate credentials")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["dlq", "list", "--aws"]) == 2
    assert capsys.readouterr().err.startswith("docpipe: You must specify a region")


def test_a_replay_takes_over_a_record_its_ended_execution_left_processing(
    twin: Twin, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_stack = ("--aws", "--stack", STACK)
    # Given the failed document's record left PROCESSING by its ended execution
    dynamodb = twin.engine.client("dynamodb")
    key = {"document_id": {"S": document_id(BUCKET, twin.flaky.key, twin.flaky.version_id)}}
    dynamodb.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET #status = :processing",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":processing": {"S": "PROCESSING"}},
    )
    [letter] = [
        letter
        for letter in cli_json(capsys, "dlq", "list", "--json", *aws_stack)[1]
        if letter["key"] == twin.flaky.key
    ]

    # When its letter is replayed
    code, [outcome] = cli_json(capsys, "dlq", "replay", letter["id"], "--json", *aws_stack)

    # Then the record is taken over and the document processed again, not skipped
    assert code == 0 and outcome["status"] == "ACCEPTED"
    assert twin.engine.wait(twin.flaky.execution_arn + "-r1", 120).status == "SUCCEEDED"
    item = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
    assert item["status"]["S"] == "SUCCEEDED" and item["replays"]["N"] == "1"


def test_smoke_uploads_a_sample_and_hears_its_own_notification(
    twin: Twin, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, sns = twin.engine.client("sqs"), twin.engine.client("sns")
    queues_before = sqs.list_queues().get("QueueUrls", [])
    twin.outputs["IncomingPrefix"] = "incoming/"

    code, answer = cli_json(capsys, "smoke", "--stack", STACK, "--timeout", "120")

    # The sample ran through the deployed pipeline, and its own notification came back
    assert code == 0, json.dumps(answer)
    assert answer["passed"] and answer["status"] == "SUCCEEDED"
    assert answer["key"].startswith("incoming/docpipe-smoke/")
    assert answer["category"] == "correspondence"
    assert twin.engine.wait(answer["execution_arn"], 60).status == "SUCCEEDED"
    # The queue and the subscription it listened with are gone
    assert sqs.list_queues().get("QueueUrls", []) == queues_before
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=twin.outputs["CompletionTopicArn"])
    assert not any("docpipe-smoke" in s["Endpoint"] for s in subscriptions["Subscriptions"])
    # Without --json: the object, then the outcome in a word and the execution
    assert main(["smoke", "--stack", STACK, "--timeout", "120"]) == 0
    uploaded, notified, execution = capsys.readouterr().out.splitlines()
    assert uploaded.startswith("uploaded s3://docpipe-documents/incoming/docpipe-smoke/")
    assert notified.startswith("notified after ")
    assert notified.endswith(": SUCCEEDED correspondence")
    assert execution.strip().startswith("arn:aws:states:")


def test_smoke_without_a_notification_fails_and_cleans_up(
    twin: Twin, capsys: pytest.CaptureFixture[str]
) -> None:
    # A stack whose topic is not the one the pipeline publishes to: nothing comes back
    other = twin.engine.client("sns").create_topic(Name="elsewhere")["TopicArn"]
    twin.outputs["CompletionTopicArn"] = other
    queues_before = twin.engine.client("sqs").list_queues().get("QueueUrls", [])

    code, answer = cli_json(capsys, "smoke", "--stack", STACK, "--timeout", "3")

    assert code == 1 and answer["status"] == "TIMED_OUT" and not answer["passed"]
    assert twin.engine.client("sqs").list_queues().get("QueueUrls", []) == queues_before
