"""cdk-nag: the stack passes the AWS Solutions and Serverless packs, every finding either
fixed or acknowledged with a reason in infra/nag.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import Stage

from infra.stack import DocpipeStack


@pytest.mark.parametrize(
    "model_id",
    ["amazon.nova-micro-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"],
    ids=["foundation-model", "inference-profile"],
)
def test_synth_with_nag_checks_has_no_unacknowledged_finding(
    synth: Callable[..., DocpipeStack], tmp_path: Path, model_id: str
) -> None:
    stack = synth({"modelId": model_id}, nag=True, outdir=tmp_path)
    app = Stage.of(stack)
    assert app is not None

    app.synth()  # raises ValidationFailed on any unacknowledged finding

    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    plugins = {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}
    assert set(plugins) == {"AwsSolutions", "Serverless"}
    for plugin in plugins.values():
        assert plugin["conclusion"] == "success"
        assert plugin["violations"] == []
        assert all(v["reason"] for v in plugin.get("suppressedViolations", []))
