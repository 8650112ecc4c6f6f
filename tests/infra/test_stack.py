"""DocpipeStack's template: targeted assertions on what the pipeline relies on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from aws_cdk import Token
from aws_cdk.assertions import Match, Template

from infra.bundling import LAMBDA_RUNTIME
from infra.config import DEFAULT_MODEL_ID, PIPELINE_ASL, TRIGGER_PATTERN
from infra.stack import MODEL_TASKS, TABLE_TASKS, DocpipeStack
from tasks.catalog import RESOURCE_PLACEHOLDERS, TASK_FUNCTIONS

Json = dict[str, Any]

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")
# The IAM action and the ARN-bearing parameter of each service integration the ASL may use.
INTEGRATIONS = {
    "arn:aws:states:::lambda:invoke": ("lambda:InvokeFunction", "FunctionName"),
    "arn:aws:states:::dynamodb:putItem": ("dynamodb:PutItem", "TableName"),
    "arn:aws:states:::dynamodb:updateItem": ("dynamodb:UpdateItem", "TableName"),
    "arn:aws:states:::sqs:sendMessage": ("sqs:SendMessage", "QueueUrl"),
    "arn:aws:states:::sns:publish": ("sns:Publish", "TopicArn"),
}
# AWS SDK integrations of services without resource-level permissions: granted on "*".
SDK_INTEGRATIONS = {
    "arn:aws:states:::aws-sdk:textract:startDocumentTextDetection": (
        "textract:StartDocumentTextDetection"
    ),
    "arn:aws:states:::aws-sdk:textract:getDocumentTextDetection": (
        "textract:GetDocumentTextDetection"
    ),
}


@pytest.fixture(scope="module")
def stack(synth: Callable[..., DocpipeStack]) -> DocpipeStack:
    return synth()


@pytest.fixture(scope="module")
def template(stack: DocpipeStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def resources(template: Template) -> Json:
    resources: Json = template.to_json()["Resources"]
    return resources


# Helpers over the template


def only(found: Mapping[str, Any]) -> tuple[str, Any]:
    """The single (logical id, resource) in `found`."""
    assert len(found) == 1, sorted(found)
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def logical_id_of(template: Template, cfn_type: str, props: Json | None = None) -> str:
    return only(template.find_resources(cfn_type, {"Properties": props} if props else None))[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements_of_role(resources: Json, role_id: str) -> Iterator[Json]:
    """Every statement of every AWS::IAM::Policy attached to the role `role_id`."""
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        if {"Ref": role_id} not in resource["Properties"]["Roles"]:
            continue
        yield from resource["Properties"]["PolicyDocument"]["Statement"]


def granted(resources: Json, role_id: str, action: str) -> list[Any]:
    """The resources on which `role_id` is allowed `action` (exact action names only)."""
    return [
        target
        for statement in statements_of_role(resources, role_id)
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
        for target in as_list(statement["Resource"])
    ]


def role_of(resource: Json) -> str:
    """Logical id of the role a function (`Role`) or state machine (`RoleArn`) runs as."""
    properties = resource["Properties"]
    role = properties["RoleArn" if "RoleArn" in properties else "Role"]
    logical_id: str = role["Fn::GetAtt"][0]
    return logical_id


def functions_by_handler(resources: Json) -> dict[str, tuple[str, Json]]:
    return {
        resource["Properties"]["Handler"]: (logical_id, resource)
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def arn_of(resources: Json, reference: Json) -> Json:
    """The IAM resource ARN of what a definition substitution refers to (Ref or GetAtt)."""
    logical_id = reference["Ref"] if "Ref" in reference else reference["Fn::GetAtt"][0]
    cfn_type = resources[logical_id]["Type"]
    if cfn_type == "AWS::SNS::Topic":
        return {"Ref": logical_id}  # a topic's Ref is its ARN
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def asl_task_calls(states: Json) -> Iterator[tuple[str, str]]:
    """(Resource, placeholder) of every Task in `states`, Map iterations included."""
    for state in states.values():
        if state["Type"] == "Task" and state["Resource"] in SDK_INTEGRATIONS:
            yield state["Resource"], ""
        elif state["Type"] == "Task":
            action_parameter = INTEGRATIONS.get(state["Resource"])
            assert action_parameter, f"no IAM mapping for {state['Resource']}: add it here"
            value = state["Parameters"][action_parameter[1]]
            match = PLACEHOLDER.fullmatch(value)
            assert match, f"{state['Resource']} target is not a placeholder: {value!r}"
            yield state["Resource"], match.group(1)
        for nested in ("ItemProcessor", "Iterator"):
            if nested in state:
                yield from asl_task_calls(state[nested]["States"])
        for branch in state.get("Branches", []):
            yield from asl_task_calls(branch["States"])


# Bucket and trigger


def test_bucket_is_versioned_private_and_notifies_eventbridge_without_custom_resource(
    template: Template,
) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": Match.any_value(),
        },
    )
    template.resource_count_is("Custom::S3BucketNotifications", 0)
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_rule_pattern_is_the_pattern_file_with_bucket_and_prefix(
    template: Template, resources: Json
) -> None:
    bucket_id = logical_id_of(template, "AWS::S3::Bucket")
    text = TRIGGER_PATTERN.read_text(encoding="utf-8")
    assert PLACEHOLDER.findall(text) == ["BucketName", "IncomingPrefix"]
    expected = json.loads(
        text.replace('"${BucketName}"', json.dumps({"Ref": bucket_id})).replace(
            "${IncomingPrefix}", "incoming/"
        )
    )
    _, rule = only(template.find_resources("AWS::Events::Rule"))
    assert rule["Properties"]["EventPattern"] == expected


def test_rule_starts_the_state_machine_with_retries_and_a_dead_letter_queue(
    template: Template, resources: Json
) -> None:
    machine_id = logical_id_of(template, "AWS::StepFunctions::StateMachine")
    _, rule = only(template.find_resources("AWS::Events::Rule"))
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": machine_id}
    queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert resources[queue_id]["Type"] == "AWS::SQS::Queue"
    retry = target["RetryPolicy"]
    assert 0 < retry["MaximumRetryAttempts"] <= 185
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    # EventBridge may start executions, and may write to the dead-letter queue.
    events_role = target["RoleArn"]["Fn::GetAtt"][0]
    assert {"Ref": machine_id} in granted(resources, events_role, "states:StartExecution")
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                            }
                        )
                    ]
                )
            },
        },
    )


# Functions


def test_arm64_functions_on_the_runtime_with_the_catalog_handlers_and_sizes(
    resources: Json,
) -> None:
    functions = functions_by_handler(resources)
    assert set(functions) == {task.handler for task in TASK_FUNCTIONS}
    for task in TASK_FUNCTIONS:
        properties = functions[task.handler][1]["Properties"]
        assert properties["Architectures"] == ["arm64"]
        assert properties["Runtime"] == LAMBDA_RUNTIME.name == "python3.14"
        assert properties["MemorySize"] == task.memory_mb
        assert properties["Timeout"] == task.timeout_seconds
        assert properties["TracingConfig"] == {"Mode": "Active"}


def test_functions_share_one_code_bundle(resources: Json) -> None:
    codes = {
        json.dumps(resource["Properties"]["Code"], sort_keys=True)
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert len(codes) == 1


def test_function_environment(template: Template, resources: Json) -> None:
    bucket_id = logical_id_of(template, "AWS::S3::Bucket")
    table_id = logical_id_of(template, "AWS::DynamoDB::Table")
    for _, function in functions_by_handler(resources).values():
        assert function["Properties"]["Environment"]["Variables"] == {
            "DOCPIPE_ARTIFACT_BUCKET": {"Ref": bucket_id},
            "DOCPIPE_TABLE_NAME": {"Ref": table_id},
            "DOCPIPE_MODEL_PROVIDER": "bedrock",
            "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID,
            "DOCPIPE_BUDGET_MODEL_ID": "",
            "DOCPIPE_MAX_DOCUMENT_TOKENS": "1500000",
            "POWERTOOLS_SERVICE_NAME": "docpipe",
            "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
        }


def test_functions_read_the_bucket_and_write_only_artifacts_and_results(
    template: Template, resources: Json
) -> None:
    bucket_arn = {"Fn::GetAtt": [logical_id_of(template, "AWS::S3::Bucket"), "Arn"]}
    for _, function in functions_by_handler(resources).values():
        role = role_of(function)
        assert {"Fn::Join": ["", [bucket_arn, "/*"]]} in granted(resources, role, "s3:GetObject*")
        assert granted(resources, role, "s3:PutObject") == [
            {"Fn::Join": ["", [bucket_arn, "/artifacts/*"]]},
            {"Fn::Join": ["", [bucket_arn, "/results/*"]]},
        ]
        assert granted(resources, role, "s3:DeleteObject*") == []


def test_only_store_results_reaches_the_table(template: Template, resources: Json) -> None:
    table_arn = {"Fn::GetAtt": [logical_id_of(template, "AWS::DynamoDB::Table"), "Arn"]}
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        role = role_of(functions[task.handler][1])
        writes = granted(resources, role, "dynamodb:PutItem")
        reads = granted(resources, role, "dynamodb:GetItem")
        if task.package in TABLE_TASKS:
            assert table_arn in writes and table_arn in reads
        else:
            assert writes == reads == []


def test_bedrock_is_allowed_on_the_configured_model_only_for_model_tasks(
    resources: Json,
) -> None:
    functions = functions_by_handler(resources)
    expected = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                f"::foundation-model/{DEFAULT_MODEL_ID}",
            ],
        ]
    }
    for task in TASK_FUNCTIONS:
        role = role_of(functions[task.handler][1])
        targets = granted(resources, role, "bedrock:InvokeModel")
        assert targets == ([expected] if task.package in MODEL_TASKS else [])
    # Nothing anywhere grants Bedrock on "*".
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if any(str(a).startswith("bedrock:") for a in as_list(statement["Action"])):
                assert "*" not in as_list(statement["Resource"])


# State machine


def test_state_machine_is_standard_traced_and_logs_everything(template: Template) -> None:
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": [
                    {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": Match.any_value()}}}
                ],
            },
            "DefinitionS3Location": Match.any_value(),
        },
    )


def test_definition_substitutions_match_the_asl_placeholders_both_ways(
    template: Template, resources: Json
) -> None:
    asl_placeholders = set(PLACEHOLDER.findall(PIPELINE_ASL.read_text(encoding="utf-8")))
    _, machine = only(template.find_resources("AWS::StepFunctions::StateMachine"))
    substitutions: Json = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == asl_placeholders
    assert asl_placeholders == {t.placeholder for t in TASK_FUNCTIONS} | set(RESOURCE_PLACEHOLDERS)
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        function_id = functions[task.handler][0]
        assert substitutions[task.placeholder] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert substitutions["DocumentsTableName"] == {
        "Ref": logical_id_of(template, "AWS::DynamoDB::Table")
    }
    topic_id = logical_id_of(template, "AWS::SNS::Topic")
    assert substitutions["CompletionTopicArn"] == {"Ref": topic_id}
    queue_id = substitutions["DeadLetterQueueUrl"]["Ref"]
    assert resources[queue_id]["Type"] == "AWS::SQS::Queue"
    # Only ARNs and names are substituted: every value is a reference, never a literal.
    assert all(set(value) <= {"Ref", "Fn::GetAtt"} for value in substitutions.values())


def test_every_resource_the_asl_calls_is_granted_to_the_state_machine(
    template: Template, resources: Json
) -> None:
    asl = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))
    calls = set(asl_task_calls(asl["States"]))
    assert len(calls) >= 12  # seven functions, two table writes, queue, topic, Textract
    _, machine = only(template.find_resources("AWS::StepFunctions::StateMachine"))
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    role = role_of(machine)
    for resource, placeholder in sorted(calls):
        if resource in SDK_INTEGRATIONS:
            assert "*" in granted(resources, role, SDK_INTEGRATIONS[resource]), resource
            continue
        action = INTEGRATIONS[resource][0]
        expected = arn_of(resources, substitutions[placeholder])
        assert expected in granted(resources, role, action), (resource, placeholder)


def test_state_machine_role_has_nothing_beyond_what_the_asl_needs(
    template: Template, resources: Json
) -> None:
    _, machine = only(template.find_resources("AWS::StepFunctions::StateMachine"))
    actions = {
        action
        for statement in statements_of_role(resources, role_of(machine))
        for action in as_list(statement["Action"])
    }
    service_actions = {a for a in actions if not a.startswith(("logs:", "xray:"))}
    assert service_actions == {
        "lambda:InvokeFunction",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sns:Publish",
        "textract:StartDocumentTextDetection",
        "textract:GetDocumentTextDetection",
        "s3:GetObject",
    }
    # Textract reads only the OCR input files, with this role's permissions.
    (bucket_id,) = [
        k
        for k, v in resources.items()
        if v["Type"] == "AWS::S3::Bucket" and "VersioningConfiguration" in v["Properties"]
    ]
    assert granted(resources, role_of(machine), "s3:GetObject") == [
        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/artifacts/*/ocr-input.*"]]}
    ]


# Table, queues, topic, outputs, environment


def test_table_is_on_demand_keyed_by_document_id_with_pitr(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "document_id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "document_id", "AttributeType": "S"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_queues_keep_messages_14_days_and_require_tls(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 2  # the pipeline's dead-letter queue and the trigger's
    for queue_id, queue in queues.items():
        assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": queue_id}],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                },
            },
        )


def test_outputs_name_the_bucket_topic_state_machine_and_queue(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    for name in ("BucketName", "CompletionTopicArn", "StateMachineArn", "DeadLetterQueueUrl"):
        assert name in outputs


def test_stack_is_environment_agnostic(stack: DocpipeStack) -> None:
    # Synth asked AWS for nothing: account and region stay deploy-time references.
    assert Token.is_unresolved(stack.account)
    assert Token.is_unresolved(stack.region)


# Configuration through context


@pytest.fixture(scope="module")
def configured(synth: Callable[..., DocpipeStack]) -> Json:
    stack = synth(
        {
            "modelId": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "incomingPrefix": "inbox/",
            "budgetModelId": "amazon.nova-micro-v1:0",
            "maxDocumentTokens": 200000,
        }
    )
    resources: Json = Template.from_stack(stack).to_json()["Resources"]
    return resources


def test_context_sets_the_incoming_prefix(configured: Json) -> None:
    (rule,) = [r for r in configured.values() if r["Type"] == "AWS::Events::Rule"]
    assert rule["Properties"]["EventPattern"]["detail"]["object"]["key"] == [{"prefix": "inbox/"}]


def test_context_inference_profile_grants_the_profile_and_its_model(configured: Json) -> None:
    functions = functions_by_handler(configured)
    task = next(t for t in TASK_FUNCTIONS if t.package in MODEL_TASKS)
    function = functions[task.handler][1]
    model_id = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert function["Properties"]["Environment"]["Variables"]["DOCPIPE_MODEL_ID"] == model_id
    targets = json.dumps(granted(configured, role_of(function), "bedrock:InvokeModel"))
    assert f":inference-profile/{model_id}" in targets
    assert ":bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" in targets


def test_context_budget_model_is_configured_and_granted(configured: Json) -> None:
    functions = functions_by_handler(configured)
    for task in TASK_FUNCTIONS:
        function = functions[task.handler][1]
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["DOCPIPE_BUDGET_MODEL_ID"] == "amazon.nova-micro-v1:0"
        assert variables["DOCPIPE_MAX_DOCUMENT_TOKENS"] == "200000"
        targets = json.dumps(granted(configured, role_of(function), "bedrock:InvokeModel"))
        assert (":foundation-model/amazon.nova-micro-v1:0" in targets) == (
            task.package in MODEL_TASKS
        )
