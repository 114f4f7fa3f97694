import { Stack } from "aws-cdk-lib";
import type { IAlarm } from "aws-cdk-lib/aws-cloudwatch";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { kmsViaS3 } from "./kms-via-s3";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";
import type { ServiceArchiver } from "./service-archiver";

export interface ConsolePoliciesProps {
  archive: { bucket: IBucket; key: IKey; prefix: string };
  services: readonly ServiceArchiver[];
  /** Every alarm the console may show, including those not owned by one service. */
  alarms: readonly IAlarm[];
}

/**
 * The two managed policies the console's IAM role gets one of. Each names the
 * configured tables, prefixes, mappings, queues and alarms by ARN; only
 * lambda:ListEventSourceMappings, which has no resource-level permissions, is
 * granted on "*".
 */
export class ConsolePolicies extends Construct {
  readonly readOnly: ManagedPolicy;
  readonly restore: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ConsolePoliciesProps) {
    super(scope, id);
    // Stable names, so a role, user or IAM Identity Center permission set can refer to them by name;
    // the region keeps two regional deployments in one account apart (IAM names are account-wide).
    const region = Stack.of(this).region;
    this.readOnly = new ManagedPolicy(this, "ReadOnly", {
      managedPolicyName: `lazarus-console-read-only-${region}`,
      description: "Lazarus console, read-only: browse and preview archived deletions, compare with live items, see protection status",
      statements: readStatements(props),
    });
    this.restore = new ManagedPolicy(this, "Restore", {
      managedPolicyName: `lazarus-console-restore-${region}`,
      description: "Lazarus console, restore: read-only plus putting archived items back, Glacier retrievals and the audit log",
      statements: [...readStatements(props), ...restoreStatements(props)],
    });
    for (const policy of [this.readOnly, this.restore]) acknowledgeWildcards(policy, props);
  }
}

function servicePrefixes(props: ConsolePoliciesProps): string[] {
  return props.services.map((s) => `${props.archive.prefix}${s.service.name}/`);
}

function auditPrefix(props: ConsolePoliciesProps): string {
  return `${props.archive.prefix}${AUDIT_SEGMENT}/`;
}

function readStatements(props: ConsolePoliciesProps): PolicyStatement[] {
  const { bucket, key } = props.archive;
  const readablePrefixes = [...servicePrefixes(props), auditPrefix(props)];
  const tables = props.services.map((s) => s.table.tableArn);
  const queues = props.services.flatMap((s) => (s.deadLetterQueue ? [s.deadLetterQueue.queueArn] : []));
  const statements = [
    new PolicyStatement({
      sid: "ListArchive",
      actions: ["s3:ListBucket"],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": readablePrefixes.map((p) => `${p}*`) } },
    }),
    new PolicyStatement({
      sid: "ReadArchive",
      actions: ["s3:GetObject", "s3:GetObjectVersion"],
      resources: readablePrefixes.map((p) => bucket.arnForObjects(`${p}*`)),
    }),
    kmsViaS3(key, ["kms:Decrypt"]),
    new PolicyStatement({
      sid: "ReadTables",
      // BatchGetItem lets a bulk-restore plan compare 100 items per request instead of one.
      actions: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
      resources: tables,
    }),
    new PolicyStatement({
      sid: "ReadMappings",
      actions: ["lambda:GetEventSourceMapping"],
      resources: props.services.map((s) => s.eventSourceMappingArn),
    }),
    new PolicyStatement({ sid: "ListMappings", actions: ["lambda:ListEventSourceMappings"], resources: ["*"] }),
    new PolicyStatement({
      sid: "ReadAlarms",
      actions: ["cloudwatch:DescribeAlarms"],
      resources: props.alarms.map((a) => a.alarmArn),
    }),
  ];
  if (queues.length > 0) {
    statements.push(
      new PolicyStatement({ sid: "ReadDeadLetterQueues", actions: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"], resources: queues }),
    );
  }
  return statements;
}

function restoreStatements(props: ConsolePoliciesProps): PolicyStatement[] {
  const { bucket, key } = props.archive;
  return [
    new PolicyStatement({
      sid: "RestoreItems",
      // No-clobber restores are conditional PutItems; ConditionCheckItem guards transactional ones.
      actions: ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
      resources: props.services.map((s) => s.table.tableArn),
    }),
    new PolicyStatement({
      sid: "RetrieveFromGlacier",
      actions: ["s3:RestoreObject"],
      resources: servicePrefixes(props).map((p) => bucket.arnForObjects(`${p}*`)),
    }),
    new PolicyStatement({ sid: "AppendAuditLog", actions: ["s3:PutObject"], resources: [bucket.arnForObjects(`${auditPrefix(props)}*`)] }),
    kmsViaS3(key, ["kms:GenerateDataKey"]),
  ];
}

function acknowledgeWildcards(policy: ManagedPolicy, props: ConsolePoliciesProps): void {
  const { bucket } = props.archive;
  acknowledgeWildcardResources(
    policy,
    servicePrefixes(props).map((p) => bucket.arnForObjects(`${p}*`)),
    "Objects under a configured service's archive prefix; their names come from deleted keys, so they cannot be listed in advance.",
  );
  acknowledgeWildcardResources(
    policy,
    [bucket.arnForObjects(`${auditPrefix(props)}*`)],
    "Entries of the append-only audit log, one object per action, named when the action happens.",
  );
  acknowledgeWildcardResources(policy, ["*"], "lambda:ListEventSourceMappings has no resource-level permissions; AWS authorises it only on \"*\".");
}
