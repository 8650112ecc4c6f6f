"""`${Placeholder}` filling for the JSON files under statemachines/, and the trigger's pattern.

Free of CDK imports, so that the offline engine can fill the trigger pattern with the same
code as the stack: the deployed rule and the emulated one then match the same events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.config import TRIGGER_PATTERN

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


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


def trigger_pattern(
    bucket_name: str, incoming_prefix: str, path: Path = TRIGGER_PATTERN
) -> dict[str, Any]:
    """The trigger's event pattern as a dict, with the bucket name and incoming prefix filled in."""
    document = json.loads(path.read_text(encoding="utf-8"))
    filled: dict[str, Any] = substitute(
        document, {"BucketName": bucket_name, "IncomingPrefix": incoming_prefix}
    )
    return filled
