"""DocumentBackfill: the state machine that feeds objects already in the bucket through the
intake (`docpipe backfill s3://BUCKET/PREFIX --aws`).

    StartExecution {"prefix": ...} → Distributed Map over s3:listObjectsV2 of the prefix
      → one EXPRESS child per object: HeadObject (its current version), then SendMessage of
        the "Object Created" event its upload would have sent → intake queue

The definition is statemachines/backfill.asl.json, the file the offline engine runs (with
STANDARD children: moto's grammar has no EXPRESS ones). The intake admits the messages under
the same cap as uploads and names each execution by key and version, so a backfill is
idempotent per object version. Up to 5% of the objects may fail to be sent before the map
fails (ToleratedFailurePercentage); each child retries its calls first.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import BACKFILL_ASL
from infra.nag import acknowledge_backfill
from infra.resources import depend_on_policies_only, encrypted_log_group

# Children of the Distributed Map on AWS: one send per object is a few hundred milliseconds,
# which Express prices per request rather than per state transition.
CHILD_EXECUTION_TYPE = "EXPRESS"


class DocumentBackfill(Construct):
    """The backfill state machine and its role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        intake_queue: sqs.IQueue,
        encryption_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # Named, so that the role can name the machine and its child executions without a
        # reference to itself.
        name = f"{stack.stack_name}-Backfill"
        log_group = encrypted_log_group(
            self, "Logs", encryption_key, name=f"/aws/vendedlogs/states/{name}"
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_file(str(BACKFILL_ASL)),
            definition_substitutions={
                "DocumentsBucketName": bucket.bucket_name,
                "IntakeQueueUrl": intake_queue.queue_url,
                "BackfillExecutionType": CHILD_EXECUTION_TYPE,
            },
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            # Object keys only, never document contents: the log may keep execution data.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL),
        )
        machine = self.state_machine
        # Its history (object keys) under the stack's key, as the pipeline's.
        cfn_machine = machine.node.default_child
        assert isinstance(cfn_machine, sfn.CfnStateMachine)
        cfn_machine.encryption_configuration = sfn.CfnStateMachine.EncryptionConfigurationProperty(
            type="CUSTOMER_MANAGED_KMS_KEY", kms_key_id=encryption_key.key_arn
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
        # HeadObject needs s3:GetObject; the children read no object's content.
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")])
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[intake_queue.queue_arn])
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[encryption_key.key_arn],
            )
        )
        # A Distributed Map starts its children as executions of this machine.
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        children = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{name}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[children],
            )
        )
        depend_on_policies_only(machine, machine.role)
        acknowledge_backfill(stack, machine, bucket)
