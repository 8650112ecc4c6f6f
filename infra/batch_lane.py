"""BatchLane: what the batch lane's function (tasks/batch_lane) works with on AWS.

    Run Model Calls In Batch (the state machine) → batch lane function → requests queue
    every 5 minutes → the function submits the queued requests: Bedrock batch inference jobs
        (records and output under artifacts/batch/jobs/ of the documents bucket, read and
        written by Bedrock with the inference role), or on-demand calls for requests that
        waited too long
    Bedrock's "Batch Inference Job State Change" (an ended job) → the function collects the
        answers → resume queue → the function runs the waiting documents again

The function itself (code, layers, model permissions, the documents it reads and writes) is
one of the stack's task functions; this construct adds the queues, the rules, the inference
role and the rights to use them.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DocpipeConfig
from infra.nag import (
    acknowledge_batch_lane,
    acknowledge_dead_letter_queue,
    acknowledge_queue_event_source,
)
from infra.patterns import batch_job_ended_pattern
from infra.resources import (
    KEY_WRITE,
    TRIGGER_MAX_EVENT_AGE,
    TRIGGER_RETRY_ATTEMPTS,
    encrypted_queue,
    grant_key,
    to_event_pattern,
)
from tasks.shared.storage import ARTIFACTS_PREFIX

BATCH_ARTIFACTS = f"{ARTIFACTS_PREFIX}batch/*"
JOBS = f"{ARTIFACTS_PREFIX}batch/jobs/*"
WAITING = f"{ARTIFACTS_PREFIX}batch/waiting/*"
SUBMIT_SCHEDULE = events.Schedule.rate(Duration.minutes(5))
# A submit run keeps the requests it received hidden while it decides (task.py's
# RECEIVE_VISIBILITY_SECONDS); a resume message is retried this many times before its
# dead-letter queue.
REQUESTS_VISIBILITY = Duration.seconds(900)
RESUME_MAX_RECEIVES = 5


class BatchLane(Construct):
    """The batch lane's queues, rules and inference role, wired to `function`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        bucket: s3.IBucket,
        lease_table_arn: str,
        encryption_key: kms.IKey,
        trigger_dead_letter_queue: sqs.IQueue,
        config: DocpipeConfig,
        model_arns: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        role = function.role
        assert role is not None
        self.dead_letter_queue = encrypted_queue(self, "DeadLetterQueue", encryption_key)
        acknowledge_dead_letter_queue(self.dead_letter_queue)
        redrive = sqs.DeadLetterQueue(
            max_receive_count=RESUME_MAX_RECEIVES, queue=self.dead_letter_queue
        )
        self.requests_queue = encrypted_queue(
            self,
            "RequestsQueue",
            encryption_key,
            visibility_timeout=REQUESTS_VISIBILITY,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=1000, queue=self.dead_letter_queue
            ),
        )
        self.resume_queue = encrypted_queue(
            self,
            "ResumeQueue",
            encryption_key,
            visibility_timeout=Duration.seconds(6 * function.timeout.to_seconds())
            if function.timeout
            else Duration.minutes(90),
            dead_letter_queue=redrive,
        )
        # Bedrock reads the records and writes the answers with this role.
        self.inference_role = iam.Role(
            self,
            "InferenceRole",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Bedrock batch inference of the docpipe batch lane: reads its records "
            "and writes its answers",
        )
        self.inference_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"], resources=[bucket.arn_for_objects(JOBS)]
            )
        )
        self.inference_role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
        grant_key(self.inference_role, encryption_key, KEY_WRITE)

        # The function: its queues, the jobs, its waiting work, task tokens, the lease.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                ],
                resources=[self.requests_queue.queue_arn],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.resume_queue.queue_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["bedrock:CreateModelInvocationJob", "bedrock:GetModelInvocationJob"],
                resources=[
                    *model_arns,
                    stack.format_arn(
                        service="bedrock",
                        resource="model-invocation-job",
                        resource_name="*",
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    ),
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.inference_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            )
        )
        # Task tokens name no resource: SendTaskSuccess and SendTaskFailure take "*".
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:SendTaskSuccess", "states:SendTaskFailure"], resources=["*"]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[lease_table_arn])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject"], resources=[bucket.arn_for_objects(WAITING)]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [JOBS]}},
            )
        )
        for name, value in {
            "DOCPIPE_BATCH_REQUESTS_QUEUE_URL": self.requests_queue.queue_url,
            "DOCPIPE_BATCH_RESUME_QUEUE_URL": self.resume_queue.queue_url,
            "DOCPIPE_BATCH_ROLE_ARN": self.inference_role.role_arn,
            "DOCPIPE_BATCH_MIN_RECORDS": str(config.batch_min_records),
            "DOCPIPE_BATCH_MAX_WAIT_SECONDS": str(config.batch_max_wait_seconds),
        }.items():
            function.add_environment(name, value)

        function.add_event_source(
            event_sources.SqsEventSource(self.resume_queue, batch_size=10, max_concurrency=2)
        )
        acknowledge_queue_event_source(
            function,
            f"A resume the function fails on returns to the resume queue, whose redrive "
            f"policy moves it to the lane's dead-letter queue after {RESUME_MAX_RECEIVES} "
            "receives.",
        )
        events.Rule(
            self,
            "SubmitSchedule",
            description="Submits the batch lane's queued model requests.",
            schedule=SUBMIT_SCHEDULE,
            targets=[self._target(function, trigger_dead_letter_queue)],
        )
        events.Rule(
            self,
            "JobEnded",
            description="Collects the answers of an ended batch inference job.",
            event_pattern=to_event_pattern(batch_job_ended_pattern()),
            targets=[self._target(function, trigger_dead_letter_queue)],
        )
        acknowledge_batch_lane(stack, role, self.inference_role, bucket, [JOBS, WAITING])

    @staticmethod
    def _target(
        function: lambda_.IFunction, dead_letter_queue: sqs.IQueue
    ) -> targets.LambdaFunction:
        """A rule target with the project's retries; what EventBridge cannot deliver is kept
        in the trigger's dead-letter queue."""
        return targets.LambdaFunction(
            function,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=TRIGGER_RETRY_ATTEMPTS,
            max_event_age=TRIGGER_MAX_EVENT_AGE,
        )
