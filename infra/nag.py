"""cdk-nag checks on the app, and the findings this stack acknowledges, each with its reason.

cdk-nag 3 runs as a policy-validation plugin: an unacknowledged finding makes synth raise
`ValidationFailed` and writes cdk.out/validation-report.json. New resources therefore
either comply or come with an acknowledgment here that says why.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, CfnElement, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

_LAMBDA_BASIC_ROLE = (
    "AwsSolutions::AwsSolutions-IAM4"
    "[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
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


def acknowledge_bucket(bucket: IConstruct) -> None:
    """The documents bucket has no server access logs yet."""
    _acknowledge(
        bucket,
        [
            (
                "AwsSolutions::AwsSolutions-S1",
                "Private, TLS-only, versioned bucket; every object is traced through its "
                "execution and the documents table. Access logging is a later decision.",
            )
        ],
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
    stack: Stack, function: IConstruct, bucket: IConstruct, extra: Iterable[str] = ()
) -> None:
    """The task functions' role: CDK's grants on the bucket and the standard Lambda policies.

    `extra` names further IAM5 wildcard resources (e.g. a Bedrock inference profile's models).
    """
    s3 = "CDK's bucket grants: reads of any object, writes under artifacts/ and results/."
    _acknowledge(
        function,
        [
            (_LAMBDA_BASIC_ROLE, "Grants only writing the function's logs to CloudWatch Logs."),
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "X-Ray trace segments take no ARN; neither does Textract's "
                "GetDocumentTextDetection (Merge OCR Text only).",
            ),
            ("AwsSolutions::AwsSolutions-IAM5[Action::s3:GetBucket*]", s3),
            ("AwsSolutions::AwsSolutions-IAM5[Action::s3:GetObject*]", s3),
            ("AwsSolutions::AwsSolutions-IAM5[Action::s3:List*]", s3),
            ("AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]", s3),
            (f"AwsSolutions::AwsSolutions-IAM5[{_arn_pattern(stack, bucket, '/*')}]", s3),
            (
                f"AwsSolutions::AwsSolutions-IAM5[{_arn_pattern(stack, bucket, '/artifacts/*')}]",
                s3,
            ),
            (f"AwsSolutions::AwsSolutions-IAM5[{_arn_pattern(stack, bucket, '/results/*')}]", s3),
            (
                "Serverless::Serverless-LambdaDLQ",
                "Invoked synchronously by Step Functions, whose Catch sends every failure to "
                "the pipeline's dead-letter queue; a Lambda DLQ applies to async calls only.",
            ),
            *(
                (
                    f"AwsSolutions::AwsSolutions-IAM5[{resource}]",
                    "An inference profile routes to its model in any of its regions.",
                )
                for resource in extra
            ),
        ],
    )


def acknowledge_state_machine(
    stack: Stack, machine: IConstruct, bucket: IConstruct, functions: Iterable[IConstruct]
) -> None:
    """The state machine's role: log delivery, X-Ray, Textract, OCR inputs, function versions."""
    _acknowledge(
        machine,
        [
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "CloudWatch Logs delivery, X-Ray and Textract text detection "
                "(Start/GetDocumentTextDetection) actions do not take resource ARNs.",
            ),
            (
                "AwsSolutions::AwsSolutions-IAM5["
                f"{_arn_pattern(stack, bucket, '/artifacts/*/ocr-input.*')}]",
                "Textract reads each document's OCR input file with the state machine's "
                "permissions; the key holds the document id, known only at run time.",
            ),
            *(
                (
                    f"AwsSolutions::AwsSolutions-IAM5[{_arn_pattern(stack, function, ':*')}]",
                    "grant_invoke also allows the function's versions and aliases.",
                )
                for function in functions
            ),
        ],
    )
