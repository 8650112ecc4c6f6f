"""DocpipeStack's template: targeted assertions on what the pipeline relies on."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Token
from aws_cdk.assertions import Match, Template
from templates import (
    DENIES_WITHOUT_TLS,
    Json,
    as_list,
    documents_table_id,
    functions_by_handler,
    granted,
    key_arn,
    lease_table_id,
    logical_id,
    logical_id_of,
    only,
    pipeline_machine,
    role_actions,
    role_of,
    statements_of_role,
)

from infra.bundling import LAMBDA_RUNTIME
from infra.config import (
    DEFAULT_MODEL_CONCURRENCY,
    DEFAULT_MODEL_ID,
    DOCUMENTS_BY_KEY_INDEX,
    DOCUMENTS_BY_KEY_PARTITION,
    DOCUMENTS_BY_KEY_SORT,
    PIPELINE_ASL,
    TRIGGER_PATTERN,
)
from infra.stack import (
    LABELS_TASKS,
    MODEL_TASKS,
    TABLE_TASKS,
    TEXTRACT_TASKS,
    DocpipeStack,
    object_access,
)
from tasks.catalog import (
    BATCH_LANE,
    INTAKE_FUNCTIONS,
    RESOURCE_PLACEHOLDERS,
    START_PIPELINE,
    TASK_FUNCTIONS,
)
from tasks.shared import storage
from tasks.shared.labels import DEFAULT_LABELS_FILE

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")
# The IAM action and the ARN-bearing parameter of each service integration the ASL may use.
INTEGRATIONS = {
    "arn:aws:states:::lambda:invoke": ("lambda:InvokeFunction", "FunctionName"),
    "arn:aws:states:::lambda:invoke.waitForTaskToken": ("lambda:InvokeFunction", "FunctionName"),
    "arn:aws:states:::dynamodb:getItem": ("dynamodb:GetItem", "TableName"),
    "arn:aws:states:::dynamodb:putItem": ("dynamodb:PutItem", "TableName"),
    "arn:aws:states:::dynamodb:updateItem": ("dynamodb:UpdateItem", "TableName"),
    "arn:aws:states:::sqs:sendMessage": ("sqs:SendMessage", "QueueUrl"),
    "arn:aws:states:::sns:publish": ("sns:Publish", "TopicArn"),
}
# What a writer (SendMessage, Publish, PutItem...) needs on the key of what it writes.
KEY_WRITE = {"kms:Decrypt", "kms:GenerateDataKey"}
# AWS SDK integrations of services without resource-level permissions: granted on "*".
SDK_INTEGRATIONS = {
    "arn:aws:states:::aws-sdk:textract:startDocumentTextDetection": (
        "textract:StartDocumentTextDetection"
    ),
    "arn:aws:states:::aws-sdk:textract:getDocumentTextDetection": (
        "textract:GetDocumentTextDetection"
    ),
}


# Helpers over the template


def upload_rule(template: Template) -> tuple[str, Any]:
    """(logical id, resource) of the rule that starts the pipeline on uploads."""
    return only(
        template.find_resources(
            "AWS::Events::Rule", {"Properties": {"EventPattern": {"source": ["aws.s3"]}}}
        )
    )


def documents_bucket_id(resources: Json) -> str:
    """The documents bucket: the versioned one (the other receives its access logs)."""
    (bucket_id,) = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::S3::Bucket"
        and "VersioningConfiguration" in resource["Properties"]
    ]
    return bucket_id


def completion_topic_id(template: Template) -> str:
    """The topic the ASL publishes to (other topics, such as an alarm topic, may exist)."""
    _, machine = pipeline_machine(template)
    topic_id: str = machine["Properties"]["DefinitionSubstitutions"]["CompletionTopicArn"]["Ref"]
    return topic_id


def object_arn(bucket_id: str, key: str) -> Json:
    return {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{key}"]]}


def policy_statements(value: Any) -> Iterator[Json]:
    """Every statement of every policy document anywhere in `value` (a template part)."""
    if isinstance(value, dict):
        if isinstance(value.get("Statement"), list) and "Version" in value:
            yield from value["Statement"]
        for item in value.values():
            yield from policy_statements(item)
    elif isinstance(value, list):
        for item in value:
            yield from policy_statements(item)


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


# Buckets and trigger


def test_documents_bucket_is_versioned_private_encrypted_logged_and_notifies_eventbridge(
    template: Template, resources: Json
) -> None:
    bucket = resources[documents_bucket_id(resources)]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": key_arn(template),
            },
        }
    ]
    log_bucket_id = bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert log_bucket_id != documents_bucket_id(resources)
    template.resource_count_is("Custom::S3BucketNotifications", 0)


@pytest.mark.parametrize("which", ["documents", "access logs"])
def test_buckets_refuse_plain_http(template: Template, resources: Json, which: str) -> None:
    documents = documents_bucket_id(resources)
    (bucket_id,) = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::S3::Bucket"
        and (logical_id == documents) == (which == "documents")
    ]
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {"Statement": DENIES_WITHOUT_TLS},
        },
    )


def test_access_log_bucket_is_private_s3_encrypted_expiring_and_written_only_by_s3_logging(
    template: Template, resources: Json
) -> None:
    documents = documents_bucket_id(resources)
    log_bucket_id = resources[documents]["Properties"]["LoggingConfiguration"][
        "DestinationBucketName"
    ]["Ref"]
    log_bucket = resources[log_bucket_id]
    properties = log_bucket["Properties"]
    # Server access log delivery supports SSE-S3 only as the destination's default encryption.
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert all(properties["PublicAccessBlockConfiguration"].values())
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and 0 < rule["ExpirationInDays"] <= 3650
    assert log_bucket["DeletionPolicy"] == "Retain"
    (policy,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy"
        and r["Properties"]["Bucket"] == {"Ref": log_bucket_id}
    ]
    allows = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    prefix = resources[documents]["Properties"]["LoggingConfiguration"]["LogFilePrefix"]
    assert allows == [
        {
            "Action": "s3:PutObject",
            "Condition": {
                "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [documents, "Arn"]}},
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            },
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Resource": object_arn(log_bucket_id, f"{prefix}*"),
        }
    ]


def test_rule_pattern_is_the_pattern_file_with_bucket_and_prefix(
    template: Template, resources: Json
) -> None:
    bucket_id = documents_bucket_id(resources)
    text = TRIGGER_PATTERN.read_text(encoding="utf-8")
    assert set(PLACEHOLDER.findall(text)) == {"BucketName", "IncomingPrefix"}
    expected = json.loads(
        text.replace('"${BucketName}"', json.dumps({"Ref": bucket_id})).replace(
            "${IncomingPrefix}", "incoming/"
        )
    )
    _, rule = upload_rule(template)
    assert rule["Properties"]["EventPattern"] == expected


def test_rule_queues_uploads_in_the_intake_queue_with_retries_and_a_dead_letter_queue(
    template: Template, resources: Json, stack: DocpipeStack
) -> None:
    rule_id, rule = upload_rule(template)
    (target,) = rule["Properties"]["Targets"]
    intake_id = logical_id(stack, stack.intake.queue)
    assert target["Arn"] == {"Fn::GetAtt": [intake_id, "Arn"]}
    assert "RoleArn" not in target  # the queue's own policy lets EventBridge send
    queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert queue_id == logical_id(stack, stack.trigger_dead_letter_queue)
    retry = target["RetryPolicy"]
    assert 0 < retry["MaximumRetryAttempts"] <= 185
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    # Only this rule may write to the intake queue ...
    (policy,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::SQS::QueuePolicy"
        and r["Properties"]["Queues"] == [{"Ref": intake_id}]
    ]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    from_the_rule = {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
    assert allows == [
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Resource": {"Fn::GetAtt": [intake_id, "Arn"]},
            "Condition": from_the_rule,
        }
    ]
    # ... it may write to the dead-letter queue too, and EventBridge may use their key
    # through SQS.
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
                                "Condition": from_the_rule,
                            }
                        )
                    ]
                )
            },
        },
    )
    (statement,) = [
        s for s in key_policy(template) if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert set(as_list(statement["Action"])) == KEY_WRITE
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", ["sqs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
        }
    }


def test_only_the_starter_may_start_executions_and_only_of_this_machine(
    template: Template, resources: Json
) -> None:
    machine_id = pipeline_machine(template)[0]
    starters = [
        role_id
        for role_id, role in resources.items()
        if role["Type"] == "AWS::IAM::Role"
        and {"Ref": machine_id} in granted(resources, role_id, "states:StartExecution")
    ]
    _, function = functions_by_handler(resources)[START_PIPELINE.handler]
    assert starters == [role_of(function)]
    assert granted(resources, starters[0], "states:StartExecution") == [{"Ref": machine_id}]


def test_the_backfill_lists_the_bucket_and_sends_to_the_intake_queue_only(
    template: Template, resources: Json
) -> None:
    found = template.find_resources("AWS::StepFunctions::StateMachine")
    (backfill_id,) = [k for k in found if k.startswith("Backfill")]
    backfill = found[backfill_id]["Properties"]
    assert backfill["StateMachineName"] == "Docpipe-Backfill"
    substitutions = backfill["DefinitionSubstitutions"]
    assert substitutions["BackfillExecutionType"] == "EXPRESS"
    role = backfill["RoleArn"]["Fn::GetAtt"][0]
    assert granted(resources, role, "sqs:SendMessage") == [
        {
            "Fn::GetAtt": [
                logical_id_of(template, "AWS::SQS::Queue", {"VisibilityTimeout": 360}),
                "Arn",
            ]
        }
    ]
    assert granted(resources, role, "s3:ListBucket")
    assert not granted(resources, role, "s3:PutObject")
    assert not granted(resources, role, "lambda:InvokeFunction")
    started = granted(resources, role, "states:StartExecution")
    assert len(started) == 1 and "Docpipe-Backfill" in json.dumps(started)


# Encryption


def key_policy(template: Template) -> list[Json]:
    _, key = only(template.find_resources("AWS::KMS::Key"))
    statements: list[Json] = key["Properties"]["KeyPolicy"]["Statement"]
    return statements


def test_one_customer_managed_key_rotated_retained_and_aliased(
    template: Template, stack: DocpipeStack
) -> None:
    key_id, key = only(template.find_resources("AWS::KMS::Key"))
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    _, alias = only(template.find_resources("AWS::KMS::Alias"))
    assert alias["Properties"] == {
        "AliasName": f"alias/{stack.stack_name}",
        "TargetKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert stack.resolve(stack.encryption_key.key_arn) == {"Fn::GetAtt": [key_id, "Arn"]}


def test_every_resource_that_takes_a_key_uses_the_stack_key(
    template: Template, resources: Json
) -> None:
    key = key_arn(template)
    by_type = {
        "AWS::DynamoDB::Table": lambda p: p["SSESpecification"]["KMSMasterKeyId"],
        "AWS::SQS::Queue": lambda p: p["KmsMasterKeyId"],
        "AWS::SNS::Topic": lambda p: p["KmsMasterKeyId"],
        "AWS::Logs::LogGroup": lambda p: p["KmsKeyId"],
        "AWS::StepFunctions::StateMachine": lambda p: p["EncryptionConfiguration"]["KmsKeyId"],
    }
    counts = dict.fromkeys(by_type, 0)
    for resource in resources.values():
        if resource["Type"] in by_type:
            assert by_type[resource["Type"]](resource["Properties"]) == key, resource
            counts[resource["Type"]] += 1
    # The documents and lease tables, four queues (the pipeline's and the trigger's
    # dead-letter queues, the intake queue and its dead-letter queue), the completion topic
    # (and an alarm topic, if any), a log group per function and the machine's, the machine.
    assert counts.pop("AWS::SNS::Topic") >= 1
    assert counts == {
        "AWS::DynamoDB::Table": 2,
        "AWS::SQS::Queue": 7,
        "AWS::Logs::LogGroup": len(TASK_FUNCTIONS) + len(INTAKE_FUNCTIONS) + 2,
        "AWS::StepFunctions::StateMachine": 2,
    }
    _, machine = pipeline_machine(template)
    assert machine["Properties"]["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"


def test_key_policy_lets_cloudwatch_logs_use_the_key_only_for_log_groups(
    template: Template,
) -> None:
    (statement,) = [
        s
        for s in key_policy(template)
        if "Fn::Join" in json.dumps(s.get("Principal", {})) and "logs." in json.dumps(s)
    ]
    assert statement["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    log_groups = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert json.dumps(log_groups).endswith(':log-group:*"]]}')


def test_no_policy_statement_allows_a_wildcard_action(resources: Json) -> None:
    # Every policy document in the template: IAM policies, bucket, queue, topic and key
    # policies. Deny statements (TLS only) may name whole services.
    statements = list(policy_statements(resources))
    assert len(statements) > 20
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        assert "NotAction" not in statement, statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement


# Functions


def test_arm64_functions_on_the_runtime_with_the_catalog_handlers_and_sizes(
    resources: Json,
) -> None:
    functions = functions_by_handler(resources)
    every = (*TASK_FUNCTIONS, *INTAKE_FUNCTIONS)
    assert set(functions) == {function.handler for function in every}
    for task in every:
        properties = functions[task.handler][1]["Properties"]
        assert properties["Architectures"] == ["arm64"]
        assert properties["Runtime"] == LAMBDA_RUNTIME.name == "python3.14"
        assert properties["MemorySize"] == task.memory_mb
        assert properties["Timeout"] == task.timeout_seconds
        assert properties["TracingConfig"] == {"Mode": "Active"}


def test_model_functions_reserve_the_model_concurrency_and_the_others_do_not(
    resources: Json,
) -> None:
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        reserved = functions[task.handler][1]["Properties"].get("ReservedConcurrentExecutions")
        assert reserved == (DEFAULT_MODEL_CONCURRENCY if task.package in MODEL_TASKS else None)


def test_each_function_has_a_code_bundle_of_its_own(resources: Json) -> None:
    codes = [
        json.dumps(resource["Properties"]["Code"], sort_keys=True)
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]
    assert len(codes) == len(set(codes)) == len(TASK_FUNCTIONS) + len(INTAKE_FUNCTIONS)


def common_environment(resources: Json, template: Template) -> Json:
    return {
        "DOCPIPE_ARTIFACT_BUCKET": {"Ref": documents_bucket_id(resources)},
        "DOCPIPE_TABLE_NAME": {"Ref": documents_table_id(template)},
        "DOCPIPE_MODEL_PROVIDER": "bedrock",
        "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID,
        "DOCPIPE_BUDGET_MODEL_ID": "",
        "DOCPIPE_MAX_DOCUMENT_TOKENS": "1500000",
        "DOCPIPE_MODEL_CALLS_PER_DOCUMENT": "4",
        "DOCPIPE_MAX_DOCUMENT_BYTES": str(50 * 1024 * 1024),
        "DOCPIPE_MAX_PAGES": "2000",
        "DOCPIPE_MAX_CHARACTERS": "20000000",
        "DOCPIPE_MAX_EXTRACT_SECONDS": "240",
        "POWERTOOLS_SERVICE_NAME": "docpipe",
        "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
    }


def test_function_environment(template: Template, resources: Json) -> None:
    expected = common_environment(resources, template)
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        variables = functions[task.handler][1]["Properties"]["Environment"]["Variables"]
        if task.package == BATCH_LANE:
            lane = {k: variables.pop(k) for k in list(variables) if k.startswith("DOCPIPE_BATCH_")}
            assert set(lane) == {
                "DOCPIPE_BATCH_REQUESTS_QUEUE_URL",
                "DOCPIPE_BATCH_RESUME_QUEUE_URL",
                "DOCPIPE_BATCH_ROLE_ARN",
                "DOCPIPE_BATCH_MIN_RECORDS",
                "DOCPIPE_BATCH_MAX_WAIT_SECONDS",
            }
            assert (lane["DOCPIPE_BATCH_MIN_RECORDS"], lane["DOCPIPE_BATCH_MAX_WAIT_SECONDS"]) == (
                "100",
                "3600",
            )
        if task.package in LABELS_TASKS:
            assert variables == {**expected, "DOCPIPE_LABELS_FILE": "/opt/labels.json"}
        else:
            assert variables == expected


def test_only_classify_gets_the_labels_layer(template: Template, resources: Json) -> None:
    layer_id, layer = only(template.find_resources("AWS::Lambda::LayerVersion"))
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        layers = functions[task.handler][1]["Properties"].get("Layers")
        assert layers == ([{"Ref": layer_id}] if task.package in LABELS_TASKS else None)


def test_labels_layer_holds_only_the_configured_file(
    synth: Callable[..., DocpipeStack], tmp_path: Path
) -> None:
    # Given a labels file next to other files
    labels = tmp_path / "labels" / "my-labels.json"
    labels.parent.mkdir()
    labels.write_text(DEFAULT_LABELS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    (labels.parent / "notes.txt").write_text("not deployed", encoding="utf-8")
    (labels.parent / ".hidden").write_text("not deployed", encoding="utf-8")

    # When the stack is synthesized with it
    out = tmp_path / "out"
    stack = synth({"labelsFile": str(labels)}, outdir=out)
    template = Template.from_stack(stack).to_json()

    # Then the layer's asset is that file alone, and Classify Document reads it
    (layer,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion"
    ]
    asset = out / f"asset.{layer['Properties']['Content']['S3Key'].removesuffix('.zip')}"
    assert sorted(p.name for p in asset.iterdir()) == ["my-labels.json"]
    assert (asset / "my-labels.json").read_bytes() == labels.read_bytes()
    (classify,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Handler"] == "tasks.classify_document.handler.handler"
    ]
    variables = classify["Properties"]["Environment"]["Variables"]
    assert variables["DOCPIPE_LABELS_FILE"] == "/opt/my-labels.json"


def test_object_access_patterns_match_the_keys_the_tasks_use() -> None:
    access = object_access("incoming/")
    assert set(access) == {task.package for task in TASK_FUNCTIONS}
    doc = "0123abcd"

    def allowed(task: str, key: str, kind: str) -> bool:
        entry = access[task]
        patterns = {
            "read": entry.reads + entry.version_reads,
            "version": entry.version_reads,
            "write": entry.writes,
        }[kind]
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)

    # tasks/<task>/task.py, key by key
    assert allowed("extract_text", "incoming/a b+c (1).pdf", "version")
    assert allowed("extract_text", storage.text_key(doc), "write")
    assert allowed("extract_text", storage.ocr_input_key(doc, "pdf"), "write")
    assert allowed("merge_ocr_text", storage.text_key(doc), "read")
    assert allowed("merge_ocr_text", storage.text_key(doc), "write")
    assert allowed("chunk_text", storage.text_key(doc), "read")
    assert allowed("chunk_text", storage.chunk_key(doc, 12), "write")
    assert allowed("summarize_text", storage.chunk_key(doc, 12), "read")
    assert allowed("summarize_text", storage.chunk_summary_key(doc, 12), "write")
    assert allowed("summarize_text", storage.summary_key(doc), "write")
    assert allowed("combine_summaries", storage.chunk_summary_key(doc, 12), "read")
    assert allowed("combine_summaries", storage.summary_key(doc), "write")
    assert allowed("classify_document", storage.text_key(doc), "read")
    assert allowed("classify_document", storage.summary_key(doc), "read")
    assert allowed("store_results", storage.summary_key(doc), "read")
    assert allowed("store_results", storage.result_key(doc), "write")
    # ... and nothing beyond: no task writes the uploads, reads results, or overwrites text
    # it does not produce.
    for task in access:
        assert not allowed(task, "incoming/x.pdf", "write")
        assert not allowed(task, storage.result_key(doc), "read")
    assert not allowed("classify_document", storage.summary_key(doc), "write")
    assert not allowed("chunk_text", storage.text_key(doc), "write")
    assert not allowed("store_results", storage.text_key(doc), "read")


def test_each_function_gets_exactly_its_object_access_and_key_use(
    template: Template, resources: Json
) -> None:
    bucket_id = documents_bucket_id(resources)
    access = object_access("incoming/")
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        role = role_of(functions[task.handler][1])
        entry = access[task.package]
        expected = {
            *(("s3:GetObject", key) for key in entry.reads + entry.version_reads),
            *(("s3:GetObjectVersion", key) for key in entry.version_reads),
            *(("s3:PutObject", key) for key in entry.writes),
        }
        if task.package == BATCH_LANE:  # it lists a job's answers, deletes its waiting work
            expected.add(("s3:DeleteObject", "artifacts/batch/waiting/*"))
        actual = {
            (action, json.dumps(target))
            for statement in statements_of_role(resources, role)
            for action in as_list(statement["Action"])
            if action.startswith("s3:")
            for target in as_list(statement["Resource"])
        }
        actual.discard(("s3:ListBucket", json.dumps({"Fn::GetAtt": [bucket_id, "Arn"]})))
        assert actual == {(a, json.dumps(object_arn(bucket_id, k))) for a, k in expected}, task
        key_actions = {a for a in role_actions(resources, role) if a.startswith("kms:")}
        assert key_actions == set(entry.key_actions), task
        for action in key_actions:
            assert granted(resources, role, action) == [key_arn(template)]


def test_function_roles_allow_only_their_services(template: Template, resources: Json) -> None:
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        _, function = functions[task.handler]
        role = role_of(function)
        assert "ManagedPolicyArns" not in resources[role]["Properties"]
        services = {a for a in role_actions(resources, role) if not a.startswith(("s3:", "kms:"))}
        expected = {
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }
        if task.package in MODEL_TASKS:
            expected.add("bedrock:InvokeModel")
        if task.package in TABLE_TASKS:
            expected.add("dynamodb:UpdateItem")
        if task.package in TEXTRACT_TASKS:
            expected.add("textract:GetDocumentTextDetection")
        if task.package == BATCH_LANE:
            expected |= {
                "sqs:SendMessage",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "bedrock:CreateModelInvocationJob",
                "bedrock:GetModelInvocationJob",
                "iam:PassRole",
                "states:SendTaskSuccess",
                "states:SendTaskFailure",
                "dynamodb:UpdateItem",
            }
        assert services == expected, task.package
        # Logs go to the function's own log group only.
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert granted(resources, role, action) == [{"Fn::GetAtt": [log_group, "Arn"]}]


def test_only_store_results_reaches_the_table(template: Template, resources: Json) -> None:
    table_arn = {"Fn::GetAtt": [documents_table_id(template), "Arn"]}
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        role = role_of(functions[task.handler][1])
        table_actions = {a for a in role_actions(resources, role) if a.startswith("dynamodb:")}
        if task.package in TABLE_TASKS:
            assert table_actions == {"dynamodb:UpdateItem"}
            assert granted(resources, role, "dynamodb:UpdateItem") == [table_arn]
        elif task.package == BATCH_LANE:  # it gives the document's lease back, nothing more
            assert granted(resources, role, "dynamodb:UpdateItem") == [
                {"Fn::GetAtt": [lease_table_id(template), "Arn"]}
            ]
        else:
            assert table_actions == set()


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


def test_no_resource_names_its_role_in_depends_on(resources: Json) -> None:
    # cfn-lint W3005: the GetAtt on the role already orders the resource after it; the
    # role's policies (which nothing references) stay in DependsOn.
    for resource_id, resource in resources.items():
        if resource["Type"] not in ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"):
            continue
        role = role_of(resource)
        depends_on = as_list(resource.get("DependsOn", []))
        assert role not in depends_on, resource_id
        policies = [
            policy_id
            for policy_id, policy in resources.items()
            if policy["Type"] == "AWS::IAM::Policy"
            and {"Ref": role} in policy["Properties"]["Roles"]
        ]
        assert policies and depends_on == policies, resource_id


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
    # Log delivery decrypts the encrypted execution data on its way into the log group.
    statements = [
        s
        for s in key_policy(template)
        if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}
    ]
    assert [s["Action"] for s in statements] == ["kms:Decrypt"]


def test_definition_substitutions_match_the_asl_placeholders_both_ways(
    template: Template, resources: Json
) -> None:
    asl_placeholders = set(PLACEHOLDER.findall(PIPELINE_ASL.read_text(encoding="utf-8")))
    _, machine = pipeline_machine(template)
    substitutions: Json = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == asl_placeholders
    assert asl_placeholders == {t.placeholder for t in TASK_FUNCTIONS} | set(RESOURCE_PLACEHOLDERS)
    functions = functions_by_handler(resources)
    for task in TASK_FUNCTIONS:
        function_id = functions[task.handler][0]
        assert substitutions[task.placeholder] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert substitutions["DocumentsTableName"] == {"Ref": documents_table_id(template)}
    assert substitutions["LeaseTableName"] == {"Ref": lease_table_id(template)}
    topic_id = substitutions["CompletionTopicArn"]["Ref"]
    assert resources[topic_id]["Type"] == "AWS::SNS::Topic"
    queue_id = substitutions["DeadLetterQueueUrl"]["Ref"]
    assert resources[queue_id]["Type"] == "AWS::SQS::Queue"
    # Only ARNs and names are substituted: every value is a reference, never a literal, but
    # the batch lane's key pattern (batchPrefix).
    assert substitutions.pop("BatchKeyPattern") == "incoming/batch/*"
    assert all(set(value) <= {"Ref", "Fn::GetAtt"} for value in substitutions.values())


def encryption_key_of(resource: Json) -> Json | None:
    """The KMS key (as the template refers to it) a table, queue, topic or bucket uses."""
    properties = resource["Properties"]
    if resource["Type"] == "AWS::DynamoDB::Table":
        key: Json = properties["SSESpecification"]["KMSMasterKeyId"]
        return key
    if resource["Type"] in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        key = properties["KmsMasterKeyId"]
        return key
    if resource["Type"] == "AWS::S3::Bucket":
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        key = rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        return key
    return None


def test_every_resource_the_asl_calls_is_granted_to_the_state_machine(
    template: Template, resources: Json
) -> None:
    asl = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))
    calls = set(asl_task_calls(asl["States"]))
    # seven functions, table reads and writes, the lease release, queue, topic, Textract
    assert len(calls) >= 12
    assert ("arn:aws:states:::dynamodb:updateItem", "LeaseTableName") in calls
    assert ("arn:aws:states:::dynamodb:getItem", "DocumentsTableName") in calls
    _, machine = pipeline_machine(template)
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    role = role_of(machine)
    for resource, placeholder in sorted(calls):
        if resource in SDK_INTEGRATIONS:
            assert "*" in granted(resources, role, SDK_INTEGRATIONS[resource]), resource
            continue
        action = INTEGRATIONS[resource][0]
        expected = arn_of(resources, substitutions[placeholder])
        assert expected in granted(resources, role, action), (resource, placeholder)
        # What the machine writes is encrypted: it may use that key to write.
        target = resources[expected.get("Ref") or expected["Fn::GetAtt"][0]]
        key = encryption_key_of(target)
        if key is not None:
            for key_action in KEY_WRITE:
                assert key in granted(resources, role, key_action), (resource, key_action)
    # Textract reads the OCR input, encrypted in the documents bucket, as this role.
    bucket = resources[documents_bucket_id(resources)]
    assert encryption_key_of(bucket) in granted(resources, role, "kms:Decrypt")
    # And the machine encrypts its own execution history with the key it is configured with.
    history_key = machine["Properties"]["EncryptionConfiguration"]["KmsKeyId"]
    for key_action in KEY_WRITE:
        assert history_key in granted(resources, role, key_action)


def test_state_machine_role_has_nothing_beyond_what_the_asl_needs(
    template: Template, resources: Json
) -> None:
    _, machine = pipeline_machine(template)
    role = role_of(machine)
    service_actions = {
        a for a in role_actions(resources, role) if not a.startswith(("logs:", "xray:"))
    }
    assert service_actions == {
        "lambda:InvokeFunction",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
        "sns:Publish",
        "textract:StartDocumentTextDetection",
        "textract:GetDocumentTextDetection",
        "s3:GetObject",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    }
    # The seven functions as the ASL names them (unqualified ARNs), no versions or aliases.
    assert sorted(map(json.dumps, granted(resources, role, "lambda:InvokeFunction"))) == sorted(
        json.dumps({"Fn::GetAtt": [functions_by_handler(resources)[task.handler][0], "Arn"]})
        for task in TASK_FUNCTIONS
    )
    # The documents table is read (content dedup), put and updated; the lease table only
    # updated (the lease release).
    documents = {"Fn::GetAtt": [documents_table_id(template), "Arn"]}
    leases = {"Fn::GetAtt": [lease_table_id(template), "Arn"]}
    assert granted(resources, role, "dynamodb:GetItem") == [documents]
    assert granted(resources, role, "dynamodb:PutItem") == [documents]
    assert sorted(map(json.dumps, granted(resources, role, "dynamodb:UpdateItem"))) == sorted(
        map(json.dumps, [documents, leases])
    )
    # Textract reads only the OCR input files, with this role's permissions.
    bucket_id = documents_bucket_id(resources)
    assert granted(resources, role, "s3:GetObject") == [
        object_arn(bucket_id, storage.ocr_input_key("*", "*"))
    ]
    for action in KEY_WRITE:
        assert granted(resources, role, action) == [key_arn(template)]


# Table, queues, topic, outputs, environment


def test_table_is_on_demand_keyed_by_document_id_with_pitr(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "document_id", "KeyType": "HASH"}],
            "AttributeDefinitions": Match.array_with(
                [{"AttributeName": "document_id", "AttributeType": "S"}]
            ),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_table_indexes_records_by_the_object_key_register_document_writes(
    template: Template,
) -> None:
    # The index's keys are attributes Register Document puts, as strings
    asl = json.loads(PIPELINE_ASL.read_text())
    item = asl["States"]["Register Document"]["Parameters"]["Item"]
    for name in (DOCUMENTS_BY_KEY_PARTITION, DOCUMENTS_BY_KEY_SORT):
        assert list(item[name]) == ["S.$"], name
    # and the documents table has it, every attribute projected (`docpipe status`)
    table = template.find_resources("AWS::DynamoDB::Table")[documents_table_id(template)]
    properties = table["Properties"]
    assert properties["GlobalSecondaryIndexes"] == [
        {
            "IndexName": DOCUMENTS_BY_KEY_INDEX,
            "KeySchema": [
                {"AttributeName": DOCUMENTS_BY_KEY_PARTITION, "KeyType": "HASH"},
                {"AttributeName": DOCUMENTS_BY_KEY_SORT, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": name, "AttributeType": "S"}
        for name in sorted(("document_id", DOCUMENTS_BY_KEY_PARTITION, DOCUMENTS_BY_KEY_SORT))
    ]


def test_queues_keep_messages_14_days_and_require_tls(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    # the pipeline's, the trigger's and the intake's DLQs, the intake, the batch lane's
    # requests and resume queues and their DLQ
    assert len(queues) == 7
    for queue_id, queue in queues.items():
        assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": queue_id}],
                "PolicyDocument": {"Statement": DENIES_WITHOUT_TLS},
            },
        )


def test_topic_requires_tls(template: Template) -> None:
    topic_id = completion_topic_id(template)
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic_id}],
            "PolicyDocument": {"Statement": DENIES_WITHOUT_TLS},
        },
    )


def test_outputs_name_every_resource_an_operator_uses(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    for name in (
        "BucketName",
        "IncomingPrefix",
        "CompletionTopicArn",
        "StateMachineArn",
        "DeadLetterQueueUrl",
        "TriggerDeadLetterQueueUrl",
        "DocumentsTableName",
        "IntakeQueueUrl",
        "IntakeDeadLetterQueueUrl",
        "LeaseTableName",
        "EncryptionKeyArn",
        "AccessLogBucketName",
    ):
        assert name in outputs
    assert outputs["EncryptionKeyArn"]["Value"] == key_arn(template)
    assert outputs["LeaseTableName"]["Value"] == {"Ref": lease_table_id(template)}
    assert outputs["IncomingPrefix"]["Value"] == "incoming/"  # `docpipe smoke` uploads there


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
            "maxDocumentBytes": "1048576",
            "maxPages": 50,
            "maxCharacters": 100000,
            "maxExtractSeconds": 60,
            "modelConcurrency": "3",
            "modelCallsPerDocument": "2",
        }
    )
    resources: Json = Template.from_stack(stack).to_json()["Resources"]
    return resources


def test_context_sets_the_incoming_prefix_and_what_extract_text_may_read(
    configured: Json,
) -> None:
    (rule,) = [
        r
        for r in configured.values()
        if r["Type"] == "AWS::Events::Rule"
        and r["Properties"].get("EventPattern", {}).get("source") == ["aws.s3"]
    ]
    keys = [b["object"]["key"] for b in rule["Properties"]["EventPattern"]["detail"]["$or"]]
    assert keys == [[{"prefix": "inbox/"}], [{"wildcard": "inbox/*.*"}]]
    functions = functions_by_handler(configured)
    role = role_of(functions["tasks.extract_text.handler.handler"][1])
    targets = granted(configured, role, "s3:GetObjectVersion")
    assert targets == [object_arn(documents_bucket_id(configured), "inbox/*")]


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


def test_context_sets_the_limits_and_the_model_concurrency(configured: Json) -> None:
    for task in TASK_FUNCTIONS:
        _, function = functions_by_handler(configured)[task.handler]
        properties = function["Properties"]
        variables = properties["Environment"]["Variables"]
        assert variables["DOCPIPE_MAX_DOCUMENT_BYTES"] == "1048576"
        assert variables["DOCPIPE_MAX_PAGES"] == "50"
        assert variables["DOCPIPE_MAX_CHARACTERS"] == "100000"
        assert variables["DOCPIPE_MAX_EXTRACT_SECONDS"] == "60"
        assert variables["DOCPIPE_MODEL_CALLS_PER_DOCUMENT"] == "2"
        reserved = properties.get("ReservedConcurrentExecutions")
        assert reserved == (3 if task.package in MODEL_TASKS else None)


def test_executions_that_end_without_their_dead_letter_reach_the_dead_letter_queue(
    template: Template, resources: Json
) -> None:
    machine_id, _ = pipeline_machine(template)
    rules = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Events::Rule"
        and r["Properties"].get("EventPattern", {}).get("source") == ["aws.states"]
        and resources[r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]]["Type"]
        == "AWS::SQS::Queue"
    ]
    [rule] = rules
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    # Timed out or aborted (the failure path never ran), or failed because the queue
    # refused the dead letter itself
    assert pattern["detail"]["$or"] == [
        {"status": ["TIMED_OUT", "ABORTED"]},
        {"status": ["FAILED"], "error": ["DeadLetterUndelivered"]},
    ]
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": machine_id}]
    [target] = rule["Properties"]["Targets"]
    queue_id = target["Arn"]["Fn::GetAtt"][0]
    assert resources[queue_id]["Properties"].get("MessageRetentionPeriod") == 1209600
    assert "Trigger" not in queue_id


def test_documents_bucket_expires_artifacts_and_old_versions(template: Template) -> None:
    [bucket] = [
        r
        for r in template.find_resources("AWS::S3::Bucket").values()
        if r["Properties"].get("VersioningConfiguration")
    ]
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    # Intermediate artifacts go after 30 days; results and uploads stay
    assert rules["ExpireIntermediateArtifacts"]["Prefix"] == "artifacts/"
    assert rules["ExpireIntermediateArtifacts"]["ExpirationInDays"] == 30
    assert "Prefix" not in rules["ExpireOldVersions"]
    assert rules["ExpireOldVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert "ExpirationInDays" not in rules["ExpireOldVersions"]
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }
    assert all(r["Status"] == "Enabled" for r in rules.values())


def test_every_taggable_resource_carries_the_project_and_stack_tags(template: Template) -> None:
    tagged = [
        r for r in template.to_json()["Resources"].values() if "Tags" in r.get("Properties", {})
    ]
    assert len(tagged) > 10
    for resource in tagged:
        tags = resource["Properties"]["Tags"]
        # Most resources list tags as Key/Value pairs; SSM-style ones as a plain map
        found = {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else dict(tags)
        assert found.get("project") == "docpipe", resource["Type"]
        assert found.get("docpipe:stack") == "Docpipe", resource["Type"]
