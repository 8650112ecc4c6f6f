"""How the stack builds its encrypted queues, log groups and Lambda functions, and grants a
role the stack's key: one way, shared by the pipeline (infra/stack.py) and its intake
(infra/intake.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import CfnResource, Duration, IStableAnyProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from tasks.catalog import LambdaFunction

# What a principal needs on the key to read (S3 GetObject, DynamoDB items, Textract's read of
# the OCR input) and to write (S3 PutObject, SQS SendMessage, SNS Publish: a new data key,
# plus Decrypt, which SQS and SNS require of senders).
KEY_READ = ("kms:Decrypt",)
KEY_WRITE = ("kms:Decrypt", "kms:GenerateDataKey")
# How long Step Functions and SQS reuse a data key before asking KMS for a new one.
DATA_KEY_REUSE = Duration.minutes(5)
# SQS's longest retention: what waits in a queue is kept as long as SQS can keep it.
QUEUE_RETENTION = Duration.days(14)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
# An EventBridge target that fails (throttling, permissions) is retried for a while, then
# the event is kept in the trigger's dead-letter queue instead of being dropped.
TRIGGER_RETRY_ATTEMPTS = 10
TRIGGER_MAX_EVENT_AGE = Duration.hours(4)

# Top-level keys of an event pattern and the matching `events.EventPattern` arguments.
_PATTERN_FIELDS = {
    "account": "account",
    "detail": "detail",
    "detail-type": "detail_type",
    "id": "id",
    "region": "region",
    "resources": "resources",
    "source": "source",
    "time": "time",
    "version": "version",
}

# What Powertools reads in every function (tasks/shared/observability.py).
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "docpipe",
    "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
}


def encrypted_queue(scope: Construct, construct_id: str, key: kms.IKey, **props: Any) -> sqs.Queue:
    """An SQS queue under `key` that keeps messages 14 days and refuses plain HTTP; `props`
    adds or overrides `sqs.Queue` settings (visibility timeout, dead-letter queue...)."""
    settings: dict[str, Any] = {
        "retention_period": QUEUE_RETENTION,
        "encryption": sqs.QueueEncryption.KMS,
        "encryption_master_key": key,
        "data_key_reuse": DATA_KEY_REUSE,
        "enforce_ssl": True,
        **props,
    }
    return sqs.Queue(scope, construct_id, **settings)


def encrypted_log_group(
    scope: Construct, construct_id: str, key: kms.IKey, name: str | None = None
) -> logs.LogGroup:
    """A log group under `key`, kept a month and deleted with the stack."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=LOG_RETENTION,
        encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
    )


def grant_key(role: iam.IRole, key: kms.IKey, actions: Sequence[str]) -> None:
    """`actions` on `key`, in the role's own policy (the key policy is left as it is)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(actions), resources=[key.key_arn])
    )


def traced_function(
    scope: Construct,
    construct_id: str,
    *,
    function: LambdaFunction,
    role_description: str,
    code: lambda_.Code,
    key: kms.IKey,
    environment: Mapping[str, str],
    **props: Any,
) -> lambda_.Function:
    """A function of its code bundle (arm64, the runtime, X-Ray tracing) with a role of
    its own, which may write only to the function's own log group (no
    AWSLambdaBasicExecutionRole, whose logs permissions are on "*"). `props` adds
    `lambda_.Function` settings (layers, reserved concurrency, dead-letter queue...)."""
    log_group = encrypted_log_group(scope, f"{construct_id}Logs", key)
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
    )
    built = lambda_.Function(
        scope,
        construct_id,
        description=function.description,
        runtime=LAMBDA_RUNTIME,
        architecture=LAMBDA_ARCHITECTURE,
        handler=function.handler,
        code=code,
        memory_size=function.memory_mb,
        timeout=Duration.seconds(function.timeout_seconds),
        tracing=lambda_.Tracing.ACTIVE,
        role=role,
        log_group=log_group,
        environment=dict(environment),
        **props,
    )
    log_group.grant_write(role)
    return built


@jsii.implements(IStableAnyProducer)
class _PolicyDependencies:
    """The logical ids of a role's IAM policies, computed when the template is rendered."""

    def __init__(self, role: iam.IRole) -> None:
        self._role = role

    def produce(self) -> Any:
        stack = Stack.of(self._role)
        policies = [
            stack.get_logical_id(child)
            for child in self._role.node.find_all()
            if isinstance(child, iam.CfnPolicy)
        ]
        return policies or None  # no DependsOn at all rather than an empty one


def depend_on_policies_only(resource: Construct, role: iam.IRole) -> None:
    """Make `resource` wait for its role's policies, but not name the role in DependsOn.

    Lambda and Step Functions make their resource depend on the whole role construct, so
    DependsOn lists the role next to the `GetAtt` that already orders it (cfn-lint W3005).
    The policies stay: nothing else makes the resource wait for them.
    """
    cfn = resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource")
    cfn.add_override("DependsOn", Lazy.any(_PolicyDependencies(role)))


def add_queue_target(
    rule: events.Rule, queue: sqs.IQueue, *, dead_letter_queue: sqs.IQueue
) -> None:
    """Send `rule`'s events to `queue`, which only this rule (`aws:SourceArn`) may write to;
    deliveries that fail after the retries land in `dead_letter_queue`.

    The target gets `queue` as an imported reference: for a queue it owns, CDK would also add
    a key-policy statement with wildcard KMS actions (kms:ReEncrypt*, kms:GenerateDataKey*)
    for EventBridge. The key policy already lets EventBridge use the key through SQS; the
    queue policy statement CDK would have added is written here, scoped to the rule.
    """
    imported = sqs.Queue.from_queue_arn(rule, f"{queue.node.id}Target", queue.queue_arn)
    rule.add_target(
        targets.SqsQueue(
            imported,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=TRIGGER_RETRY_ATTEMPTS,
            max_event_age=TRIGGER_MAX_EVENT_AGE,
        )
    )
    queue.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["sqs:SendMessage"],
            resources=[queue.queue_arn],
            conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
        )
    )


def to_event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """Convert a JSON event pattern into CDK's `EventPattern` (which renders it unchanged)."""
    unknown = set(pattern) - set(_PATTERN_FIELDS)
    if unknown:
        raise ValueError(f"unsupported top-level event pattern keys: {sorted(unknown)}")
    return events.EventPattern(**{_PATTERN_FIELDS[key]: value for key, value in pattern.items()})
