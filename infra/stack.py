"""DocpipeStack: S3 → EventBridge → Step Functions (the ASL file) → Lambda tasks, Bedrock,
DynamoDB, SQS dead-letter queue and SNS completion topic.

The state machine is the file statemachines/document_pipeline.asl.json, unchanged; the stack
fills its `${Placeholders}` with ARNs and names only, and grants the machine exactly what the
file's states call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, task_code
from infra.config import PIPELINE_ASL, DocpipeConfig
from infra.nag import (
    acknowledge_bucket,
    acknowledge_dead_letter_queue,
    acknowledge_state_machine,
    acknowledge_task_function,
)
from infra.patterns import trigger_pattern
from tasks.catalog import TASK_FUNCTIONS, TaskFunction

# Tasks that call the model (Bedrock Converse, which IAM authorizes as bedrock:InvokeModel).
MODEL_TASKS = frozenset({"summarize_text", "combine_summaries", "classify_document"})
# Tasks that read or write the documents table themselves (the others only get its name).
TABLE_TASKS = frozenset({"store_results"})
# Tasks that read Textract's results (the state machine starts and polls the job).
TEXTRACT_TASKS = frozenset({"merge_ocr_text"})
# Textract's text-detection actions support no resource-level permissions (the service
# authorization reference lists no resource types for them): "*" is the only resource.
TEXTRACT_START = "textract:StartDocumentTextDetection"
TEXTRACT_GET = "textract:GetDocumentTextDetection"
# What Textract reads, with the caller's (the state machine's) permissions.
OCR_INPUT_KEYS = "artifacts/*/ocr-input.*"
# Prefixes the tasks write under (tasks/shared/storage.py); they read the whole bucket.
ARTIFACT_PREFIXES = ("artifacts/", "results/")

# Cross-region inference profile ids start with a geography; IAM then needs the profile's
# ARN and the foundation model's ARN in whichever region the profile routes to.
_PROFILE_GEOGRAPHIES = ("us.", "eu.", "apac.", "global.", "ca.", "jp.", "au.", "us-gov.")

# EventBridge → StartExecution failures are throttling or permissions: retry for a while,
# then keep the event in the trigger's dead-letter queue instead of dropping it.
TRIGGER_RETRY_ATTEMPTS = 10
TRIGGER_MAX_EVENT_AGE = Duration.hours(4)

LOG_RETENTION = logs.RetentionDays.ONE_MONTH

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


def to_event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """Convert a JSON event pattern into CDK's `EventPattern` (which renders it unchanged)."""
    unknown = set(pattern) - set(_PATTERN_FIELDS)
    if unknown:
        raise ValueError(f"unsupported top-level event pattern keys: {sorted(unknown)}")
    return events.EventPattern(**{_PATTERN_FIELDS[key]: value for key, value in pattern.items()})


def function_id(task: TaskFunction) -> str:
    """Construct id of a task's function: its ASL placeholder without the `Arn` suffix."""
    return task.placeholder.removesuffix("Arn")


def profile_base_model(model_id: str) -> str | None:
    """The foundation model behind a cross-region inference profile id, else None."""
    for geography in _PROFILE_GEOGRAPHIES:
        if model_id.startswith(geography):
            return model_id.removeprefix(geography)
    return None


def bedrock_model_arns(stack: Stack, model_id: str) -> list[str]:
    """The ARNs `bedrock:InvokeModel` must allow for `model_id`.

    A foundation model id gives its foundation-model ARN in the stack's region. An inference
    profile id gives the profile's ARN plus the foundation model's ARN in any region,
    because the profile routes each request to one of its regions.
    """
    partition = Aws.PARTITION
    base_model = profile_base_model(model_id)
    if base_model is not None:
        return [
            f"arn:{partition}:bedrock:{stack.region}:{stack.account}:inference-profile/{model_id}",
            f"arn:{partition}:bedrock:*::foundation-model/{base_model}",
        ]
    return [f"arn:{partition}:bedrock:{stack.region}::foundation-model/{model_id}"]


class DocpipeStack(Stack):
    """The whole pipeline in one stack, configured by CDK context (see `DocpipeConfig`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DocpipeConfig | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config or DocpipeConfig.from_context(self.node)

        self.bucket = self._documents_bucket()
        acknowledge_bucket(self.bucket)
        self.table = dynamodb.Table(
            self,
            "DocumentsTable",
            partition_key=dynamodb.Attribute(
                name="document_id", type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.dead_letter_queue = self._queue("DeadLetterQueue")
        # Events EventBridge could not turn into an execution; a separate queue because its
        # messages are raw S3 events, not the pipeline's {event, document, error} records.
        self.trigger_dead_letter_queue = self._queue("TriggerDeadLetterQueue")
        for queue in (self.dead_letter_queue, self.trigger_dead_letter_queue):
            acknowledge_dead_letter_queue(queue)
        self.completion_topic = sns.Topic(
            self, "CompletionTopic", display_name="docpipe completions", enforce_ssl=True
        )

        code = task_code()
        self.functions = {task.package: self._task_function(task, code) for task in TASK_FUNCTIONS}
        self.state_machine = self._state_machine()
        self._grant_state_machine()
        acknowledge_state_machine(self, self.state_machine, self.bucket, self.functions.values())
        self._trigger_rule()
        self._outputs()

    # Resources

    def _documents_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "DocumentsBucket",
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # `event_bridge_enabled=True` would add the BucketNotificationsHandler custom
        # resource (a Lambda); the bucket's own property does the same without it.
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        return bucket

    def _queue(self, construct_id: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )

    def _task_function(self, task: TaskFunction, code: lambda_.Code) -> lambda_.Function:
        name = function_id(task)
        function = lambda_.Function(
            self,
            name,
            description=task.description,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            handler=task.handler,
            code=code,
            memory_size=task.memory_mb,
            timeout=Duration.seconds(task.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=logs.LogGroup(
                self,
                f"{name}Logs",
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.DESTROY,
            ),
            environment={
                "DOCPIPE_ARTIFACT_BUCKET": self.bucket.bucket_name,
                "DOCPIPE_TABLE_NAME": self.table.table_name,
                "DOCPIPE_MODEL_PROVIDER": "bedrock",
                "DOCPIPE_MODEL_ID": self.config.model_id,
                "DOCPIPE_BUDGET_MODEL_ID": self.config.budget_model_id,
                "DOCPIPE_MAX_DOCUMENT_TOKENS": str(self.config.max_document_tokens),
                "POWERTOOLS_SERVICE_NAME": "docpipe",
                "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
            },
        )
        self.bucket.grant_read(function)
        for prefix in ARTIFACT_PREFIXES:
            self.bucket.grant_put(function, f"{prefix}*")
        if task.package in TABLE_TASKS:
            self.table.grant_read_write_data(function)
        if task.package in TEXTRACT_TASKS:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=[TEXTRACT_GET], resources=["*"])
            )
        wildcard_models: list[str] = []
        if task.package in MODEL_TASKS:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=[
                        arn
                        for model_id in self.config.model_ids
                        for arn in bedrock_model_arns(self, model_id)
                    ],
                )
            )
            for model_id in self.config.model_ids:
                base_model = profile_base_model(model_id)
                if base_model is not None:
                    wildcard_models.append(
                        f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{base_model}"
                    )
        acknowledge_task_function(self, function, self.bucket, wildcard_models)
        return function

    def definition_substitutions(self) -> dict[str, str]:
        """Values for the ASL file's `${Placeholders}`: ARNs and names only."""
        substitutions = {
            task.placeholder: self.functions[task.package].function_arn for task in TASK_FUNCTIONS
        }
        substitutions.update(
            DocumentsTableName=self.table.table_name,
            DeadLetterQueueUrl=self.dead_letter_queue.queue_url,
            CompletionTopicArn=self.completion_topic.topic_arn,
        )
        return substitutions

    def _state_machine(self) -> sfn.StateMachine:
        log_group = logs.LogGroup(
            self,
            "StateMachineLogs",
            # The vendedlogs prefix keeps CloudWatch's resource policy from growing per group.
            log_group_name=f"/aws/vendedlogs/states/{self.stack_name}-DocumentPipeline",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        return sfn.StateMachine(
            self,
            "DocumentPipeline",
            definition_body=sfn.DefinitionBody.from_file(str(PIPELINE_ASL)),
            definition_substitutions=self.definition_substitutions(),
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=True,
            ),
        )

    def _grant_state_machine(self) -> None:
        """Exactly what the ASL's states call: the task functions, two DynamoDB writes, the
        dead-letter queue, the topic, and Textract text detection on the OCR input files."""
        machine = self.state_machine
        for function in self.functions.values():
            function.grant_invoke(machine)
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[self.table.table_arn],
            )
        )
        self.dead_letter_queue.grant_send_messages(machine)
        self.completion_topic.grant_publish(machine)
        # Start Text Detection and its polling loop; Textract reads the OCR input file
        # with the state machine's permissions.
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=[TEXTRACT_START, TEXTRACT_GET], resources=["*"])
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(OCR_INPUT_KEYS)],
            )
        )

    def _trigger_rule(self) -> events.Rule:
        pattern = trigger_pattern(self.bucket.bucket_name, self.config.incoming_prefix)
        return events.Rule(
            self,
            "DocumentUploaded",
            description="Starts the document pipeline for each object created under the "
            "incoming prefix.",
            event_pattern=to_event_pattern(pattern),
            targets=[
                targets.SfnStateMachine(
                    self.state_machine,
                    dead_letter_queue=self.trigger_dead_letter_queue,
                    retry_attempts=TRIGGER_RETRY_ATTEMPTS,
                    max_event_age=TRIGGER_MAX_EVENT_AGE,
                )
            ],
        )

    def _outputs(self) -> None:
        outputs = {
            "BucketName": self.bucket.bucket_name,
            "CompletionTopicArn": self.completion_topic.topic_arn,
            "StateMachineArn": self.state_machine.state_machine_arn,
            "DeadLetterQueueUrl": self.dead_letter_queue.queue_url,
            "TriggerDeadLetterQueueUrl": self.trigger_dead_letter_queue.queue_url,
            "DocumentsTableName": self.table.table_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
