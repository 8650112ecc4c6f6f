"""cfn-lint on the synthesized template: CloudFormation accepts what CDK renders, with no
error and no warning (nothing is ignored)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aws_cdk.assertions import Template
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from infra.stack import DocpipeStack


@pytest.mark.parametrize(
    "context",
    [
        {},
        {
            "modelId": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "budgetModelId": "amazon.nova-micro-v1:0",
        },
    ],
    ids=["defaults", "inference-profile-and-budget-model"],
)
def test_template_passes_cfn_lint(
    synth: Callable[..., DocpipeStack], context: dict[str, str]
) -> None:
    template = json.dumps(Template.from_stack(synth(context)).to_json())

    matches = lint(template, config=ManualArgs())

    assert [str(match) for match in matches] == []
