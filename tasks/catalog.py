"""The Lambdas: the state machine's tasks (one per `${...FunctionArn}` placeholder in the
ASL) and the intake functions around it (starter, end-of-execution handler, reconciler).

The CDK stack builds one function per entry and the offline engine dispatches each to the
same handler, so both read these two lists.
"""

from __future__ import annotations

from dataclasses import dataclass

# The batch lane's function (tasks/batch_lane): the ASL's, and its queue's, schedule's and
# Bedrock job events' target.
BATCH_LANE = "batch_lane"


@dataclass(frozen=True)
class LambdaFunction:
    """One Lambda: its package under tasks/, its sizing and what it does."""

    package: str
    memory_mb: int
    timeout_seconds: int
    description: str

    @property
    def handler(self) -> str:
        """Dotted handler path, as Lambda's `handler` setting and the offline engine use it."""
        return f"tasks.{self.package}.handler.handler"


@dataclass(frozen=True)
class TaskFunction(LambdaFunction):
    """A task of the state machine, called through its ASL placeholder."""

    placeholder: str = ""


@dataclass(frozen=True)
class IntakeFunction(LambdaFunction):
    """A Lambda outside the state machine: what admits executions and cleans up after them."""


TASK_FUNCTIONS: tuple[TaskFunction, ...] = (
    TaskFunction(
        "extract_text",
        1024,
        300,
        "Detects the document type by content and extracts text with its page map.",
        placeholder="ExtractTextFunctionArn",
    ),
    TaskFunction(
        "merge_ocr_text",
        512,
        120,
        "Merges the text of a finished Textract text-detection job into the page map.",
        placeholder="MergeOcrTextFunctionArn",
    ),
    TaskFunction(
        "chunk_text",
        512,
        300,
        "Splits the extracted text into token-budgeted chunks with overlap.",
        placeholder="ChunkTextFunctionArn",
    ),
    TaskFunction(
        "summarize_text",
        512,
        300,
        "Summarizes one chunk, or a whole single-chunk document, with the model.",
        placeholder="SummarizeTextFunctionArn",
    ),
    TaskFunction(
        "combine_summaries",
        512,
        300,
        "Combines the chunk summaries into the document summary.",
        placeholder="CombineSummariesFunctionArn",
    ),
    TaskFunction(
        "classify_document",
        512,
        300,
        "Assigns one of the configured labels with a confidence.",
        placeholder="ClassifyDocumentFunctionArn",
    ),
    TaskFunction(
        BATCH_LANE,
        512,
        900,
        "The batch lane: runs documents' model calls through Bedrock batch inference jobs.",
        placeholder="BatchLaneFunctionArn",
    ),
    TaskFunction(
        "store_results",
        256,
        60,
        "Writes the result JSON to S3 and marks the document SUCCEEDED in DynamoDB.",
        placeholder="StoreResultsFunctionArn",
    ),
)


START_PIPELINE = IntakeFunction(
    "start_pipeline",
    256,
    60,
    "Admits uploads from the intake queue: a lease in the semaphore, then StartExecution.",
)
EXECUTION_ENDED = IntakeFunction(
    "execution_ended",
    256,
    30,
    "On every terminal execution status: releases the lease, fails a still-PROCESSING record.",
)
RECONCILE_LEASES = IntakeFunction(
    "reconcile_leases",
    256,
    60,
    "Scheduled: frees the leases of executions that are no longer running.",
)
INTAKE_FUNCTIONS: tuple[IntakeFunction, ...] = (START_PIPELINE, EXECUTION_ENDED, RECONCILE_LEASES)

# Placeholders that name resources other than the task Lambdas.
RESOURCE_PLACEHOLDERS: tuple[str, ...] = (
    "BatchKeyPattern",
    "DocumentsTableName",
    "DeadLetterQueueUrl",
    "CompletionTopicArn",
    "LeaseTableName",
)

# The starter's event source on the intake queue, as the stack deploys it and the offline
# engine emulates it.
INTAKE_BATCH_SIZE = 10
INTAKE_MAX_CONCURRENCY = 2  # concurrent starter batches (the mapping's MaximumConcurrency)
# A full house hands a message back with a delay that grows to a minute (AWS), so a message
# waits about 16 hours of full house before its thousandth receive sends it to the intake
# dead-letter queue (1,000 is SQS's maximum).
INTAKE_MAX_RECEIVES = 1000
INTAKE_VISIBILITY_TIMEOUT_SECONDS = 6 * START_PIPELINE.timeout_seconds  # AWS's advice
# The reconciler runs every 5 minutes and leaves alone leases younger than 5 minutes (a lease
# is taken just before StartExecution, whose execution may still be starting).
RECONCILE_PERIOD_SECONDS = 300
LEASE_GRACE_SECONDS = 300
