"""`${Placeholder}` filling for the JSON files under statemachines/, and the trigger's pattern.

Free of CDK imports, so that the offline engine can fill the trigger pattern with the same
code as the stack: the deployed rule and the emulated one then match the same events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.config import TRIGGER_PATTERN
from tasks.shared.execution_names import STOPPED_STATUSES, TERMINAL_STATUSES, UNDELIVERED_ERROR

__all__ = [
    "PLACEHOLDER",
    "STOPPED_STATUSES",
    "TERMINAL_STATUSES",
    "execution_status_pattern",
    "placeholders",
    "substitute",
    "trigger_pattern",
    "unrecorded_execution_pattern",
]

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")

# TERMINAL_STATUSES (rule ExecutionEnded → Execution Ended, which releases the lease) and
# STOPPED_STATUSES (rule ExecutionStopped → the pipeline's dead-letter queue) are
# tasks/shared/execution_names.py's, re-exported for the stack and the offline engine.


def placeholders(text: str) -> set[str]:
    """Names of the `${Name}` placeholders in `text`."""
    return set(PLACEHOLDER.findall(text))


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """Replace `${Name}` in every string inside `value` (a parsed JSON document).

    Strings are substituted after parsing, so a value can hold any character (or a CDK
    token) without breaking the JSON. Unknown placeholders raise KeyError, and so do values
    that the document never uses: both mean the file and the caller disagree.
    """
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for placeholder ${{{name}}}")
        used.add(name)
        return values[name]

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return PLACEHOLDER.sub(fill, node)
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {walk(key): walk(item) for key, item in node.items()}
        return node

    result = walk(value)
    unused = set(values) - used
    if unused:
        raise KeyError(f"values for placeholders the document does not use: {sorted(unused)}")
    return result


# Characters EventBridge's `wildcard` operator gives a meaning to; the incoming prefix, which
# the pattern uses inside a wildcard, may not contain them.
WILDCARD_SPECIAL = ("*", "\\")


def trigger_pattern(
    bucket_name: str, incoming_prefix: str, path: Path = TRIGGER_PATTERN
) -> dict[str, Any]:
    """The trigger's event pattern as a dict, with the bucket name and incoming prefix filled in.

    The pattern (statemachines/document_trigger.pattern.json) matches objects created under
    the prefix that have content, and empty ones whose key has a dot after the prefix (an
    empty `report.pdf` reaches the pipeline and fails EmptyDocumentError). It leaves out the
    empty "folder" objects the S3 console and many tools create (`incoming/`,
    `incoming/2024/`). An event pattern cannot require two conditions of one field
    (prefix, and not ending in "/"): two matchers of a field are alternatives, and a field
    named again in a `$or` branch replaces the outer one on EventBridge. The object's size
    is the second field.
    """
    if any(character in incoming_prefix for character in WILDCARD_SPECIAL):
        raise ValueError(
            f"incomingPrefix {incoming_prefix!r} has '*' or '\\', which the trigger's "
            "wildcard pattern would read as operators"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    filled: dict[str, Any] = substitute(
        document, {"BucketName": bucket_name, "IncomingPrefix": incoming_prefix}
    )
    return filled


def execution_status_pattern(state_machine_arn: str, statuses: Sequence[str]) -> dict[str, Any]:
    """The pattern of Step Functions' status-change events of one state machine."""
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": list(statuses), "stateMachineArn": [state_machine_arn]},
    }


def unrecorded_execution_pattern(state_machine_arn: str) -> dict[str, Any]:
    """Status changes of executions that ended without their dead letter: stopped (timed
    out, aborted: the failure path never ran) or failed `DeadLetterUndelivered` (the queue
    refused the dead letter). The ExecutionStopped rule delivers them to that queue."""
    pattern = execution_status_pattern(state_machine_arn, STOPPED_STATUSES)
    del pattern["detail"]["status"]
    pattern["detail"]["$or"] = [
        {"status": list(STOPPED_STATUSES)},
        {"status": ["FAILED"], "error": [UNDELIVERED_ERROR]},
    ]
    return pattern


# Bedrock's event when a batch inference job changes state (to the default bus).
BATCH_JOB_STATE_CHANGE = "Batch Inference Job State Change"
BATCH_JOB_ENDED_STATUSES = ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired")


def batch_job_ended_pattern() -> dict[str, Any]:
    """The EventBridge pattern of a batch inference job that has ended (the batch lane
    collects its answers)."""
    return {
        "source": ["aws.bedrock"],
        "detail-type": [BATCH_JOB_STATE_CHANGE],
        "detail": {"status": list(BATCH_JOB_ENDED_STATUSES)},
    }
