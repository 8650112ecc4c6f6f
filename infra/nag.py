"""cdk-nag checks on the app, and the findings this stack acknowledges, each with its reason.

cdk-nag 3 runs as a policy-validation plugin: an unacknowledged finding makes synth raise
`ValidationFailed` and writes cdk.out/validation-report.json. New resources therefore
either comply or come with an acknowledgment here that says why.

What remains acknowledged: resource wildcards where AWS offers no resource ARN (X-Ray,
Textract text detection, CloudWatch Logs delivery), object keys that hold the document id
(known only at run time), an inference profile's models in any of its regions, the
dead-letter queues having no dead-letter queue, and task functions without a Lambda DLQ (they
are invoked synchronously). The access-log bucket needs none: cdk-nag does not ask a bucket
that receives server access logs to log its own access.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, CfnElement, Stack, Stage, Validations
from aws_cdk.aws_lambda import CfnEventSourceMapping
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

_ANY_RESOURCE = "AwsSolutions::AwsSolutions-IAM5[Resource::*]"
_XRAY = (
    "X-Ray's PutTraceSegments and PutTelemetryRecords take no resource ARN (the service "
    "authorization reference lists no resource types), so '*' is the only resource."
)
_TEXTRACT_GET = (
    "Textract's GetDocumentTextDetection takes no resource ARN (the service authorization "
    "reference lists no resource types), so '*' is the only resource."
)


def add_nag_checks(app: Stage) -> None:
    """Run the AWS Solutions and Serverless rule packs on every stack of `app` at synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def _acknowledge(scope: IConstruct, findings: Iterable[tuple[str, str]]) -> None:
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=finding, reason=reason) for finding, reason in findings)
    )


def _arn_pattern(stack: Stack, construct: IConstruct, suffix: str) -> str:
    """How cdk-nag names a wildcard resource built on `construct`'s ARN."""
    resource = construct.node.default_child
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    logical_id = stack.resolve(stack.get_logical_id(resource))
    return f"Resource::<{logical_id}.Arn>{suffix}"


def _executions_pattern(machine: IConstruct) -> str:
    """How cdk-nag names the ARN pattern of every execution of `machine`."""
    stack = Stack.of(machine)
    resource = machine.node.default_child
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{machine.node.path} has no CloudFormation resource")
    logical_id = stack.resolve(stack.get_logical_id(resource))
    return (
        "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        f"<{logical_id}.Name>:*"
    )


def _object_keys(
    stack: Stack, bucket: IConstruct, keys: Iterable[str], reason: str
) -> list[tuple[str, str]]:
    """IAM5 acknowledgements of object key patterns with a wildcard in the bucket `bucket`."""
    return [
        (
            f"AwsSolutions::AwsSolutions-IAM5[{_arn_pattern(stack, bucket, '/' + key)}]",
            f"Objects '{key}': {reason}",
        )
        for key in sorted(set(keys))
        if "*" in key
    ]


def _artifact_keys(stack: Stack, bucket: IConstruct, keys: Iterable[str]) -> list[tuple[str, str]]:
    return _object_keys(
        stack,
        bucket,
        keys,
        "'*' stands for the document id (the SHA-256 of the uploaded object's bucket, key "
        "and ETag, computed by the state machine at run time); the rest of the key is fixed "
        "by tasks/shared/storage.py.",
    )


def acknowledge_dead_letter_queue(queue: IConstruct) -> None:
    """A dead-letter queue has no dead-letter queue of its own."""
    reason = "This queue is itself a dead-letter queue; nothing consumes it automatically."
    _acknowledge(
        queue,
        [
            ("AwsSolutions::AwsSolutions-SQS3", reason),
            ("Serverless::Serverless-SQSRedrivePolicy", reason),
        ],
    )


def acknowledge_task_function(
    stack: Stack,
    function: IConstruct,
    role: IConstruct,
    bucket: IConstruct,
    artifact_keys: Iterable[str],
    upload_keys: Iterable[str] = (),
    models: Iterable[str] = (),
    *,
    textract: bool = False,
) -> None:
    """A task function, and its role: X-Ray (and Textract's results for `textract`), the
    artifact keys it reads and writes, the uploaded documents it reads (`upload_keys`), and
    for model tasks an inference profile's models (`models`, as cdk-nag names them)."""
    _acknowledge(
        function,
        [
            (
                "Serverless::Serverless-LambdaDLQ",
                "Invoked synchronously by Step Functions, whose Catch sends every failure to "
                "the pipeline's dead-letter queue; a Lambda DLQ applies to async calls only.",
            )
        ],
    )
    _acknowledge(
        role,
        [
            (_ANY_RESOURCE, _XRAY + (" " + _TEXTRACT_GET if textract else "")),
            *_artifact_keys(stack, bucket, artifact_keys),
            *_object_keys(
                stack,
                bucket,
                upload_keys,
                "the uploaded documents under the incoming prefix, named by whoever uploads "
                "them; Extract Text reads the one version each event names.",
            ),
            *(
                (
                    f"AwsSolutions::AwsSolutions-IAM5[{resource}]",
                    "A cross-region inference profile routes each request to its model in "
                    "one of the profile's regions, so the model's ARN has '*' as its region.",
                )
                for resource in models
            ),
        ],
    )


def acknowledge_state_machine(
    stack: Stack, machine: IConstruct, bucket: IConstruct, object_keys: Iterable[str]
) -> None:
    """The state machine's role: log delivery, X-Ray, Textract and the OCR input files."""
    _acknowledge(
        machine,
        [
            (
                _ANY_RESOURCE,
                "CloudWatch Logs delivery (logs:CreateLogDelivery and the other vended-log "
                "actions Step Functions logging needs), X-Ray and Textract text detection "
                "(Start/GetDocumentTextDetection) take no resource ARN.",
            ),
            *(
                (
                    finding,
                    "Textract reads each document's OCR input file with the state machine's "
                    "permissions. " + reason,
                )
                for finding, reason in _artifact_keys(stack, bucket, object_keys)
            ),
        ],
    )


def acknowledge_backfill(stack: Stack, machine: IConstruct, bucket: IConstruct) -> None:
    """The backfill machine's role: HeadObject on any key of the prefix it is given, its own
    Distributed Map children, log delivery and X-Ray."""
    _acknowledge(
        machine,
        [
            (
                _ANY_RESOURCE,
                "CloudWatch Logs delivery (the vended-log actions Step Functions logging "
                "needs) and X-Ray take no resource ARN.",
            ),
            *_object_keys(
                stack,
                bucket,
                ["*"],
                "the backfill reads the version of every object under the prefix it is "
                "started with (HeadObject, which needs s3:GetObject); no content is read.",
            ),
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:"
                f"<AWS::Region>:<AWS::AccountId>:execution:{stack.stack_name}-Backfill/*]",
                "'*' stands for the Distributed Map's child executions of this machine, "
                "which it describes and stops.",
            ),
        ],
    )


def acknowledge_batch_lane(
    stack: Stack, role: IConstruct, inference_role: IConstruct, bucket: IConstruct, keys: list[str]
) -> None:
    """The batch lane function's and Bedrock's inference roles."""
    objects = _object_keys(
        stack,
        bucket,
        keys,
        "the batch lane's own files: each job's records and answers (named by the job), "
        "each waiting document's work (named by its id).",
    )
    _acknowledge(
        role,
        [
            (
                _ANY_RESOURCE,
                "Task tokens name no resource: states:SendTaskSuccess and SendTaskFailure "
                "take '*'.",
            ),
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:"
                "<AWS::Region>:<AWS::AccountId>:model-invocation-job/*]",
                "The batch inference jobs the lane creates and reads, named at run time.",
            ),
            *objects,
        ],
    )
    _acknowledge(inference_role, objects)


def acknowledge_intake_function(
    function: IConstruct,
    role: IConstruct,
    lambda_dlq_reason: str | None = None,
    *,
    state_machine: IConstruct | None = None,
) -> None:
    """An intake function and its role: X-Ray, the executions of `state_machine` it
    describes, and why it has no Lambda dead-letter queue (`lambda_dlq_reason`; None when it
    has one)."""
    executions = _executions_pattern(state_machine) if state_machine is not None else None
    if lambda_dlq_reason is not None:
        _acknowledge(function, [("Serverless::Serverless-LambdaDLQ", lambda_dlq_reason)])
    _acknowledge(
        role,
        [
            (_ANY_RESOURCE, _XRAY),
            *(
                [
                    (
                        f"AwsSolutions::AwsSolutions-IAM5[Resource::{executions}]",
                        "DescribeExecution of any execution of the pipeline's state machine "
                        "(the execution name, a document's, is known only at run time) and "
                        "of no other machine.",
                    )
                ]
                if executions
                else []
            ),
        ],
    )


def acknowledge_queue_event_source(function: IConstruct, redrive: str) -> None:
    """The SQS event source mapping of `function`, which takes no on-failure destination;
    `redrive` says what happens to a message the function fails on."""
    (mapping,) = [
        child for child in function.node.find_all() if isinstance(child, CfnEventSourceMapping)
    ]
    reason = (
        "Lambda supports on-failure destinations for stream and Kafka event sources, not "
        f"for SQS, where the source queue's own dead-letter queue serves. {redrive}"
    )
    _acknowledge(mapping, [("Serverless::Serverless-LambdaEventSourceMappingDestination", reason)])
