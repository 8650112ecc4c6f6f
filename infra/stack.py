"""DocpipeStack: S3 → EventBridge → intake queue → starter → Step Functions (the ASL file)
→ Lambda tasks, Bedrock, DynamoDB, SQS dead-letter queues and SNS completion topic, all
encrypted with one key. The intake (queue, starter, lease release) is infra/intake.py.

The state machine is the file statemachines/document_pipeline.asl.json, unchanged; the stack
fills its `${Placeholders}` with ARNs and names only, and grants the machine exactly what the
file's states call. Each task function may read and write only the object keys it uses
(`object_access`), and no policy statement allows a wildcard action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import (
    ArnFormat,
    Aws,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    Tags,
)
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.backfill import DocumentBackfill
from infra.batch_lane import BATCH_ARTIFACTS, BatchLane
from infra.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, function_code
from infra.config import (
    DOCUMENTS_BY_KEY_INDEX,
    DOCUMENTS_BY_KEY_PARTITION,
    DOCUMENTS_BY_KEY_SORT,
    PIPELINE_ASL,
    DocpipeConfig,
    stack_tags,
)
from infra.intake import DocumentIntake
from infra.monitoring import PipelineMonitoring
from infra.nag import (
    acknowledge_dead_letter_queue,
    acknowledge_state_machine,
    acknowledge_task_function,
)
from infra.patterns import trigger_pattern, unrecorded_execution_pattern
from infra.resources import (
    DATA_KEY_REUSE,
    KEY_READ,
    KEY_WRITE,
    POWERTOOLS_ENVIRONMENT,
    add_queue_target,
    depend_on_policies_only,
    encrypted_log_group,
    encrypted_queue,
    grant_key,
    to_event_pattern,
    traced_function,
)
from tasks.catalog import BATCH_LANE, TASK_FUNCTIONS, TaskFunction
from tasks.shared.model_ids import profile_base_model
from tasks.shared.storage import (
    ARTIFACTS_PREFIX,
    chunk_key,
    chunk_summary_key,
    ocr_input_key,
    result_key,
    summary_key,
    text_key,
)

# Tasks that call the model (Bedrock Converse, which IAM authorizes as bedrock:InvokeModel).
# Each runs with `modelConcurrency` reserved (and capped) concurrent executions.
MODEL_TASKS = frozenset({"summarize_text", "combine_summaries", "classify_document", BATCH_LANE})
# Tasks that write the documents table themselves, and what they call (store_results/task.py
# only updates the item Register Document put).
TABLE_TASKS = frozenset({"store_results"})
TABLE_TASK_ACTIONS = ("dynamodb:UpdateItem",)
# Tasks that read Textract's results (the state machine starts and polls the job).
TEXTRACT_TASKS = frozenset({"merge_ocr_text"})
# Tasks that read the labels file (DOCPIPE_LABELS_FILE), deployed as a layer.
LABELS_TASKS = frozenset({"classify_document", BATCH_LANE})
# Textract's text-detection actions support no resource-level permissions (the service
# authorization reference lists no resource types for them): "*" is the only resource.
TEXTRACT_START = "textract:StartDocumentTextDetection"
TEXTRACT_GET = "textract:GetDocumentTextDetection"

# Any document id, in the object key patterns below (IAM's `*` also spans "/").
_ANY = "*"
# What Textract reads, with the caller's (the state machine's) permissions.
OCR_INPUT_KEYS = ocr_input_key(_ANY, _ANY)

# A layer's files are under /opt in the function's file system.
LAYER_ROOT = "/opt"

# The account's own statement in the key policy: what IAM policies in the account may allow
# on this symmetric encryption key. Listed instead of AWS's default `kms:*`, so that no
# policy in the template has a wildcard action; a KMS action added by AWS later needs a line
# here. Administration stays possible (PutKeyPolicy, ScheduleKeyDeletion...), so the key
# can never become unmanageable.
ACCOUNT_KEY_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# CloudWatch Logs encrypting and reading the stack's log groups (AWS's documented key policy
# for encrypted log groups, with its `Encrypt*`-style wildcards spelled out).
LOGS_KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
# Cross-region inference profile ids start with a geography; IAM then needs the profile's
# ARN and the foundation model's ARN in whichever region the profile routes to.

# Server access logs of the documents bucket: kept a year for audits, then expired.
ACCESS_LOG_EXPIRATION = Duration.days(365)
# How long a multipart upload to the documents bucket may stay unfinished.
INCOMPLETE_UPLOAD_DAYS = 7
ACCESS_LOG_PREFIX = "documents-bucket/"


@dataclass(frozen=True)
class ObjectAccess:
    """The object keys (IAM patterns) one task reads and writes in the documents bucket."""

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    # Reads of a given version of an object (s3:GetObjectVersion as well as s3:GetObject).
    version_reads: tuple[str, ...] = ()

    @property
    def key_actions(self) -> tuple[str, ...]:
        """What the task needs on the encryption key for these reads and writes."""
        return KEY_WRITE if self.writes else KEY_READ


def _siblings(key: str) -> str:
    """Every key in the "directory" of `key`."""
    return f"{key.rpartition('/')[0]}/*"


def object_access(incoming_prefix: str) -> dict[str, ObjectAccess]:
    """What each task reads and writes (tasks/<task>/task.py; key layout: tasks/shared/storage.py).

    The uploaded document is read by the event's version id, under the incoming prefix.
    """
    text = text_key(_ANY)
    chunks = _siblings(chunk_key(_ANY, 0))
    chunk_summaries = _siblings(chunk_summary_key(_ANY, 0))
    summary = summary_key(_ANY)
    return {
        "extract_text": ObjectAccess(
            version_reads=(f"{incoming_prefix}*",), writes=(text, OCR_INPUT_KEYS)
        ),
        "merge_ocr_text": ObjectAccess(reads=(text,), writes=(text,)),
        "chunk_text": ObjectAccess(reads=(text,), writes=(chunks,)),
        # A chunk's partial summary in the Map, or the summary of a single-chunk document.
        "summarize_text": ObjectAccess(reads=(chunks,), writes=(chunk_summaries, summary)),
        "combine_summaries": ObjectAccess(reads=(chunk_summaries,), writes=(summary,)),
        "classify_document": ObjectAccess(reads=(text, summary)),
        "store_results": ObjectAccess(reads=(summary,), writes=(result_key(_ANY),)),
        # The model steps of a batch-lane document, and the lane's own files (its answers,
        # jobs and waiting documents).
        BATCH_LANE: ObjectAccess(
            reads=(text, chunks, chunk_summaries, summary, BATCH_ARTIFACTS),
            writes=(chunk_summaries, summary, BATCH_ARTIFACTS),
        ),
    }


def function_id(task: TaskFunction) -> str:
    """Construct id of a task's function: its ASL placeholder without the `Arn` suffix."""
    return task.placeholder.removesuffix("Arn")


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
    """The whole pipeline in one stack, configured by CDK context (see `DocpipeConfig`).

    Attributes other constructs use: `encryption_key` (the customer-managed KMS key of every
    resource that takes one), `bucket`, `access_log_bucket`, `table`, `lease_table`,
    `dead_letter_queue`, `trigger_dead_letter_queue`, `completion_topic`, `functions` (by
    task package), `state_machine`, `intake` (the intake queue and the functions around the
    state machine), `config`.
    """

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
        # On every resource that takes tags: cost allocation, and what belongs to this copy.
        for key, value in stack_tags(self.stack_name).items():
            Tags.of(self).add(key, value)
        self.encryption_key = self._encryption_key()

        self.access_log_bucket = self._access_log_bucket()
        self.bucket = self._documents_bucket()
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
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # `docpipe status s3://BUCKET/KEY` finds a key's records (every version, each
        # replay's registration) newest first; content claims have no key and stay out.
        self.table.add_global_secondary_index(
            index_name=DOCUMENTS_BY_KEY_INDEX,
            partition_key=dynamodb.Attribute(
                name=DOCUMENTS_BY_KEY_PARTITION, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(
                name=DOCUMENTS_BY_KEY_SORT, type=dynamodb.AttributeType.STRING
            ),
            projection_type=dynamodb.ProjectionType.ALL,
        )
        self.lease_table = self._lease_table()
        self.dead_letter_queue = self._queue("DeadLetterQueue")
        # Events EventBridge could not deliver (uploads to the intake queue, execution status
        # changes and the reconciler's schedule to their functions), and status changes the
        # end-of-execution function failed on; a separate queue because its messages are raw
        # events, not the pipeline's {event, document, error} records.
        self.trigger_dead_letter_queue = self._queue("TriggerDeadLetterQueue")
        for queue in (self.dead_letter_queue, self.trigger_dead_letter_queue):
            acknowledge_dead_letter_queue(queue)
        # A consumer that subscribes an SQS queue encrypted with its own customer-managed key
        # must let sns.amazonaws.com use that key (kms:GenerateDataKey, kms:Decrypt); this
        # topic's key is only used by its publishers.
        self.completion_topic = sns.Topic(
            self,
            "CompletionTopic",
            display_name="docpipe completions",
            enforce_ssl=True,
            master_key=self.encryption_key,
        )

        labels_layer = self._labels_layer()
        self.functions = {
            task.package: self._task_function(task, labels_layer) for task in TASK_FUNCTIONS
        }
        self.state_machine = self._state_machine()
        self._grant_state_machine()
        acknowledge_state_machine(self, self.state_machine, self.bucket, [OCR_INPUT_KEYS])
        self.intake = DocumentIntake(
            self,
            "Intake",
            state_machine=self.state_machine,
            lease_table=self.lease_table,
            documents_table=self.table,
            trigger_dead_letter_queue=self.trigger_dead_letter_queue,
            encryption_key=self.encryption_key,
            max_concurrent_documents=self.config.max_concurrent_documents,
        )
        self.batch_lane = BatchLane(
            self,
            "BatchLane",
            function=self.functions[BATCH_LANE],
            bucket=self.bucket,
            lease_table_arn=self.lease_table.table_arn,
            encryption_key=self.encryption_key,
            trigger_dead_letter_queue=self.trigger_dead_letter_queue,
            config=self.config,
            model_arns=self._model_arns(),
        )
        self.backfill = DocumentBackfill(
            self,
            "Backfill",
            bucket=self.bucket,
            intake_queue=self.intake.queue,
            encryption_key=self.encryption_key,
        )
        self._trigger_rule()
        self._stopped_execution_rule()
        self.monitoring = PipelineMonitoring(
            self,
            "Monitoring",
            state_machine=self.state_machine,
            functions={**self.functions, **self.intake.functions},
            dead_letter_queue=self.dead_letter_queue,
            trigger_dead_letter_queue=self.trigger_dead_letter_queue,
            intake_queue=self.intake.queue,
            intake_dead_letter_queue=self.intake.dead_letter_queue,
            alarm_email=self.config.alarm_email,
            encryption_key=self.encryption_key,
        )
        self._outputs()

    # Resources

    def _encryption_key(self) -> kms.Key:
        """One customer-managed key for the bucket, table, queues, topic, log groups and the
        state machine's execution history.

        The account's IAM policies decide which of its principals may use it (the roles here
        get kms:Decrypt and, where they write, kms:GenerateDataKey; people who upload
        documents need kms:GenerateDataKey, and people who read results, queues or execution
        history kms:Decrypt); the services that use it on their own behalf are named in the
        key policy. Retained on `cdk destroy`, like the bucket and the table whose data it
        encrypts.
        """
        logs_principal = iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name="*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        return kms.Key(
            self,
            "EncryptionKey",
            description=f"{self.stack_name}: documents, artifacts, table, queues, topic, logs "
            "and execution history",
            enable_key_rotation=True,
            alias=f"alias/{self.stack_name}",
            removal_policy=RemovalPolicy.RETAIN,
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AccountIamPoliciesGrantUse",
                        principals=[iam.AccountRootPrincipal()],
                        actions=list(ACCOUNT_KEY_ACTIONS),
                        resources=["*"],
                    ),
                    iam.PolicyStatement(
                        sid="CloudWatchLogsEncryptsLogGroups",
                        principals=[logs_principal],
                        actions=list(LOGS_KEY_ACTIONS),
                        resources=["*"],
                        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
                    ),
                    # The state machine's execution data, which its role encrypts, is
                    # decrypted by log delivery on its way into the log group.
                    iam.PolicyStatement(
                        sid="LogDeliveryReadsStateMachineLogs",
                        principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                        actions=["kms:Decrypt"],
                        resources=["*"],
                    ),
                    # EventBridge sends uploads to the intake queue, stopped executions to the
                    # pipeline's dead-letter queue and what it could not deliver to the
                    # trigger's: through SQS only (each queue's policy names its rules).
                    iam.PolicyStatement(
                        sid="EventBridgeSendsToQueues",
                        principals=[iam.ServicePrincipal("events.amazonaws.com")],
                        actions=list(KEY_WRITE),
                        resources=["*"],
                        conditions={
                            "StringEquals": {"kms:ViaService": f"sqs.{self.region}.amazonaws.com"}
                        },
                    ),
                ]
            ),
        )

    def _access_log_bucket(self) -> s3.Bucket:
        """Where S3 delivers the documents bucket's server access logs.

        S3-managed encryption: server access log delivery supports only SSE-S3 as the
        destination bucket's default encryption, not SSE-KMS.
        """
        return s3.Bucket(
            self,
            "AccessLogBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=ACCESS_LOG_EXPIRATION,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _documents_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "DocumentsBucket",
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.encryption_key,
            # One data key per bucket and period instead of a KMS call per object.
            bucket_key_enabled=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            lifecycle_rules=self._documents_lifecycle(),
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

    def _documents_lifecycle(self) -> list[s3.LifecycleRule]:
        """Intermediate artifacts expire (infra/config.py says what reads them), old versions
        of every object expire, and uploads left unfinished are aborted."""
        return [
            s3.LifecycleRule(
                id="ExpireIntermediateArtifacts",
                prefix=ARTIFACTS_PREFIX,
                expiration=Duration.days(self.config.artifact_retention_days),
                noncurrent_version_expiration=Duration.days(1),
            ),
            s3.LifecycleRule(
                id="ExpireOldVersions",
                noncurrent_version_expiration=Duration.days(self.config.noncurrent_version_days),
                expired_object_delete_marker=True,
            ),
            s3.LifecycleRule(
                id="AbortIncompleteUploads",
                abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
            ),
        ]

    def _lease_table(self) -> dynamodb.Table:
        """The semaphore that caps running executions: one item per lock (`lock_name`) with
        a count and one attribute per lease (tasks/shared/semaphore.py).

        Destroyed with the stack: it holds only leases, which mean nothing once the state
        machine is gone.
        """
        return dynamodb.Table(
            self,
            "LeaseTable",
            partition_key=dynamodb.Attribute(name="lock_name", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _queue(self, construct_id: str) -> sqs.Queue:
        return encrypted_queue(self, construct_id, self.encryption_key)

    def _labels_layer(self) -> lambda_.LayerVersion:
        """The configured labels file, alone in a layer (a file in the function at
        `LAYER_ROOT`/<its name>); the task bundle and its hash stay the same for any file."""
        path = self.config.labels_path
        return lambda_.LayerVersion(
            self,
            "LabelsLayer",
            description=f"Classification labels: {path.name}",
            code=lambda_.Code.from_asset(str(path.parent), exclude=["*", ".*", f"!{path.name}"]),
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
        )

    def _task_environment(self) -> dict[str, str]:
        """The environment every task function gets (read by tasks/shared/settings.py)."""
        config = self.config
        return {
            "DOCPIPE_ARTIFACT_BUCKET": self.bucket.bucket_name,
            "DOCPIPE_TABLE_NAME": self.table.table_name,
            "DOCPIPE_MODEL_PROVIDER": "bedrock",
            "DOCPIPE_MODEL_ID": config.model_id,
            "DOCPIPE_BUDGET_MODEL_ID": config.budget_model_id,
            "DOCPIPE_MAX_DOCUMENT_TOKENS": str(config.max_document_tokens),
            "DOCPIPE_MODEL_CALLS_PER_DOCUMENT": str(config.model_calls_per_document),
            "DOCPIPE_MAX_DOCUMENT_BYTES": str(config.max_document_bytes),
            "DOCPIPE_MAX_PAGES": str(config.max_pages),
            "DOCPIPE_MAX_CHARACTERS": str(config.max_characters),
            "DOCPIPE_MAX_EXTRACT_SECONDS": str(config.max_extract_seconds),
            **POWERTOOLS_ENVIRONMENT,
        }

    def _task_function(
        self, task: TaskFunction, labels_layer: lambda_.ILayerVersion
    ) -> lambda_.Function:
        environment = self._task_environment()
        layers: list[lambda_.ILayerVersion] = []
        if task.package in LABELS_TASKS:
            layers.append(labels_layer)
            labels_file = self.config.labels_path.name
            environment["DOCPIPE_LABELS_FILE"] = f"{LAYER_ROOT}/{labels_file}"
        function = traced_function(
            self,
            function_id(task),
            function=task,
            role_description=f"Runs the {task.package} task",
            code=function_code(task),
            key=self.encryption_key,
            environment=environment,
            layers=layers,
            reserved_concurrent_executions=(
                self.config.model_concurrency if task.package in MODEL_TASKS else None
            ),
        )
        role = function.role
        assert role is not None
        access = object_access(self.config.incoming_prefix)[task.package]
        self._grant_objects(role, access)
        if task.package in TABLE_TASKS:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=list(TABLE_TASK_ACTIONS), resources=[self.table.table_arn]
                )
            )
        if task.package in TEXTRACT_TASKS:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=[TEXTRACT_GET], resources=["*"])
            )
        wildcard_models: list[str] = []
        if task.package in MODEL_TASKS:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=self._model_arns(),
                )
            )
            for model_id in self.config.model_ids:
                base_model = profile_base_model(model_id)
                if base_model is not None:
                    wildcard_models.append(
                        f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{base_model}"
                    )
        depend_on_policies_only(function, role)
        acknowledge_task_function(
            self,
            function,
            role,
            self.bucket,
            [*access.reads, *access.writes],
            access.version_reads,
            wildcard_models,
            textract=task.package in TEXTRACT_TASKS,
        )
        return function

    def _model_arns(self) -> list[str]:
        """The ARNs of every model the functions may call (`bedrock_model_arns`)."""
        return [
            arn for model_id in self.config.model_ids for arn in bedrock_model_arns(self, model_id)
        ]

    def _grant_objects(self, role: iam.IRole, access: ObjectAccess) -> None:
        """Exactly `access` on the documents bucket's objects, and the key for them."""
        for actions, keys in (
            (["s3:GetObject"], access.reads),
            (["s3:GetObject", "s3:GetObjectVersion"], access.version_reads),
            (["s3:PutObject"], access.writes),
        ):
            if keys:
                role.add_to_principal_policy(
                    iam.PolicyStatement(
                        actions=actions,
                        resources=[self.bucket.arn_for_objects(key) for key in keys],
                    )
                )
        self._grant_key(role, access.key_actions)

    def _grant_key(self, role: iam.IRole, actions: Sequence[str]) -> None:
        grant_key(role, self.encryption_key, actions)

    def definition_substitutions(self) -> dict[str, str]:
        """Values for the ASL file's `${Placeholders}`: ARNs and names only."""
        substitutions = {
            task.placeholder: self.functions[task.package].function_arn for task in TASK_FUNCTIONS
        }
        substitutions.update(
            DocumentsTableName=self.table.table_name,
            LeaseTableName=self.lease_table.table_name,
            DeadLetterQueueUrl=self.dead_letter_queue.queue_url,
            CompletionTopicArn=self.completion_topic.topic_arn,
            BatchKeyPattern=f"{self.config.batch_key_prefix}*",
        )
        return substitutions

    def _state_machine(self) -> sfn.StateMachine:
        log_group = encrypted_log_group(
            self,
            "StateMachineLogs",
            self.encryption_key,
            # The vendedlogs prefix keeps CloudWatch's resource policy from growing per group.
            name=f"/aws/vendedlogs/states/{self.stack_name}-DocumentPipeline",
        )
        machine = sfn.StateMachine(
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
        # The definition and the execution history (which holds the documents' summaries)
        # under the stack's key. Set on the resource rather than through
        # `CustomerManagedEncryptionConfiguration`, whose key policy statement has a wildcard
        # action (kms:Decrypt*); the role gets the key through `_grant_state_machine`.
        cfn_machine = machine.node.default_child
        assert isinstance(cfn_machine, sfn.CfnStateMachine)
        cfn_machine.encryption_configuration = sfn.CfnStateMachine.EncryptionConfigurationProperty(
            type="CUSTOMER_MANAGED_KMS_KEY",
            kms_key_id=self.encryption_key.key_arn,
            kms_data_key_reuse_period_seconds=int(DATA_KEY_REUSE.to_seconds()),
        )
        return machine

    def _grant_state_machine(self) -> None:
        """Exactly what the ASL's states call: the task functions, the documents table (read
        by content hash, put, update), the lease release on the lease table, the dead-letter
        queue, the topic, Textract text detection on the OCR input files, and the key all of
        them (and the machine's own history) are encrypted with."""
        machine = self.state_machine
        # The ASL calls the unqualified ARNs; grant_invoke would add every version (ARN:*).
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in self.functions.values()],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[self.table.table_arn],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"], resources=[self.lease_table.table_arn]
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.dead_letter_queue.queue_arn]
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"], resources=[self.completion_topic.topic_arn]
            )
        )
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
        self._grant_key(machine.role, KEY_WRITE)
        depend_on_policies_only(machine, machine.role)

    def _trigger_rule(self) -> events.Rule:
        """Uploads under the incoming prefix (folder markers left out: see the pattern file)
        go to the intake queue, whose starter admits them into the state machine."""
        pattern = trigger_pattern(self.bucket.bucket_name, self.config.incoming_prefix)
        rule = events.Rule(
            self,
            "DocumentUploaded",
            description="Queues each document created under the incoming prefix for the "
            "pipeline's starter.",
            event_pattern=to_event_pattern(pattern),
        )
        add_queue_target(rule, self.intake.queue, dead_letter_queue=self.trigger_dead_letter_queue)
        return rule

    def _stopped_execution_rule(self) -> events.Rule:
        """Executions that end without their dead letter go to the DLQ too.

        The state machine's failure path records every failure it sees, but a state-machine
        timeout or an abort ends the execution without running it, and the queue may refuse
        the dead letter itself (the execution then fails `DeadLetterUndelivered`). This rule
        puts the status change event (execution ARN, input: the S3 event) in the pipeline's
        dead-letter queue, EventBridge retrying for a day, so no document ends silently.
        """
        rule = events.Rule(
            self,
            "ExecutionStopped",
            description="Sends timed-out and aborted pipeline executions, and those whose dead "
            "letter was refused, to the dead-letter queue.",
            event_pattern=to_event_pattern(
                unrecorded_execution_pattern(self.state_machine.state_machine_arn)
            ),
        )
        # Deliveries that fail even so land where failed triggers land.
        add_queue_target(
            rule, self.dead_letter_queue, dead_letter_queue=self.trigger_dead_letter_queue
        )
        return rule

    def _outputs(self) -> None:
        outputs = {
            "BucketName": self.bucket.bucket_name,
            "IncomingPrefix": self.config.incoming_prefix,
            "CompletionTopicArn": self.completion_topic.topic_arn,
            "StateMachineArn": self.state_machine.state_machine_arn,
            "DeadLetterQueueUrl": self.dead_letter_queue.queue_url,
            "TriggerDeadLetterQueueUrl": self.trigger_dead_letter_queue.queue_url,
            "DocumentsTableName": self.table.table_name,
            "IntakeQueueUrl": self.intake.queue.queue_url,
            "BackfillStateMachineArn": self.backfill.state_machine.state_machine_arn,
            "IntakeDeadLetterQueueUrl": self.intake.dead_letter_queue.queue_url,
            "LeaseTableName": self.lease_table.table_name,
            "EncryptionKeyArn": self.encryption_key.key_arn,
            "AccessLogBucketName": self.access_log_bucket.bucket_name,
            "AlarmTopicArn": self.monitoring.alarm_topic.topic_arn,
            "DashboardName": self.monitoring.dashboard.dashboard_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
