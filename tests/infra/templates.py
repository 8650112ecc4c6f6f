"""Helpers over synthesized templates, shared by the infrastructure tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Json = dict[str, Any]


def only(found: Mapping[str, Any]) -> tuple[str, Any]:
    """The single (logical id, resource) in `found`."""
    assert len(found) == 1, sorted(found)
    ((logical_id, resource),) = found.items()
    return logical_id, resource
