"""Powertools Logger, Tracer and Metrics shared by every handler (service `docpipe`)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "docpipe"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=SERVICE, service=SERVICE)

# The correlation id of every log line: the document id the ASL passes to each task.
CORRELATION_ID_PATH = "document.id"
