"""PipelineMonitoring on DocpipeStack: alarms, alarm topic, dashboard, cdk-nag and cfn-lint.

Each test attaches its own construct (id `CONSTRUCT_ID`, names prefixed `PREFIX`) to a freshly
synthesized stack, with the stack's state machine, functions and queues, and looks only at
that construct's resources: the assertions hold whether or not the stack wires a
PipelineMonitoring of its own.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import CfnElement, Stage
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from constructs import IConstruct
from templates import Json, only

from infra.config import PIPELINE_ASL, TASKS_DIR
from infra.monitoring import (
    INTAKE_DEPTH_PERIODS,
    INTAKE_MAX_AGE,
    INTAKE_MAX_DEPTH,
    KEY_ACTIONS,
    MODEL_THROTTLE_PERIODS,
    MODEL_THROTTLE_THRESHOLD,
    PipelineMonitoring,
)
from infra.stack import DocpipeStack
from tasks.shared import observability
from tasks.shared.observability import (
    METRIC_DIMENSIONS,
    METRICS_NAMESPACE,
    count_model_throttle,
    metrics,
)

CONSTRUCT_ID = "MonitoringUnderTest"
PREFIX = "DocpipeUnderTest"
EMAIL = "ops@example.com"
# CloudWatch's limit on AlarmDescription.
MAX_DESCRIPTION = 1024
# Room left in a description for a token (a queue name is at most 80 characters).
TOKEN_ALLOWANCE = 80
IGNORED_CHECKS: list[str] = []


@dataclass(frozen=True)
class Monitored:
    stack: DocpipeStack
    monitoring: PipelineMonitoring
    key: kms.Key | None

    def logical_id(self, construct: IConstruct) -> str:
        resource = construct if isinstance(construct, CfnElement) else construct.node.default_child
        assert isinstance(resource, CfnElement), construct.node.path
        logical_id = self.stack.resolve(self.stack.get_logical_id(resource))
        assert isinstance(logical_id, str)
        return logical_id

    def own(self, resources: Json, cfn_type: str) -> dict[str, Json]:
        """The construct's resources of `cfn_type`, by logical id."""
        ids = self.own_logical_ids()
        return {k: v for k, v in resources.items() if k in ids and v["Type"] == cfn_type}

    def own_logical_ids(self) -> set[str]:
        """The construct's resources, plus the key whose policy it extends."""
        elements = [c for c in self.monitoring.node.find_all() if isinstance(c, CfnElement)]
        ids = {self.logical_id(element) for element in elements}
        if self.key is not None:
            ids.add(self.logical_id(self.key))
        return ids


def attach(
    stack: DocpipeStack, *, alarm_email: str | None = None, with_key: bool = False
) -> Monitored:
    """PipelineMonitoring on `stack`'s resources; `with_key` adds a customer-managed key."""
    key = kms.Key(stack, "AlarmKey", enable_key_rotation=True) if with_key else None
    monitoring = PipelineMonitoring(
        stack,
        CONSTRUCT_ID,
        state_machine=stack.state_machine,
        functions={**stack.functions, **stack.intake.functions},
        dead_letter_queue=stack.dead_letter_queue,
        trigger_dead_letter_queue=stack.trigger_dead_letter_queue,
        intake_queue=stack.intake.queue,
        intake_dead_letter_queue=stack.intake.dead_letter_queue,
        alarm_email=alarm_email,
        encryption_key=key,
        name_prefix=PREFIX,
    )
    return Monitored(stack, monitoring, key)


@pytest.fixture(scope="module")
def monitored(synth: Callable[..., DocpipeStack]) -> Monitored:
    return attach(synth(), alarm_email=EMAIL, with_key=True)


@pytest.fixture(scope="module")
def template(monitored: Monitored) -> Template:
    return Template.from_stack(monitored.stack)


@pytest.fixture(scope="module")
def resources(template: Template) -> Json:
    resources: Json = template.to_json()["Resources"]
    return resources


# The alarms


def expected_alarms(m: Monitored) -> dict[str, Json]:
    """Alarm name → the metric, statistic and threshold its CloudFormation resource must have."""
    stack = m.stack
    machine = {"Name": "StateMachineArn", "Value": {"Ref": m.logical_id(stack.state_machine)}}

    def queue(construct: IConstruct) -> Json:
        return {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": [m.logical_id(construct), "QueueName"]},
        }

    def alarm(namespace: str, name: str, dimension: Json, statistic: str) -> Json:
        return {
            "Namespace": namespace,
            "MetricName": name,
            "Dimensions": [dimension],
            "Statistic": statistic,
            "Period": 300,
            "Threshold": 1,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
        }

    visible = "ApproximateNumberOfMessagesVisible"
    intake = queue(stack.intake.queue)
    return {
        "DeadLetterQueueNotEmpty": alarm(
            "AWS/SQS", visible, queue(stack.dead_letter_queue), "Maximum"
        ),
        "TriggerDeadLetterQueueNotEmpty": alarm(
            "AWS/SQS", visible, queue(stack.trigger_dead_letter_queue), "Maximum"
        ),
        "IntakeDeadLetterQueueNotEmpty": alarm(
            "AWS/SQS", visible, queue(stack.intake.dead_letter_queue), "Maximum"
        ),
        "IntakeQueueAge": {
            **alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", intake, "Maximum"),
            "Threshold": INTAKE_MAX_AGE.to_seconds(),
        },
        "IntakeQueueDepth": {
            **alarm("AWS/SQS", visible, intake, "Maximum"),
            "Threshold": INTAKE_MAX_DEPTH,
            "EvaluationPeriods": INTAKE_DEPTH_PERIODS,
            "DatapointsToAlarm": INTAKE_DEPTH_PERIODS,
        },
        "ExecutionsFailed": alarm("AWS/States", "ExecutionsFailed", machine, "Sum"),
        "ExecutionsTimedOut": alarm("AWS/States", "ExecutionsTimedOut", machine, "Sum"),
        "ExecutionsThrottled": alarm("AWS/States", "ExecutionThrottled", machine, "Sum"),
        "ModelThrottled": {
            **alarm(
                METRICS_NAMESPACE,
                "ModelThrottled",
                {"Name": "service", "Value": "docpipe"},
                "Sum",
            ),
            "Threshold": MODEL_THROTTLE_THRESHOLD,
            "EvaluationPeriods": MODEL_THROTTLE_PERIODS,
            "DatapointsToAlarm": MODEL_THROTTLE_PERIODS,
        },
    }


def test_the_construct_exposes_exactly_the_expected_alarms(
    monitored: Monitored, resources: Json
) -> None:
    assert set(monitored.monitoring.alarms) == set(expected_alarms(monitored))
    assert len(monitored.own(resources, "AWS::CloudWatch::Alarm")) == len(
        expected_alarms(monitored)
    )


@pytest.mark.parametrize(
    "name",
    [
        "DeadLetterQueueNotEmpty",
        "TriggerDeadLetterQueueNotEmpty",
        "IntakeDeadLetterQueueNotEmpty",
        "IntakeQueueAge",
        "IntakeQueueDepth",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsThrottled",
        "ModelThrottled",
    ],
)
def test_alarm_watches_its_metric_and_notifies_the_alarm_topic(
    monitored: Monitored, resources: Json, name: str
) -> None:
    # Given the alarm's resource
    props = resources[monitored.logical_id(monitored.monitoring.alarms[name])]["Properties"]
    topic_id = monitored.logical_id(monitored.monitoring.alarm_topic)

    # Then it has the metric and threshold of its kind, and notifies only the alarm topic
    expected = expected_alarms(monitored)[name]
    assert {key: props.get(key) for key in expected} == expected
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["TreatMissingData"] == "notBreaching"
    assert props["AlarmActions"] == [{"Ref": topic_id}]
    assert props["AlarmName"] == f"{PREFIX}-{name}"


def description_length(description: Any) -> int:
    """Characters of an AlarmDescription, each token counted as TOKEN_ALLOWANCE."""
    if isinstance(description, str):
        return len(description)
    parts = description["Fn::Join"][1]
    return sum(len(p) if isinstance(p, str) else TOKEN_ALLOWANCE for p in parts)


def test_every_alarm_description_fits_cloudwatch_and_says_what_to_do(
    monitored: Monitored, resources: Json
) -> None:
    for name, alarm in monitored.monitoring.alarms.items():
        description = resources[monitored.logical_id(alarm)]["Properties"]["AlarmDescription"]
        length = description_length(description)
        assert 200 <= length <= MAX_DESCRIPTION, (name, length)


def next_on_failure(state: Json) -> str | None:
    """The state after `state` for a document on the failure path, which carries `$.error`."""
    if state["Type"] != "Choice":
        return state.get("Next")
    (choice,) = [
        c for c in state["Choices"] if c.get("Variable") == "$.error" and c.get("IsPresent")
    ]
    return str(choice["Next"])


def test_failure_path_ends_in_a_fail_state_so_executions_failed_counts_failed_documents() -> None:
    # Documents caught by a Catch run Record Failure → … → a terminal state; only a Fail
    # state makes the execution FAILED, which is what ExecutionsFailed counts.
    states = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))["States"]
    name, seen = "Record Failure", []
    while (following := next_on_failure(states[name])) is not None:
        seen.append(name)
        name = following
        assert name not in seen, f"failure path loops at {name}"
    assert seen[:3] == ["Record Failure", "Send To DLQ", "Publish Failure"]
    assert states[name]["Type"] == "Fail"


# The alarm topic


def test_topic_is_encrypted_with_the_key_and_accepts_only_ssl_and_these_alarms(
    monitored: Monitored, template: Template, resources: Json
) -> None:
    topic_id = monitored.logical_id(monitored.monitoring.alarm_topic)
    assert monitored.key is not None
    key_arn = {"Fn::GetAtt": [monitored.logical_id(monitored.key), "Arn"]}
    assert resources[topic_id]["Properties"]["KmsMasterKeyId"] == key_arn

    _, policy = only(
        template.find_resources(
            "AWS::SNS::TopicPolicy", {"Properties": {"Topics": [{"Ref": topic_id}]}}
        )
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny_plain = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert deny_plain, statements
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    alarm_arns = [
        {"Fn::GetAtt": [monitored.logical_id(alarm), "Arn"]}
        for alarm in monitored.monitoring.alarms.values()
    ]
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": alarm_arns}}


def test_key_policy_lets_cloudwatch_publish_to_the_encrypted_topic(
    monitored: Monitored, resources: Json
) -> None:
    assert monitored.key is not None
    policy = resources[monitored.logical_id(monitored.key)]["Properties"]["KeyPolicy"]
    cloudwatch = [
        s
        for s in policy["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert len(cloudwatch) == 1
    assert cloudwatch[0]["Effect"] == "Allow"
    assert sorted(cloudwatch[0]["Action"]) == sorted(KEY_ACTIONS)


def test_an_imported_key_is_refused(synth: Callable[..., DocpipeStack]) -> None:
    stack = synth()
    key = kms.Key.from_key_arn(
        stack,
        "Imported",
        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    with pytest.raises(ValueError, match="imported"):
        PipelineMonitoring(
            stack,
            CONSTRUCT_ID,
            state_machine=stack.state_machine,
            functions=stack.functions,
            dead_letter_queue=stack.dead_letter_queue,
            trigger_dead_letter_queue=stack.trigger_dead_letter_queue,
            intake_queue=stack.intake.queue,
            intake_dead_letter_queue=stack.intake.dead_letter_queue,
            alarm_email=None,
            encryption_key=key,
        )


def test_email_subscription_is_created_for_an_address(
    monitored: Monitored, resources: Json
) -> None:
    _, subscription = only(monitored.own(resources, "AWS::SNS::Subscription"))
    topic_id = monitored.logical_id(monitored.monitoring.alarm_topic)
    assert subscription["Properties"] == {
        "Protocol": "email",
        "Endpoint": EMAIL,
        "TopicArn": {"Ref": topic_id},
    }


@pytest.mark.parametrize("alarm_email", [None, ""])
def test_no_subscription_and_no_encryption_without_address_or_key(
    synth: Callable[..., DocpipeStack], alarm_email: str | None
) -> None:
    m = attach(synth(), alarm_email=alarm_email)
    resources = Template.from_stack(m.stack).to_json()["Resources"]

    assert m.own(resources, "AWS::SNS::Subscription") == {}
    topic = resources[m.logical_id(m.monitoring.alarm_topic)]
    assert "KmsMasterKeyId" not in topic["Properties"]


def test_an_invalid_address_is_refused(synth: Callable[..., DocpipeStack]) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        attach(synth(), alarm_email="ops at example")


# The dashboard


def token_text(token: Json) -> str:
    if "Ref" in token:
        return f"Ref:{token['Ref']}"
    if "Fn::GetAtt" in token:
        return "GetAtt:" + ".".join(token["Fn::GetAtt"])
    raise AssertionError(f"unexpected token in the dashboard body: {token}")


@dataclass(frozen=True)
class Line:
    """One metric line of a dashboard graph."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    options: tuple[tuple[str, Any], ...]


@pytest.fixture(scope="module")
def dashboard(monitored: Monitored, resources: Json) -> Json:
    dashboard: Json = resources[monitored.logical_id(monitored.monitoring.dashboard)]
    return dashboard


def dashboard_lines(dashboard: Json) -> Iterator[tuple[str, Line | Json]]:
    """(widget title, metric line or math expression) of every graph of the dashboard."""
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(p if isinstance(p, str) else token_text(p) for p in parts)
    for widget in json.loads(text)["widgets"]:
        if widget["type"] != "metric":
            continue
        title = widget["properties"]["title"]
        for line in widget["properties"]["metrics"]:
            if isinstance(line[0], dict):
                yield title, line[0]
                continue
            options = line[-1] if isinstance(line[-1], dict) else {}
            values = line[2:-1] if options else line[2:]
            dims = tuple(zip(values[::2], values[1::2], strict=True))
            yield title, Line(line[0], line[1], dims, tuple(sorted(options.items())))


def emitted_metric_names() -> set[str]:
    """Every metric name the code under tasks/ passes to `add_metric(name=...)`."""
    names: set[str] = set()
    for path in sorted(TASKS_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "add_metric":
                continue
            (value,) = [k.value for k in node.keywords if k.arg == "name"]
            # `name="A" if started else "B"` emits either.
            options = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    names.add(option.value)
                elif isinstance(option, ast.Name):
                    names.add(str(getattr(observability, option.id)))
                else:
                    raise AssertionError(f"{path}: metric name is not a literal or a constant")
    return names


def test_the_handlers_emit_the_metrics_the_dashboard_expects() -> None:
    names = emitted_metric_names()
    assert {
        "DocumentsProcessed",
        "PagesExtracted",
        "PagesOcr",
        "Chunks",
        "InputTokens",
        "OutputTokens",
        "ModelCalls",
        "CostUSD",
        "ModelThrottled",
        "DocumentsAdmitted",
        "AdmissionsRedelivered",
        "AdmissionsDeferred",
        "LeasesReleasedOnEnd",
        "RecordsFailedOnEnd",
        "LeasesReconciled",
    } <= names


def test_powertools_emits_the_namespace_and_dimensions_the_dashboard_uses() -> None:
    # Given the handlers' shared Metrics object, When it counts a throttle
    metrics.clear_metrics()
    try:
        count_model_throttle()
        # As Powertools prints it: the JSON line CloudWatch reads from the function's log.
        emf: Json = json.loads(json.dumps(metrics.serialize_metric_set()))
    finally:
        metrics.clear_metrics()

    # Then the EMF record carries exactly the namespace and dimensions the dashboard graphs
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == METRICS_NAMESPACE == "docpipe"
    assert directive["Dimensions"] == [list(METRIC_DIMENSIONS)]
    assert {name: emf[name] for name in METRIC_DIMENSIONS} == {"service": "docpipe"}
    assert directive["Metrics"] == [{"Name": "ModelThrottled", "Unit": "Count"}]


def test_dashboard_graphs_every_emitted_metric_with_the_powertools_dimensions(
    dashboard: Json,
) -> None:
    graphed = {
        (line.namespace, line.name, line.dimensions)
        for _, line in dashboard_lines(dashboard)
        if isinstance(line, Line)
    }
    dimensions = tuple(METRIC_DIMENSIONS.items())
    missing = [
        name
        for name in sorted(emitted_metric_names())
        if (METRICS_NAMESPACE, name, dimensions) not in graphed
    ]
    assert missing == []


def test_dashboard_graphs_executions_duration_queues_and_every_function(
    monitored: Monitored, dashboard: Json
) -> None:
    stack = monitored.stack
    graphed = {
        (line.namespace, line.name, line.dimensions)
        for _, line in dashboard_lines(dashboard)
        if isinstance(line, Line)
    }
    machine = (("StateMachineArn", f"Ref:{monitored.logical_id(stack.state_machine)}"),)
    for name in (
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionThrottled",
        "ExecutionTime",
    ):
        assert ("AWS/States", name, machine) in graphed, name
    queues = (
        stack.dead_letter_queue,
        stack.trigger_dead_letter_queue,
        stack.intake.dead_letter_queue,
        stack.intake.queue,
    )
    for queue in queues:
        dims = (("QueueName", f"GetAtt:{monitored.logical_id(queue)}.QueueName"),)
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims) in graphed
    intake = (("QueueName", f"GetAtt:{monitored.logical_id(stack.intake.queue)}.QueueName"),)
    for name in ("ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesNotVisible"):
        assert ("AWS/SQS", name, intake) in graphed, name
    for function in [*stack.functions.values(), *stack.intake.functions.values()]:
        dims = (("FunctionName", f"Ref:{monitored.logical_id(function)}"),)
        for name in ("Duration", "Errors", "Throttles"):
            assert ("AWS/Lambda", name, dims) in graphed, (function.node.id, name)


def test_dashboard_counts_failed_documents_as_failed_plus_timed_out_executions(
    dashboard: Json,
) -> None:
    lines = list(dashboard_lines(dashboard))
    (expression,) = [
        line for title, line in lines if title == "Documents" and isinstance(line, dict)
    ]
    assert expression["expression"] == "FILL(failed, 0) + FILL(timedOut, 0)"
    inputs = {
        dict(line.options).get("id"): line.name
        for title, line in lines
        if title == "Documents" and isinstance(line, Line)
    }
    assert inputs["failed"] == "ExecutionsFailed"
    assert inputs["timedOut"] == "ExecutionsTimedOut"


def test_dashboard_shows_the_alarms(monitored: Monitored, dashboard: Json) -> None:
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    shown = [p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p]
    for alarm in monitored.monitoring.alarms.values():
        assert monitored.logical_id(alarm) in shown


# cdk-nag and cfn-lint


@pytest.mark.parametrize(
    ("alarm_email", "with_key"), [(EMAIL, True), (None, False)], ids=["email-key", "bare"]
)
def test_nag_has_no_unacknowledged_finding_on_the_monitoring(
    synth: Callable[..., DocpipeStack], tmp_path: Path, alarm_email: str | None, with_key: bool
) -> None:
    # Given the stack with cdk-nag and the monitoring attached
    m = attach(synth(nag=True, outdir=tmp_path), alarm_email=alarm_email, with_key=with_key)
    app = Stage.of(m.stack)
    assert app is not None

    # When the app synthesizes (a finding elsewhere in the stack is test_nag.py's business)
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise

    # Then no finding names one of the monitoring's constructs, and each acknowledgment says why
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    plugins = {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}
    assert set(plugins) == {"AwsSolutions", "Serverless"}
    own = (f"{m.stack.node.path}/{m.monitoring.node.id}/", f"{m.stack.node.path}/AlarmKey/")
    for plugin in plugins.values():
        for violation in plugin["violations"]:
            paths = [c["constructPath"] for c in violation["violatingConstructs"]]
            assert not [p for p in paths if p.startswith(own)], violation["ruleName"]
        assert all(v["reason"] for v in plugin.get("suppressedViolations", []))


def test_cfn_lint_finds_nothing_in_the_monitoring(monitored: Monitored, template: Template) -> None:
    matches = lint(json.dumps(template.to_json()), config=ManualArgs(ignore_checks=IGNORED_CHECKS))

    own = monitored.own_logical_ids()
    assert len(own) >= 10  # topic, policy, subscription, six alarms, dashboard, key
    assert [str(m) for m in matches if len(m.path) > 1 and m.path[1] in own] == []


def test_dashboard_name_has_the_prefix(dashboard: Json) -> None:
    assert dashboard["Properties"]["DashboardName"] == f"{PREFIX}-DocumentPipeline"


def test_names_start_with_the_stack_name_by_default(synth: Callable[..., DocpipeStack]) -> None:
    # Not synthesized: a stack that wires its own PipelineMonitoring has these names already.
    stack = synth()
    monitoring = PipelineMonitoring(
        stack,
        CONSTRUCT_ID,
        state_machine=stack.state_machine,
        functions=stack.functions,
        dead_letter_queue=stack.dead_letter_queue,
        trigger_dead_letter_queue=stack.trigger_dead_letter_queue,
        intake_queue=stack.intake.queue,
        intake_dead_letter_queue=stack.intake.dead_letter_queue,
    )

    alarm = monitoring.alarms["ExecutionsFailed"].node.default_child
    dashboard = monitoring.dashboard.node.default_child
    assert isinstance(alarm, cloudwatch.CfnAlarm)
    assert isinstance(dashboard, cloudwatch.CfnDashboard)
    assert alarm.alarm_name == f"{stack.stack_name}-ExecutionsFailed"
    assert dashboard.dashboard_name == f"{stack.stack_name}-DocumentPipeline"
