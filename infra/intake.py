"""DocumentIntake: what admits documents into the state machine and cleans up after them.

    uploads (rule DocumentUploaded, infra/stack.py) → intake queue ─(receive limit)→ its DLQ
      → Start Pipeline (SQS event source: batches of 10, at most 2 batches at once, partial
        batch responses): a lease in the lease table, then StartExecution; a full house hands
        the message back to the queue with a growing visibility timeout
    execution status change (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) → Execution Ended:
        releases the lease, fails a document record the execution left PROCESSING
    every 5 minutes → Reconcile Leases: frees the leases of executions no longer running

The handlers are tasks/start_pipeline, tasks/execution_ended and tasks/reconcile_leases
(tasks/catalog.py INTAKE_FUNCTIONS); the offline engine runs the same handlers.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.bundling import function_code
from infra.config import pipeline_timeout_seconds
from infra.nag import (
    acknowledge_dead_letter_queue,
    acknowledge_intake_function,
    acknowledge_queue_event_source,
)
from infra.patterns import TERMINAL_STATUSES, execution_status_pattern
from infra.resources import (
    KEY_WRITE,
    POWERTOOLS_ENVIRONMENT,
    TRIGGER_MAX_EVENT_AGE,
    TRIGGER_RETRY_ATTEMPTS,
    depend_on_policies_only,
    encrypted_queue,
    grant_key,
    to_event_pattern,
    traced_function,
)
from tasks.catalog import (
    EXECUTION_ENDED,
    INTAKE_BATCH_SIZE,
    INTAKE_MAX_CONCURRENCY,
    INTAKE_MAX_RECEIVES,
    INTAKE_VISIBILITY_TIMEOUT_SECONDS,
    LEASE_GRACE_SECONDS,
    RECONCILE_LEASES,
    RECONCILE_PERIOD_SECONDS,
    START_PIPELINE,
    IntakeFunction,
)

# The intake queue and the starter's event source as tasks/catalog.py sets them for both
# the stack and the offline engine: a visibility timeout of 6 times the starter's timeout
# (AWS's advice, so that a batch still being worked on is not handed out again), a receive
# limit that covers hours of full house (a message handed back waits up to a minute each
# time) before the intake's dead-letter queue, batches of 10 and at most 2 batches at once
# (the lowest MaximumConcurrency Lambda accepts: admission is a conditional write and a
# StartExecution per message, and more pollers would only contend for the semaphore item).
VISIBILITY_TIMEOUT = Duration.seconds(INTAKE_VISIBILITY_TIMEOUT_SECONDS)
# Messages are gathered for at most a second before a batch is handed to the starter.
MAX_BATCHING_WINDOW = Duration.seconds(1)
# How often the reconciler looks for leases of executions that are no longer running, and
# how old a lease must be before it does (a lease is taken just before StartExecution).
RECONCILE_SCHEDULE = events.Schedule.rate(Duration.seconds(RECONCILE_PERIOD_SECONDS))


def intake_function_id(function: IntakeFunction) -> str:
    """Construct id of an intake function: its package in PascalCase and "Function", like
    the task functions' (StartPipelineFunction)."""
    return "".join(part.title() for part in function.package.split("_")) + "Function"


class DocumentIntake(Construct):
    """The intake queue and its dead-letter queue, the starter that drains it into
    `state_machine` under the `max_concurrent_documents` cap (leases in `lease_table`), and
    the functions that release leases: on the execution status-change event and on a
    schedule.

    Attributes: `queue`, `dead_letter_queue`, `functions` (by package), `status_change_rule`,
    `schedule_rule`. Events EventBridge cannot deliver to the two functions, and status
    changes Execution Ended fails on, go to `trigger_dead_letter_queue`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        lease_table: dynamodb.ITable,
        documents_table: dynamodb.ITable,
        trigger_dead_letter_queue: sqs.IQueue,
        encryption_key: kms.IKey,
        max_concurrent_documents: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self._key = encryption_key
        self._state_machine = state_machine
        self._lease_table = lease_table
        self._trigger_dead_letter_queue = trigger_dead_letter_queue

        self.dead_letter_queue = encrypted_queue(self, "DeadLetterQueue", encryption_key)
        acknowledge_dead_letter_queue(self.dead_letter_queue)
        self.queue = encrypted_queue(
            self,
            "Queue",
            encryption_key,
            visibility_timeout=VISIBILITY_TIMEOUT,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=INTAKE_MAX_RECEIVES, queue=self.dead_letter_queue
            ),
        )
        self.functions: dict[str, lambda_.Function] = {}
        self._start_pipeline(max_concurrent_documents)
        self.status_change_rule = self._execution_ended(documents_table)
        self.schedule_rule = self._reconcile_leases()

    # Functions

    def _function(
        self, function: IntakeFunction, environment: dict[str, str], **props: Any
    ) -> tuple[lambda_.Function, iam.IRole]:
        """A function with a bundle of its own and its own role, which may update the lease
        table and use the key (the table, the queue and the machine's executions are all
        encrypted with it)."""
        built = traced_function(
            self,
            intake_function_id(function),
            function=function,
            role_description=f"Runs the {function.package} intake function",
            code=function_code(function),
            key=self._key,
            environment={
                "DOCPIPE_LEASE_TABLE_NAME": self._lease_table.table_name,
                **environment,
                **POWERTOOLS_ENVIRONMENT,
            },
            **props,
        )
        role = built.role
        assert role is not None
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"], resources=[self._lease_table.table_arn]
            )
        )
        grant_key(role, self._key, KEY_WRITE)
        self.functions[function.package] = built
        return built, role

    def _start_pipeline(self, max_concurrent_documents: int) -> None:
        """The starter: StartExecution of this state machine only, reading the leases and
        its executions' status, and the intake queue's messages (receive, delete, hand back
        with a new visibility timeout)."""
        machine = self._state_machine
        function, role = self._function(
            START_PIPELINE,
            {
                "DOCPIPE_STATE_MACHINE_ARN": machine.state_machine_arn,
                "DOCPIPE_MAX_CONCURRENT_DOCUMENTS": str(max_concurrent_documents),
                # A lease older than the machine's time limit belongs to a finished execution.
                "DOCPIPE_PROCESSING_TIMEOUT_SECONDS": str(pipeline_timeout_seconds()),
            },
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution"], resources=[machine.state_machine_arn]
            )
        )
        # A full house reads the leases, and asks whether executions that released theirs
        # have ended.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"], resources=[self._lease_table.table_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution"], resources=[self.executions_arn()]
            )
        )
        # Receive, delete, change visibility and read attributes of the intake queue (and
        # decrypt its messages); the poller uses them with the function's role.
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=INTAKE_BATCH_SIZE,
                max_batching_window=MAX_BATCHING_WINDOW,
                max_concurrency=INTAKE_MAX_CONCURRENCY,
                report_batch_item_failures=True,
            )
        )
        depend_on_policies_only(function, role)
        redrive = (
            "A message the starter fails on returns to the intake queue, whose redrive policy "
            f"moves it to the intake's dead-letter queue after {INTAKE_MAX_RECEIVES} receives."
        )
        acknowledge_intake_function(
            function,
            role,
            f"Invoked synchronously by the SQS event source mapping. {redrive}",
            state_machine=machine,
        )
        acknowledge_queue_event_source(function, redrive)

    def _execution_ended(self, documents_table: dynamodb.ITable) -> events.Rule:
        """Execution Ended, on every terminal status of this machine's executions: it also
        updates a document record the execution left PROCESSING."""
        function, role = self._function(
            EXECUTION_ENDED,
            {"DOCPIPE_TABLE_NAME": documents_table.table_name},
            # What it fails on after Lambda's two retries of an asynchronous call is kept.
            dead_letter_queue=self._imported_trigger_dead_letter_queue("ExecutionEnded"),
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"], resources=[documents_table.table_arn]
            )
        )
        depend_on_policies_only(function, role)
        acknowledge_intake_function(function, role)
        return events.Rule(
            self,
            "ExecutionEnded",
            description="Releases the lease of each pipeline execution that ends, and fails "
            "the record of one that ended without recording.",
            event_pattern=to_event_pattern(
                execution_status_pattern(self._state_machine.state_machine_arn, TERMINAL_STATUSES)
            ),
            targets=[self._target(function)],
        )

    def _reconcile_leases(self) -> events.Rule:
        """Reconcile Leases: reads the lease item and asks Step Functions about this
        machine's executions only."""
        machine = self._state_machine
        function, role = self._function(
            RECONCILE_LEASES,
            {
                "DOCPIPE_STATE_MACHINE_ARN": machine.state_machine_arn,
                "DOCPIPE_LEASE_GRACE_SECONDS": str(LEASE_GRACE_SECONDS),
            },
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"], resources=[self._lease_table.table_arn]
            )
        )
        executions = self.executions_arn()
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions])
        )
        depend_on_policies_only(function, role)
        acknowledge_intake_function(
            function,
            role,
            "Runs on a schedule every few minutes and keeps nothing between runs: a run that "
            "fails is done again by the next one.",
            state_machine=machine,
        )
        return events.Rule(
            self,
            "ReconcileSchedule",
            description="Frees the leases of pipeline executions that are no longer running.",
            schedule=RECONCILE_SCHEDULE,
            targets=[self._target(function)],
        )

    # Wiring

    def executions_arn(self) -> str:
        """The ARN pattern of every execution of the state machine (and nothing else)."""
        return Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self._state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def _target(self, function: lambda_.IFunction) -> targets.LambdaFunction:
        """A rule target with the project's retries; what EventBridge cannot deliver is kept
        in the trigger's dead-letter queue."""
        return targets.LambdaFunction(
            function,
            dead_letter_queue=self._trigger_dead_letter_queue,
            retry_attempts=TRIGGER_RETRY_ATTEMPTS,
            max_event_age=TRIGGER_MAX_EVENT_AGE,
        )

    def _imported_trigger_dead_letter_queue(self, user: str) -> sqs.IQueue:
        """The trigger's dead-letter queue as an imported reference, for a function's own
        dead-letter queue: given the queue it owns, CDK would grant the role the key with
        wildcard actions (kms:ReEncrypt*, kms:GenerateDataKey*); the role already has
        KEY_WRITE on it."""
        return sqs.Queue.from_queue_arn(
            self,
            f"TriggerDeadLetterQueueFor{user}",
            self._trigger_dead_letter_queue.queue_arn,
        )
