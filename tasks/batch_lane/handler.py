"""Lambda entry of the batch lane (tasks/batch_lane/task.py), for its four callers:

- the state machine's Run Model Calls In Batch (`task_token` in the event): start;
- the resume queue (SQS records of `{"document_id"}`): run those documents again;
- its schedule (`Scheduled Event`): submit the queued requests;
- Bedrock's `Batch Inference Job State Change` event: collect the job's answers.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.batch_lane.task import Lane, collect, resume, start, submit
from tasks.shared.batch import DeferringClient
from tasks.shared.clients import artifact_store, client, labels, model_provider
from tasks.shared.observability import logger, metrics, tracer
from tasks.shared.providers import ModelProvider
from tasks.shared.semaphore import Semaphore
from tasks.shared.settings import get_settings

JOB_STATE_CHANGE = "Batch Inference Job State Change"


def _provider(model_id: str, deferring: DeferringClient) -> ModelProvider:
    """The bedrock provider answering through `deferring`; another provider (the local
    model, which has no batch service) answers at once."""
    settings = get_settings()
    if settings.model_provider != "bedrock":
        return model_provider(model_id)
    from tasks.shared.providers.bedrock import BedrockProvider

    return BedrockProvider(model_id or settings.model_id, client=deferring)


def _lane() -> Lane:
    settings = get_settings()
    return Lane(
        store=artifact_store(),
        sqs=client("sqs"),
        sfn=client("stepfunctions"),
        requests_queue_url=settings.batch_requests_queue_url,
        resume_queue_url=settings.batch_resume_queue_url,
        summary_chars=settings.summary_chars,
        classify_prefix_chars=settings.classify_prefix_chars,
        labels=labels(),
        provider=_provider,
    )


def _on_demand() -> Any:
    from tasks.shared.providers.bedrock import make_client

    return make_client()


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Dispatch on the caller (see the module's doc)."""
    settings = get_settings()
    lane = _lane()
    if "task_token" in event:
        semaphore = (
            Semaphore(client("dynamodb"), settings.lease_table_name)
            if settings.lease_table_name
            else None
        )
        outcome = start(event, lane, semaphore)
        logger.info("batch lane start", extra={"outcome": outcome})
        return {"outcome": outcome}
    if "Records" in event:
        documents = [str(json.loads(r["body"])["document_id"]) for r in event["Records"]]
        return {"resumed": resume(documents, lane)}
    if event.get("detail-type") == JOB_STATE_CHANGE:
        detail = event.get("detail") or {}
        name = detail.get("batchJobName")
        if not name and detail.get("batchJobArn"):  # the event's detail, as far as AWS shows it
            job = client("bedrock").get_model_invocation_job(jobIdentifier=detail["batchJobArn"])
            name = job["jobName"]
        report = collect(
            str(name or ""),
            str(detail.get("status", "")),
            lane,
            s3=client("s3"),
            on_demand=_on_demand(),
        )
        logger.info("batch job collected", extra=report)
        return report
    report = submit(
        lane,
        bedrock=client("bedrock"),
        on_demand=_on_demand(),
        bucket=settings.artifact_bucket,
        role_arn=settings.batch_role_arn,
        min_records=settings.batch_min_records,
        max_wait_seconds=settings.batch_max_wait_seconds,
    )
    logger.info("batch lane submit", extra={k: v for k, v in report.items() if k != "jobs"})
    return report
