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
from tasks.shared.errors import IntakeFullError, IntakeMessageError
from tasks.shared.observability import (
    ADMISSIONS_DEFERRED,
    ADMISSIONS_REDELIVERED,
    DOCUMENTS_ADMITTED,
    logger,
    metrics,
    tracer,
)
from tasks.shared.semaphore import Semaphore
from tasks.shared.settings import get_settings
from tasks.start_pipeline.task import admit, hand_back_delay


def queue_url(queue_arn: str) -> str:
    """The URL of the queue `arn:aws:sqs:<region>:<account>:<name>`."""
    _, partition, _, region, account, name = queue_arn.split(":", 5)
    domain = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{domain}/{account}/{name}"


class _Batch:
    """One invocation's admissions. Once the house is full, the rest of the batch is handed
    back without asking the semaphore again (a place freed within milliseconds is taken by
    the next batch)."""

    def __init__(self) -> None:
        self.full = False

    def admit(self, record: SQSRecord) -> None:
        """Admit one message; a full house hands it back to the queue for a while."""
        settings = get_settings()
        try:
            if self.full:
                raise IntakeFullError("the house is full")
            admitted = admit(
                record.body,
                semaphore=Semaphore(client("dynamodb"), settings.lease_table_name),
                sfn=client("stepfunctions"),
                state_machine_arn=settings.state_machine_arn,
                cap=settings.max_concurrent_documents,
                processing_timeout_s=settings.processing_timeout_seconds,
                now=clock.now(),
            )
        except IntakeMessageError:
            # Nothing to start from: let the receive limit move it to the intake dead-letter
            # queue soon, instead of once per visibility timeout (hours of 6-minute waits).
            self._hand_back(record, 1)
            raise
        except IntakeFullError:
            self.full = True
            self._hand_back(record, self._delay(record))
            metrics.add_metric(name=ADMISSIONS_DEFERRED, unit=MetricUnit.Count, value=1)
            raise
        except Exception:
            # Anything else (a throttled or failing DynamoDB or Step Functions call, a bug):
            # the message comes back after the full house's delay, not after the visibility
            # timeout (6 minutes, during which the upload would wait for nothing).
            logger.exception("admission failed; the message comes back soon")
            try:
                self._hand_back(record, self._delay(record))
            except Exception:  # noqa: BLE001 - SQS failing too: the visibility timeout it is
                logger.exception("could not hand the message back")
            raise
        self._count(admitted.started)
        logger.info(
            "admitted",
            extra={"execution_name": admitted.execution_name, "started": admitted.started},
        )

    @staticmethod
    def _delay(record: SQSRecord) -> int:
        settings = get_settings()
        return hand_back_delay(
            int(record.attributes.approximate_receive_count),
            settings.admission_retry_seconds,
            settings.admission_max_delay_seconds,
        )

    @staticmethod
    def _hand_back(record: SQSRecord, seconds: int) -> None:
        client("sqs").change_message_visibility(
            QueueUrl=queue_url(record.event_source_arn),
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=seconds,
        )

    @staticmethod
    def _count(started: bool) -> None:
        metrics.add_metric(
            name=DOCUMENTS_ADMITTED if started else ADMISSIONS_REDELIVERED,
            unit=MetricUnit.Count,
            value=1,
        )


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Admit every message of the batch that fits under the cap; report the others."""
    # A processor per invocation: it holds the batch's state, and the offline engine runs
    # invocations concurrently in one process. A full house fails every record of a batch,
    # which is a normal answer (the messages are handed back), not an invocation error.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=_Batch().admit, processor=processor, context=context
    )
    return dict(response)
