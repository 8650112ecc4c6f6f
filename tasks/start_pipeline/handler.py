"""Lambda entry of Start Pipeline: the intake queue's consumer (partial batch responses)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.shared import clock
from tasks.shared.clients import client
from tasks.shared.errors import IntakeFullError
from tasks.shared.observability import logger, metrics, tracer
from tasks.shared.semaphore import Semaphore
from tasks.shared.settings import get_settings
from tasks.start_pipeline.task import admit, hand_back_delay

# A full house fails every record of a batch: that is a normal answer (the messages are
# handed back), not an invocation error that alarms.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def queue_url(queue_arn: str) -> str:
    """The URL of the queue `arn:aws:sqs:<region>:<account>:<name>`."""
    _, partition, _, region, account, name = queue_arn.split(":", 5)
    domain = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{domain}/{account}/{name}"


def record_handler(record: SQSRecord) -> None:
    """Admit one message; a full house hands it back to the queue for a while."""
    settings = get_settings()
    try:
        admitted = admit(
            record.body,
            semaphore=Semaphore(client("dynamodb"), settings.lease_table_name),
            sfn=client("stepfunctions"),
            state_machine_arn=settings.state_machine_arn,
            cap=settings.max_concurrent_documents,
            processing_timeout_s=settings.processing_timeout_seconds,
            now=clock.now(),
        )
    except IntakeFullError:
        delay = hand_back_delay(
            int(record.attributes.approximate_receive_count),
            settings.admission_retry_seconds,
            settings.admission_max_delay_seconds,
        )
        client("sqs").change_message_visibility(
            QueueUrl=queue_url(record.event_source_arn),
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=delay,
        )
        metrics.add_metric(name="AdmissionDeferred", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(
        name="ExecutionsStarted" if admitted.started else "ExecutionsAlreadyStarted",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info(
        "admitted", extra={"execution_name": admitted.execution_name, "started": admitted.started}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Admit every message of the batch that fits under the cap; report the others."""
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
