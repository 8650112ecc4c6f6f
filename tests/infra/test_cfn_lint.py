"""cfn-lint on the synthesized template: CloudFormation accepts what CDK renders."""

from __future__ import annotations

import json
from collections.abc import Callable

from aws_cdk.assertions import Template
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from infra.stack import DocpipeStack

# W3005: CDK adds DependsOn next to GetAtt on purpose (policies before use); not a defect.
IGNORED_CHECKS = ["W3005"]


def test_template_passes_cfn_lint(synth: Callable[..., DocpipeStack]) -> None:
    template = json.dumps(Template.from_stack(synth()).to_json())

    matches = lint(template, config=ManualArgs(ignore_checks=IGNORED_CHECKS))

    assert [str(match) for match in matches] == []
