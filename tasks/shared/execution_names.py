"""Executions of the pipeline: their names and ARNs, how they end, and the ids of documents.

One Step Functions execution per object version, named so that a person finds it in the
console by the file's name, and so that a redelivered intake message cannot start a second
one (Step Functions refuses a name it has seen, `ExecutionAlreadyExists`, for 90 days).
The document id is what the ASL's Identify Document computes with `States.Hash`; the
intake functions compute the same here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Protocol

from botocore.exceptions import ClientError

# Step Functions allows 1-80 characters and no whitespace, brackets, wildcards or
# `"#%\^|~`$&,;:/`; CloudWatch logging of executions wants only letters, digits, - and _.
MAX_NAME_LENGTH = 80
HASH_LENGTH = 12  # hex digits of the version's hash: 48 bits, unique per state machine
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
VALID_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")

# Statuses of an execution that has ended (each gives its lease back), and those of one that
# ended without its own failure path, with the error its document record then gets.
TERMINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
STOPPED_STATUSES = ("TIMED_OUT", "ABORTED")
STOPPED_ERRORS = {"TIMED_OUT": "States.Timeout", "ABORTED": "States.Aborted"}
# The error of an execution whose dead letter the queue refused (the ASL's Describe
# Undelivered): its status change is delivered to the dead-letter queue instead.
UNDELIVERED_ERROR = "DeadLetterUndelivered"


def document_id(bucket: str, key: str, version_id: str) -> str:
    """The document id of one object version (the ASL's Identify Document: SHA-256 hex)."""
    return hashlib.sha256(f"{bucket}/{key}/{version_id}".encode()).hexdigest()


def readable(key: str) -> str:
    """The key as letters, digits, - and _ (accents dropped, other runs turned into -)."""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("-", ascii_key).strip("-_")


def execution_name(bucket: str, key: str, version_id: str, replay: int = 0) -> str:
    """`<readable key>-<hash of bucket, key and version>`, at most 80 characters; a replay
    of the document (its Nth) ends `-rN`, a name Step Functions has not seen.

    The end of a long key (the file name) is kept, since that is what people search for;
    the hash keeps names of different versions, or of keys that read the same, apart.
    """
    digest = document_id(bucket, key, version_id)[:HASH_LENGTH]
    suffix = f"-r{replay}" if replay > 0 else ""
    room = MAX_NAME_LENGTH - HASH_LENGTH - 1 - len(suffix)
    text = readable(key)
    if len(text) > room:
        text = text[-room:].lstrip("-_")
    return (f"{text}-{digest}" if text else f"document-{digest}") + suffix


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN of the execution `name` of the state machine."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


class DescribesExecutions(Protocol):
    """The part of the boto3 Step Functions client that reads an execution's status."""

    def describe_execution(self, **kwargs: Any) -> Any: ...


def is_running(sfn: DescribesExecutions, arn: str) -> bool:
    """Whether the execution `arn` is RUNNING (one that does not exist is not)."""
    try:
        return bool(sfn.describe_execution(executionArn=arn)["status"] == "RUNNING")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            return False
        raise
