"""cdk-nag: the stack passes the AWS Solutions and Serverless packs, every finding either
fixed or acknowledged with a reason in infra/nag.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import Stage

from infra.stack import DocpipeStack

# The only rules the stack acknowledges (infra/nag.py says why, finding by finding).
ACKNOWLEDGED_RULES = {
    "AwsSolutions-IAM5",  # resource wildcards: no-ARN actions, document ids, profile regions
    "AwsSolutions-SQS3",  # the dead-letter queues have no dead-letter queue
    "Serverless-SQSRedrivePolicy",  # the same, in the Serverless pack
    "Serverless-LambdaDLQ",  # synchronous task functions, the starter, the reconciler
    "Serverless-LambdaEventSourceMappingDestination",  # SQS sources redrive in the queue
}
# The resource wildcards IAM5 may be acknowledged for: actions that take no ARN ("*"),
# object keys of the documents bucket, an inference profile's model in any region, and the
# executions of the pipeline's state machine (described by the lease reconciler), and the
# backfill machine's own Distributed Map children, and the batch lane's inference jobs.
ACKNOWLEDGED_RESOURCES = re.compile(
    r"^Resource::(\*"
    r"|arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-invocation-job/\*"
    r"|<DocumentsBucket[0-9A-F]{8}\.Arn>/[^<>]+"
    r"|arn:<AWS::Partition>:bedrock:\*::foundation-model/[^*]+"
    r"|arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
    r"(<DocumentPipeline[0-9A-F]{8}\.Name>:\*|Docpipe-Backfill/\*))$"
)


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
    suppressed = [v for plugin in plugins.values() for v in plugin["suppressedViolations"]]
    for plugin in plugins.values():
        assert plugin["conclusion"] == "success"
        assert plugin["violations"] == []
    assert all(v["reason"] for v in suppressed)
    # Nothing else is waved through: no managed policies (IAM4), no wildcard actions, no
    # bucket without access logs (S1), only resource wildcards AWS or the key layout needs.
    rules = {v["ruleName"].partition("[")[0] for v in suppressed}
    assert rules == ACKNOWLEDGED_RULES
    for violation in suppressed:
        detail = violation["ruleName"].partition("[")[2].removesuffix("]")
        if violation["ruleName"].startswith("AwsSolutions-IAM5"):
            assert ACKNOWLEDGED_RESOURCES.match(detail), detail
        else:
            assert detail == "", violation["ruleName"]
