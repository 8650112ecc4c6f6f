"""Powertools Logger, Tracer and Metrics shared by every handler (service `docpipe`), and the
names of the metrics they emit.

Powertools writes each metric in the CloudWatch namespace `METRICS_NAMESPACE` with the single
dimension `service` (`METRIC_DIMENSIONS`); infra/monitoring.py graphs and alarms on exactly
these names and dimensions, so a metric renamed here is renamed on the dashboard too.
"""

from __future__ import annotations

from types import MappingProxyType

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "docpipe"
METRICS_NAMESPACE = SERVICE
# The dimensions Powertools adds to every metric of `metrics` (it adds `service` itself).
METRIC_DIMENSIONS = MappingProxyType({"service": SERVICE})

# Metric names, by the handler that emits them.
CHUNKS = "Chunks"  # Chunk Text: chunks of a document
PAGES_EXTRACTED = "PagesExtracted"  # Extract Text: pages of a document
PAGES_OCR = "PagesOcr"  # Merge OCR Text: pages read by Textract
DOCUMENTS_PROCESSED = "DocumentsProcessed"  # Store Results: one per stored result
INPUT_TOKENS = "InputTokens"  # Store Results: the document's model usage...
OUTPUT_TOKENS = "OutputTokens"
MODEL_CALLS = "ModelCalls"
COST_USD = "CostUSD"  # ...and its cost in US dollars
# One per model call the provider saw throttled (summarize, combine, classify); the state
# machine retries them, so a few are normal and a steady stream means the quota is too low.
MODEL_THROTTLED = "ModelThrottled"
# The intake. Start Pipeline: uploads admitted into an execution, uploads whose execution
# existed already (a redelivered message), uploads handed back to the queue (a full house).
DOCUMENTS_ADMITTED = "DocumentsAdmitted"
ADMISSIONS_REDELIVERED = "AdmissionsRedelivered"
ADMISSIONS_DEFERRED = "AdmissionsDeferred"
# Execution Ended: leases it gave back, PROCESSING records it marked FAILED.
LEASES_RELEASED_ON_END = "LeasesReleasedOnEnd"
RECORDS_FAILED_ON_END = "RecordsFailedOnEnd"
# Reconcile Leases: leases of executions no longer running that it freed.
LEASES_RECONCILED = "LeasesReconciled"
# Failed documents have no metric here: the failure path (Record Failure, Send To DLQ,
# Publish Failure, Fail) runs no Lambda. They are the state machine's ExecutionsFailed plus
# ExecutionsTimedOut (AWS/States), which is how infra/monitoring.py counts them.

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)

# The correlation id of every log line: the document id the ASL passes to each task.
CORRELATION_ID_PATH = "document.id"


def count_model_throttle() -> None:
    """Count one throttled model call in `ModelThrottled`.

    Called where a provider turns a throttling answer into ModelThrottledError. The handler's
    `@metrics.log_metrics` flushes in a `finally`, so the count is published even though the
    invocation then fails with that error.
    """
    metrics.add_metric(name=MODEL_THROTTLED, unit=MetricUnit.Count, value=1)
