"""DocpipeStack's intake: the queue between uploads and the state machine, the starter that
admits documents under the cap, and the functions that release leases (targeted template
assertions, not snapshots)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_cdk.assertions import Template
from templates import (
    Json,
    documents_table_id,
    functions_by_handler,
    granted,
    key_arn,
    lease_table_id,
    logical_id,
    pipeline_machine,
    role_actions,
    role_of,
)

from infra.config import DEFAULT_MAX_CONCURRENT_DOCUMENTS, pipeline_timeout_seconds
from infra.stack import DocpipeStack
from tasks.catalog import (
    EXECUTION_ENDED,
    INTAKE_BATCH_SIZE,
    INTAKE_FUNCTIONS,
    INTAKE_MAX_CONCURRENCY,
    INTAKE_MAX_RECEIVES,
    RECONCILE_LEASES,
    START_PIPELINE,
)

KEY_WRITE = {"kms:Decrypt", "kms:GenerateDataKey"}
# Every function writes traces and its own log group.
BASE_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    *KEY_WRITE,
}
FOURTEEN_DAYS = 14 * 24 * 3600


def untagged(properties: dict[str, Any]) -> dict[str, Any]:
    """A resource's properties without the tags every resource carries (test_stack)."""
    return {k: v for k, v in properties.items() if k != "Tags"}


def arn(logical: str) -> Json:
    return {"Fn::GetAtt": [logical, "Arn"]}


def machine_id(template: Template) -> str:
    return pipeline_machine(template)[0]


def function_of(resources: Json, handler: str) -> tuple[str, Json]:
    return functions_by_handler(resources)[handler]


# The queue


def test_intake_queue_keeps_uploads_14_days_and_redrives_after_the_receive_limit(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    queue = resources[logical_id(stack, stack.intake.queue)]["Properties"]
    dead_letter_id = logical_id(stack, stack.intake.dead_letter_queue)

    assert queue["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert queue["KmsMasterKeyId"] == key_arn(template)
    # AWS's advice: at least 6 times the consumer's timeout.
    assert queue["VisibilityTimeout"] == 6 * START_PIPELINE.timeout_seconds == 360
    # A message handed back while the house is full is received again and again: the limit
    # is the one the offline engine emulates, hours of waiting.
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": arn(dead_letter_id),
        "maxReceiveCount": INTAKE_MAX_RECEIVES,
    }
    assert INTAKE_MAX_RECEIVES >= 100
    dead_letter = resources[dead_letter_id]["Properties"]
    assert dead_letter["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert dead_letter["KmsMasterKeyId"] == key_arn(template)
    assert "RedrivePolicy" not in dead_letter


def test_starter_polls_the_intake_queue_in_batches_with_a_concurrency_cap(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    function_id, _ = function_of(resources, START_PIPELINE.handler)
    (mapping,) = [
        mapping
        for mapping in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert (INTAKE_BATCH_SIZE, INTAKE_MAX_CONCURRENCY) == (10, 2)

    assert untagged(mapping["Properties"]) == {
        "EventSourceArn": arn(logical_id(stack, stack.intake.queue)),
        "FunctionName": {"Ref": function_id},
        "BatchSize": INTAKE_BATCH_SIZE,
        "MaximumBatchingWindowInSeconds": 1,
        "ScalingConfig": {"MaximumConcurrency": INTAKE_MAX_CONCURRENCY},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }


# The functions


def test_intake_functions_are_built_like_the_tasks(resources: Json) -> None:
    for function in INTAKE_FUNCTIONS:
        properties = function_of(resources, function.handler)[1]["Properties"]
        assert properties["Architectures"] == ["arm64"]
        assert properties["Runtime"] == "python3.14"
        assert properties["MemorySize"] == function.memory_mb
        assert properties["Timeout"] == function.timeout_seconds
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Description"] == function.description
        assert "ReservedConcurrentExecutions" not in properties


def test_intake_function_environment(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    machine = {"Ref": machine_id(template)}
    common = {
        "DOCPIPE_LEASE_TABLE_NAME": {"Ref": lease_table_id(template)},
        "POWERTOOLS_SERVICE_NAME": "docpipe",
        "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
    }
    expected = {
        START_PIPELINE: {
            "DOCPIPE_STATE_MACHINE_ARN": machine,
            "DOCPIPE_MAX_CONCURRENT_DOCUMENTS": str(DEFAULT_MAX_CONCURRENT_DOCUMENTS),
            "DOCPIPE_PROCESSING_TIMEOUT_SECONDS": str(pipeline_timeout_seconds()),
        },
        EXECUTION_ENDED: {"DOCPIPE_TABLE_NAME": {"Ref": documents_table_id(template)}},
        RECONCILE_LEASES: {
            "DOCPIPE_STATE_MACHINE_ARN": machine,
            "DOCPIPE_LEASE_GRACE_SECONDS": "300",
        },
    }
    for function, variables in expected.items():
        properties = function_of(resources, function.handler)[1]["Properties"]
        assert properties["Environment"]["Variables"] == {**common, **variables}, function


def test_starter_may_start_this_machine_and_consume_the_intake_queue_only(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    role = role_of(function_of(resources, START_PIPELINE.handler)[1])
    queue = arn(logical_id(stack, stack.intake.queue))
    consume = {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }

    assert role_actions(resources, role) == {
        *BASE_ACTIONS,
        *consume,
        "states:StartExecution",
        "states:DescribeExecution",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    }
    assert granted(resources, role, "states:StartExecution") == [{"Ref": machine_id(template)}]
    for action in consume:
        assert granted(resources, role, action) == [queue], action
    leases = arn(lease_table_id(template))
    assert granted(resources, role, "dynamodb:UpdateItem") == [leases]
    # A full house reads the leases and asks whether released ones' executions have ended.
    assert granted(resources, role, "dynamodb:GetItem") == [leases]
    assert granted(resources, role, "states:DescribeExecution") == [executions_of(template)]
    for action in KEY_WRITE:
        assert granted(resources, role, action) == [key_arn(template)]


def test_execution_ended_updates_the_lease_and_document_records_only(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    _, function = function_of(resources, EXECUTION_ENDED.handler)
    role = role_of(function)
    trigger_dead_letters = arn(logical_id(stack, stack.trigger_dead_letter_queue))

    assert role_actions(resources, role) == {
        *BASE_ACTIONS,
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
    }
    tables = granted(resources, role, "dynamodb:UpdateItem")
    assert sorted(map(json.dumps, tables)) == sorted(
        json.dumps(arn(table)) for table in (lease_table_id(template), documents_table_id(template))
    )
    # Status changes it fails on (after Lambda's retries) are kept, not dropped.
    assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": trigger_dead_letters}
    assert granted(resources, role, "sqs:SendMessage") == [trigger_dead_letters]


def test_reconciler_describes_only_this_machines_executions(
    template: Template, resources: Json
) -> None:
    role = role_of(function_of(resources, RECONCILE_LEASES.handler)[1])

    assert role_actions(resources, role) == {
        *BASE_ACTIONS,
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "states:DescribeExecution",
    }
    leases = arn(lease_table_id(template))
    assert granted(resources, role, "dynamodb:GetItem") == [leases]
    assert granted(resources, role, "dynamodb:UpdateItem") == [leases]
    assert granted(resources, role, "states:DescribeExecution") == [executions_of(template)]


def executions_of(template: Template) -> Json:
    """The ARN pattern of the state machine's executions."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":states:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":execution:",
                {"Fn::GetAtt": [machine_id(template), "Name"]},
                ":*",
            ],
        ]
    }


def test_intake_functions_log_to_their_own_encrypted_groups(
    template: Template, resources: Json
) -> None:
    for function in INTAKE_FUNCTIONS:
        _, resource = function_of(resources, function.handler)
        role = role_of(resource)
        log_group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[log_group]["Properties"]["KmsKeyId"] == key_arn(template)
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert granted(resources, role, action) == [arn(log_group)]


# The rules


def lambda_rule(resources: Json, function_id: str) -> tuple[str, Json]:
    """(logical id, properties) of the one rule that targets the function."""
    (found,) = [
        (rule_id, rule["Properties"])
        for rule_id, rule in resources.items()
        if rule["Type"] == "AWS::Events::Rule"
        and [t["Arn"] for t in rule["Properties"]["Targets"]] == [arn(function_id)]
    ]
    return found


def assert_target_retries_into_the_trigger_dead_letter_queue(
    stack: DocpipeStack, resources: Json, rule_id: str, target: Json
) -> None:
    queue_id = logical_id(stack, stack.trigger_dead_letter_queue)
    assert target["DeadLetterConfig"] == {"Arn": arn(queue_id)}
    assert 0 < target["RetryPolicy"]["MaximumRetryAttempts"] <= 185
    assert 60 <= target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400
    (policy,) = [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::SQS::QueuePolicy" and r["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    conditions = [s.get("Condition") for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert {"ArnEquals": {"aws:SourceArn": arn(rule_id)}} in conditions


def assert_only_the_rule_may_invoke(resources: Json, function_id: str, rule_id: str) -> None:
    permissions = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission"
        and r["Properties"]["FunctionName"] == arn(function_id)
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": arn(function_id),
            "Principal": "events.amazonaws.com",
            "SourceArn": arn(rule_id),
        }
    ]


def test_every_terminal_status_of_this_machine_reaches_execution_ended(
    stack: DocpipeStack, template: Template, resources: Json
) -> None:
    function_id, _ = function_of(resources, EXECUTION_ENDED.handler)
    rule_id, rule = lambda_rule(resources, function_id)

    assert rule["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
            "stateMachineArn": [{"Ref": machine_id(template)}],
        },
    }
    (target,) = rule["Targets"]
    assert_target_retries_into_the_trigger_dead_letter_queue(stack, resources, rule_id, target)
    assert_only_the_rule_may_invoke(resources, function_id, rule_id)


def test_timed_out_and_aborted_executions_still_reach_the_pipeline_dead_letter_queue(
    stack: DocpipeStack, resources: Json
) -> None:
    # The status-change rule is added next to ExecutionStopped, not instead of it.
    dead_letters = arn(logical_id(stack, stack.dead_letter_queue))
    (rule,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Events::Rule"
        and [t["Arn"] for t in r["Properties"]["Targets"]] == [dead_letters]
    ]
    assert rule["EventPattern"]["detail"]["$or"][0] == {"status": ["TIMED_OUT", "ABORTED"]}


def test_reconciler_runs_every_five_minutes(stack: DocpipeStack, resources: Json) -> None:
    function_id, _ = function_of(resources, RECONCILE_LEASES.handler)
    rule_id, rule = lambda_rule(resources, function_id)

    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert "EventPattern" not in rule
    (target,) = rule["Targets"]
    assert_target_retries_into_the_trigger_dead_letter_queue(stack, resources, rule_id, target)
    assert_only_the_rule_may_invoke(resources, function_id, rule_id)


# The lease table, outputs, alarms, configuration


def test_lease_table_is_on_demand_encrypted_and_goes_with_the_stack(
    template: Template, resources: Json
) -> None:
    table = resources[lease_table_id(template)]

    assert untagged(table["Properties"]) == {
        "KeySchema": [{"AttributeName": "lock_name", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "lock_name", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {
            "KMSMasterKeyId": key_arn(template),
            "SSEEnabled": True,
            "SSEType": "KMS",
        },
    }
    # It holds only leases: nothing to keep once the stack is gone.
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Delete"


def test_outputs_name_the_intake_queues_and_the_lease_table(
    stack: DocpipeStack, template: Template
) -> None:
    outputs = template.to_json()["Outputs"]

    assert outputs["IntakeQueueUrl"]["Value"] == {"Ref": logical_id(stack, stack.intake.queue)}
    assert outputs["IntakeDeadLetterQueueUrl"]["Value"] == {
        "Ref": logical_id(stack, stack.intake.dead_letter_queue)
    }
    assert outputs["LeaseTableName"]["Value"] == {"Ref": lease_table_id(template)}


def test_the_stacks_alarms_watch_the_intake(stack: DocpipeStack, resources: Json) -> None:
    def dimensions(name: str) -> tuple[str, Json]:
        props = resources[logical_id(stack, stack.monitoring.alarms[name])]["Properties"]
        (dimension,) = props["Dimensions"]
        return props["MetricName"], dimension["Value"]

    intake = {"Fn::GetAtt": [logical_id(stack, stack.intake.queue), "QueueName"]}
    dead_letters = {"Fn::GetAtt": [logical_id(stack, stack.intake.dead_letter_queue), "QueueName"]}
    assert dimensions("IntakeQueueAge") == ("ApproximateAgeOfOldestMessage", intake)
    assert dimensions("IntakeQueueDepth") == ("ApproximateNumberOfMessagesVisible", intake)
    assert dimensions("IntakeDeadLetterQueueNotEmpty") == (
        "ApproximateNumberOfMessagesVisible",
        dead_letters,
    )


def test_context_sets_the_cap_on_running_documents(synth: Callable[..., DocpipeStack]) -> None:
    resources = Template.from_stack(synth({"maxConcurrentDocuments": "3"})).to_json()["Resources"]

    variables = function_of(resources, START_PIPELINE.handler)[1]["Properties"]["Environment"]
    assert variables["Variables"]["DOCPIPE_MAX_CONCURRENT_DOCUMENTS"] == "3"
