"""The task Lambdas: one entry per `${...FunctionArn}` placeholder in the ASL.

The CDK stack builds one function per entry and the offline engine dispatches each
placeholder to the same handler, so both read this single list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskFunction:
    """One Lambda task: its package under tasks/, its ASL placeholder and its sizing."""

    package: str
    placeholder: str
    memory_mb: int
    timeout_seconds: int
    description: str

    @property
    def handler(self) -> str:
        """Dotted handler path, as Lambda's `handler` setting and the offline engine use it."""
        return f"tasks.{self.package}.handler.handler"


TASK_FUNCTIONS: tuple[TaskFunction, ...] = (
    TaskFunction(
        "extract_text",
        "ExtractTextFunctionArn",
        1024,
        300,
        "Detects the document type by content and extracts text with its page map.",
    ),
    TaskFunction(
        "merge_ocr_text",
        "MergeOcrTextFunctionArn",
        512,
        120,
        "Merges the text of a finished Textract text-detection job into the page map.",
    ),
    TaskFunction(
        "chunk_text",
        "ChunkTextFunctionArn",
        512,
        300,
        "Splits the extracted text into token-budgeted chunks with overlap.",
    ),
    TaskFunction(
        "summarize_text",
        "SummarizeTextFunctionArn",
        512,
        300,
        "Summarizes one chunk, or a whole single-chunk document, with the model.",
    ),
    TaskFunction(
        "combine_summaries",
        "CombineSummariesFunctionArn",
        512,
        300,
        "Combines the chunk summaries into the document summary.",
    ),
    TaskFunction(
        "classify_document",
        "ClassifyDocumentFunctionArn",
        512,
        300,
        "Assigns one of the configured labels with a confidence.",
    ),
    TaskFunction(
        "store_results",
        "StoreResultsFunctionArn",
        256,
        60,
        "Writes the result JSON to S3 and marks the document SUCCEEDED in DynamoDB.",
    ),
)

# Placeholders that name resources other than the task Lambdas.
RESOURCE_PLACEHOLDERS: tuple[str, ...] = (
    "DocumentsTableName",
    "DeadLetterQueueUrl",
    "CompletionTopicArn",
)
