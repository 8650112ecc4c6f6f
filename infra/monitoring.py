"""PipelineMonitoring: the alarm topic, the alarms an operator acts on, and the dashboard.

Alarms (each publishes to the alarm topic when it enters ALARM; missing data is not breaching):

- DeadLetterQueueNotEmpty, TriggerDeadLetterQueueNotEmpty, IntakeDeadLetterQueueNotEmpty: a
  message waits in one of the dead-letter queues. They stay in ALARM until the queue is
  emptied, so they say "there is work to do".
- IntakeQueueAge, IntakeQueueDepth: uploads wait in the intake queue longer, or in greater
  numbers, than the cap on running documents should allow: the backlog is not draining.
- ExecutionsFailed, ExecutionsTimedOut, ExecutionsThrottled: the state machine's own
  metrics (AWS/States, dimension StateMachineArn) over 5 minutes; they return to OK after a
  quiet period, so they say "documents are failing now".
- ModelThrottled: sustained Bedrock throttling, from the handlers' `ModelThrottled` metric.

No alarm watches Lambda errors: bad input raises in the task on purpose and every task error
is either retried to success or ends the document on the failure path, which ExecutionsFailed
and the dead-letter queue alarm already report. The dashboard graphs them per function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tasks.shared.observability import (
    ADMISSIONS_DEFERRED,
    ADMISSIONS_REDELIVERED,
    CHUNKS,
    COST_USD,
    DOCUMENTS_ADMITTED,
    DOCUMENTS_PROCESSED,
    INPUT_TOKENS,
    LEASES_RECONCILED,
    LEASES_RELEASED_ON_END,
    METRIC_DIMENSIONS,
    METRICS_NAMESPACE,
    MODEL_CALLS,
    MODEL_THROTTLED,
    OUTPUT_TOKENS,
    PAGES_EXTRACTED,
    PAGES_OCR,
    RECORDS_FAILED_ON_END,
)

PERIOD = Duration.minutes(5)
# The intake queue holds uploads until the starter admits them (at most
# maxConcurrentDocuments running at once), so a burst makes it deep and old for a while.
# These say "documents wait too long": the oldest has waited an hour, or a backlog the size
# of the burst the intake is designed for (1,000 uploads) has not shrunk for 15 minutes.
INTAKE_MAX_AGE = Duration.hours(1)
INTAKE_MAX_DEPTH = 1000
INTAKE_DEPTH_PERIODS = 3
# What the intake functions count (tasks/start_pipeline, execution_ended, reconcile_leases).
INTAKE_METRICS = (
    (DOCUMENTS_ADMITTED, "Documents admitted"),
    (ADMISSIONS_REDELIVERED, "Already started (redelivered)"),
    (ADMISSIONS_DEFERRED, "Handed back (house full)"),
    (LEASES_RELEASED_ON_END, "Leases released on end"),
    (RECORDS_FAILED_ON_END, "Records failed on end"),
    (LEASES_RECONCILED, "Leases freed by the reconciler"),
)
# Throttled model calls are retried by the state machine (6 attempts, up to 60 s apart), so
# a burst is harmless; this many in each of MODEL_THROTTLE_PERIODS consecutive periods means
# the model's quota is too low for the load.
MODEL_THROTTLE_THRESHOLD = 10
MODEL_THROTTLE_PERIODS = 3

CLOUDWATCH = "cloudwatch.amazonaws.com"
# What CloudWatch needs on a customer-managed key to publish to a topic it encrypts (the
# AWS managed key aws/sns cannot grant it, so alarms cannot use such a topic at all).
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# Textract's text-detection operations, as the Operation dimension of AWS/Textract names them.
TEXTRACT_OPERATIONS = ("StartDocumentTextDetection", "GetDocumentTextDetection")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PipelineMonitoring(Construct):
    """Alarms on the dead-letter queues, the intake queue, the state machine and model
    throttling, an SNS topic they publish to (optionally with an e-mail subscription), and a
    CloudWatch dashboard.

    `functions` maps a task's name (its package under tasks/) to its function; the names
    label the dashboard's per-function lines. When `encryption_key` is given the topic is
    encrypted with it and the key's policy lets CloudWatch use it; an imported key, whose
    policy CDK cannot change, is refused because alarms could then never publish. Alarm and
    dashboard names start with `name_prefix` (default: the stack's name), which must be
    unique in the account and region.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        trigger_dead_letter_queue: sqs.IQueue,
        intake_queue: sqs.IQueue,
        intake_dead_letter_queue: sqs.IQueue,
        alarm_email: str | None = None,
        encryption_key: kms.IKey | None = None,
        name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if alarm_email and not _EMAIL.match(alarm_email):
            raise ValueError(f"alarmEmail is not an e-mail address: {alarm_email!r}")
        self.name_prefix = name_prefix or Stack.of(self).stack_name
        self._state_machine = state_machine

        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="docpipe alarms",
            enforce_ssl=True,
            master_key=encryption_key,
        )
        if alarm_email:
            subscription = self.alarm_topic.add_subscription(
                subscriptions.EmailSubscription(alarm_email)
            )
            Validations.of(subscription).acknowledge(
                Acknowledgment(
                    id="Serverless::Serverless-SNSRedrivePolicy",
                    reason="An alarm e-mail SNS cannot deliver has nowhere useful to go: a "
                    "queue for it would need an alarm of its own, notifying through this same "
                    "topic. The alarm's state and history stay in CloudWatch and on the "
                    "dashboard, so nothing is lost.",
                )
            )

        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._queue_alarm(
            "DeadLetterQueueNotEmpty",
            dead_letter_queue,
            "A document failed and its record waits in the pipeline's dead-letter queue "
            "{queue}: the original event, the document, the error (also the error_type "
            "attribute) and the execution ARN. Bad input (UnsupportedDocumentError, "
            "CorruptDocumentError, EncryptedDocumentError, EmptyDocumentError, "
            "DocumentTooLargeError, ExtractionTimeoutError, OcrFailedError, "
            "BudgetExceededError) fails again: tell the uploader. Otherwise fix the cause "
            "(model access or quota, Lambda or AWS errors) and upload the object again, or "
            "start an execution with the message's event as input. Delete handled messages: "
            "this alarm stays in ALARM until the queue is empty.",
        )
        self._queue_alarm(
            "TriggerDeadLetterQueueNotEmpty",
            trigger_dead_letter_queue,
            "An event was not delivered or not handled; it waits in {queue}. From EventBridge "
            "after its retries (ERROR_CODE and ERROR_MESSAGE attributes say why: throttling, "
            "missing permission, deleted target): an upload that did not reach the intake "
            "queue (an S3 event: send the body to the intake queue), or an execution status "
            "change or reconciler schedule that did not reach its function. From the Execution "
            "Ended function after Lambda's retries (ErrorCode, ErrorMessage attributes): a "
            "lease the reconciler frees anyway, and a record that may stay PROCESSING until "
            "its expiry. Fix the cause, then delete the message. This alarm stays in ALARM "
            "until the queue is empty.",
        )
        self._queue_alarm(
            "IntakeDeadLetterQueueNotEmpty",
            intake_dead_letter_queue,
            "An upload left the intake queue without starting an execution: the starter "
            "received it the maximum number of times and never admitted it. The S3 event "
            "waits in {queue}. Either the house stayed full for hours (leases not released: "
            "check the lease table against the running executions, and the reconciler's "
            "logs) or the starter failed on the message (its logs name the error). Fix the "
            "cause, then send each message body back to the intake queue and delete it. This "
            "alarm stays in ALARM until the queue is empty.",
        )
        self._alarm(
            "IntakeQueueAge",
            intake_queue.metric_approximate_age_of_oldest_message(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            f"An upload has waited more than {int(INTAKE_MAX_AGE.to_hours())} hour(s) in the "
            f"intake queue {intake_queue.queue_name} to be admitted. Waiting is how the intake "
            "absorbs a burst, but this long means the backlog drains slower than it grows: "
            "executions run long (model throttling, slow OCR), leases are not released "
            "(compare the lease table with the running executions), or maxConcurrentDocuments "
            "is small for the load. Raise the cap together with the model's quota (README), "
            "or let the burst drain.",
            threshold=INTAKE_MAX_AGE.to_seconds(),
        )
        self._alarm(
            "IntakeQueueDepth",
            intake_queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            f"At least {INTAKE_MAX_DEPTH:,} uploads have waited in the intake queue "
            f"{intake_queue.queue_name} for {INTAKE_DEPTH_PERIODS * 5} minutes. They are kept "
            "(14 days), and drain at about maxConcurrentDocuments documents per document "
            "duration. If the backlog does not shrink, check that executions start (the "
            "starter's errors, its AdmissionsDeferred count against the running executions) "
            "and that leases are released; raise maxConcurrentDocuments with the model's "
            "quota if the load is the new normal.",
            threshold=INTAKE_MAX_DEPTH,
            evaluation_periods=INTAKE_DEPTH_PERIODS,
        )
        self._alarm(
            "ExecutionsFailed",
            state_machine.metric_failed(period=PERIOD),
            "At least one document failed in the last 5 minutes (execution status FAILED). "
            "Its record is in the pipeline's dead-letter queue; the Step Functions console "
            "shows the failed state and its error. Many at once usually means a shared cause "
            "(model access, quotas, a bad deployment).",
        )
        self._alarm(
            "ExecutionsTimedOut",
            state_machine.metric_timed_out(period=PERIOD),
            "An execution ran past the state machine's time limit (TimeoutSeconds in the "
            "ASL) and was stopped without the failure path. Its status-change event is in "
            "the pipeline's dead-letter queue instead of a failure record, and the Execution "
            "Ended function released its lease and marked its document FAILED, so uploading "
            "the object again processes it. Find the execution (status Timed out) and the "
            "state it stopped in (a stuck OCR job, retries that never ended) before you do.",
        )
        self._alarm(
            "ExecutionsThrottled",
            state_machine.metric_throttled(period=PERIOD),
            "Step Functions throttled state transitions of this state machine in the last 5 "
            "minutes, which slows every document. Check the account's Step Functions quotas "
            "(state transitions) in Service Quotas and the upload rate; request an increase "
            "if the load is expected.",
        )
        self._alarm(
            "ModelThrottled",
            self._docpipe_metric(MODEL_THROTTLED),
            f"Bedrock throttled at least {MODEL_THROTTLE_THRESHOLD} model calls in each of "
            f"{MODEL_THROTTLE_PERIODS} consecutive 5-minute periods: the load exceeds the "
            "model's quota. Calls are retried, but documents slow down and those that exhaust "
            "the retries end ModelThrottledError in the dead-letter queue. Raise the model's "
            "on-demand quotas (Service Quotas, Amazon Bedrock), deploy with a cross-region "
            "inference profile as modelId (e.g. us.amazon.nova-micro-v1:0), or upload more "
            "slowly.",
            threshold=MODEL_THROTTLE_THRESHOLD,
            evaluation_periods=MODEL_THROTTLE_PERIODS,
        )
        self._allow_cloudwatch(encryption_key)

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{self.name_prefix}-DocumentPipeline",
            default_interval=Duration.days(1),
            widgets=self._widgets(
                functions,
                dead_letter_queue,
                trigger_dead_letter_queue,
                intake_queue,
                intake_dead_letter_queue,
            ),
        )

    # Alarms

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        threshold: float = 1,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self.name_prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))
        self.alarms[name] = alarm
        return alarm

    def _queue_alarm(self, name: str, queue: sqs.IQueue, description: str) -> None:
        metric = queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
        )
        self._alarm(name, metric, description.format(queue=queue.queue_name))

    def _allow_cloudwatch(self, key: kms.IKey | None) -> None:
        """Let these alarms, and only these, publish to the topic (and use its key).

        `enforce_ssl` gives the topic a policy of its own, which replaces SNS's default one,
        so CloudWatch needs an explicit allow.
        """
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowPipelineAlarms",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={
                    "ArnEquals": {
                        "aws:SourceArn": [alarm.alarm_arn for alarm in self.alarms.values()]
                    }
                },
            )
        )
        if key is None:
            return
        added = key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublishToEncryptedTopics",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=list(KEY_ACTIONS),
                resources=["*"],
            ),
            allow_no_op=True,
        )
        if not added.statement_added:
            raise ValueError(
                f"the key {key.node.path} is imported: its policy cannot be given "
                f"{', '.join(KEY_ACTIONS)} for {CLOUDWATCH}, so alarms could not publish to "
                "a topic it encrypts"
            )

    # Dashboard

    def _docpipe_metric(self, name: str, label: str | None = None) -> cloudwatch.Metric:
        """A metric the handlers emit through Powertools (namespace and `service` dimension)."""
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map=dict(METRIC_DIMENSIONS),
            statistic=cloudwatch.Stats.SUM,
            period=PERIOD,
            label=label,
        )

    def _widgets(
        self,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        trigger_dead_letter_queue: sqs.IQueue,
        intake_queue: sqs.IQueue,
        intake_dead_letter_queue: sqs.IQueue,
    ) -> list[list[cloudwatch.IWidget]]:
        machine = self._state_machine
        docpipe = self._docpipe_metric
        documents_failed = cloudwatch.MathExpression(
            expression="FILL(failed, 0) + FILL(timedOut, 0)",
            using_metrics={
                "failed": machine.metric_failed(period=PERIOD),
                "timedOut": machine.metric_timed_out(period=PERIOD),
            },
            label="Documents failed (executions failed + timed out)",
            period=PERIOD,
        )
        return [
            [
                cloudwatch.AlarmStatusWidget(
                    title="Alarms", alarms=list(self.alarms.values()), width=24, height=3
                )
            ],
            [
                cloudwatch.GraphWidget(
                    title="Executions",
                    left=[
                        machine.metric_started(period=PERIOD, label="Started"),
                        machine.metric_succeeded(period=PERIOD, label="Succeeded"),
                        machine.metric_failed(period=PERIOD, label="Failed"),
                        machine.metric_timed_out(period=PERIOD, label="Timed out"),
                        machine.metric_aborted(period=PERIOD, label="Aborted"),
                        machine.metric_throttled(period=PERIOD, label="Throttled"),
                    ],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Execution time (ms)",
                    left=[
                        machine.metric_time(period=PERIOD, statistic=stat, label=label)
                        for stat, label in (
                            (cloudwatch.Stats.AVERAGE, "Average"),
                            (cloudwatch.Stats.p(90), "p90"),
                            (cloudwatch.Stats.MAXIMUM, "Maximum"),
                        )
                    ],
                    width=12,
                ),
            ],
            [
                cloudwatch.GraphWidget(
                    title="Documents",
                    left=[docpipe(DOCUMENTS_PROCESSED, "Documents processed"), documents_failed],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Pages and chunks",
                    left=[
                        docpipe(PAGES_EXTRACTED, "Pages extracted"),
                        docpipe(PAGES_OCR, "Pages read by OCR"),
                        docpipe(CHUNKS, "Chunks"),
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Dead-letter queues (messages waiting)",
                    left=[
                        queue.metric_approximate_number_of_messages_visible(
                            period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM, label=label
                        )
                        for queue, label in (
                            (dead_letter_queue, "Pipeline failures"),
                            (trigger_dead_letter_queue, "Events not delivered"),
                            (intake_dead_letter_queue, "Uploads never admitted"),
                        )
                    ],
                    width=8,
                ),
            ],
            [
                cloudwatch.GraphWidget(
                    title="Intake queue",
                    left=[
                        intake_queue.metric_approximate_number_of_messages_visible(
                            period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM, label="Waiting"
                        ),
                        intake_queue.metric_approximate_number_of_messages_not_visible(
                            period=PERIOD,
                            statistic=cloudwatch.Stats.MAXIMUM,
                            label="Being admitted or handed back",
                        ),
                    ],
                    right=[
                        intake_queue.metric_approximate_age_of_oldest_message(
                            period=PERIOD,
                            statistic=cloudwatch.Stats.MAXIMUM,
                            label="Oldest upload (s)",
                        )
                    ],
                    width=12,
                ),
                cloudwatch.GraphWidget(
                    title="Admission and leases",
                    left=[docpipe(name, label) for name, label in INTAKE_METRICS],
                    width=12,
                ),
            ],
            [
                cloudwatch.GraphWidget(
                    title="Model tokens",
                    left=[
                        docpipe(INPUT_TOKENS, "Input tokens"),
                        docpipe(OUTPUT_TOKENS, "Output tokens"),
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Model calls",
                    left=[
                        docpipe(MODEL_CALLS, "Model calls"),
                        docpipe(MODEL_THROTTLED, "Model calls throttled"),
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Model cost (USD)",
                    left=[docpipe(COST_USD, "Cost (USD)")],
                    width=8,
                ),
            ],
            [
                cloudwatch.GraphWidget(
                    title="Task duration p90 (ms)",
                    left=[
                        function.metric_duration(
                            period=PERIOD, statistic=cloudwatch.Stats.p(90), label=name
                        )
                        for name, function in functions.items()
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Task errors",
                    left=[
                        function.metric_errors(period=PERIOD, label=name)
                        for name, function in functions.items()
                    ],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="Task throttles",
                    left=[
                        function.metric_throttles(period=PERIOD, label=name)
                        for name, function in functions.items()
                    ],
                    width=8,
                ),
            ],
            [
                cloudwatch.GraphWidget(
                    title="Textract text detection (whole account)",
                    left=[
                        cloudwatch.Metric(
                            namespace="AWS/Textract",
                            metric_name=metric,
                            dimensions_map={"Operation": operation},
                            statistic=cloudwatch.Stats.SUM,
                            period=PERIOD,
                            label=f"{operation} {label}",
                        )
                        for operation in TEXTRACT_OPERATIONS
                        for metric, label in (
                            ("ThrottledCount", "throttled"),
                            ("ServerErrorCount", "server errors"),
                        )
                    ],
                    width=24,
                ),
            ],
        ]
