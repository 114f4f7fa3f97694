import { ArnFormat, Stack } from "aws-cdk-lib";
import type { IAlarm } from "aws-cdk-lib/aws-cloudwatch";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { kmsViaS3 } from "./kms-via-s3";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";
import type { ServiceArchiver } from "./service-archiver";

export interface ConsolePoliciesProps {
  archive: { bucket: IBucket; key: IKey; prefix: string };
  services: readonly ServiceArchiver[];
  /** Every alarm the console may show, including those not owned by one service. */
  alarms: readonly IAlarm[];
  /** The buckets S3 on-failure destinations write failed batches to (encrypted with the archive key). */
  failureBuckets: readonly IBucket[];
}

/**
 * Where console features keep their objects. The modules that define them import
 * "server-only", which the CDK app cannot load, so they are repeated here;
 * console-policies.test.ts checks each against its source.
 */
export const CONSOLE_KEY_SEGMENTS = {
  /** lib/erasure/erasure-ledger.ts ERASURE_SEGMENT: `{prefix}_erasures/{service}/{keyHash}.json`. */
  erasures: "_erasures",
  /** lib/exports/export-manifest.ts EXPORTS_SEGMENT: `{prefix}_exports/{exportId}.manifest.json`. */
  exports: "_exports",
  /** lib/bulk-restore/job-store.ts jobsPrefix(). */
  bulkRestoreJobs: "_jobs/bulk-restore",
  /** lib/pitr/pitr-store.ts PITR_JOBS_SEGMENT. */
  pitrJobs: "_jobs/pitr",
  /** lib/dlq/failure-source.ts FAILURE_OBJECT_PREFIX: where Lambda names failed-batch objects. */
  failedBatches: "aws/lambda/",
  /** lib/pitr/pitr-types.ts suggestTargetName(): `{table}-restored-{time}`. */
  restoredTable: "-restored-",
} as const;

/** Each tier grants everything the ones before it do. */
export const CONSOLE_TIERS = ["read-only", "restore", "compliance", "admin"] as const;
export type ConsoleTier = (typeof CONSOLE_TIERS)[number];

const DESCRIPTIONS: Record<ConsoleTier, string> = {
  "read-only": "Lazarus console, read-only: browse and preview archived deletions, compare with live items, see protection status",
  restore: "Lazarus console, restore: read-only plus putting archived items back, Glacier retrievals and the audit log",
  compliance: "Lazarus console, compliance: restore plus erasure and redaction of archived records and failed batches, and report exports",
  admin: "Lazarus console, admin: compliance plus DLQ replay, bulk restore, point-in-time restore and table protection fixes",
};

/**
 * The four managed policies the console's IAM role gets one of, each including the
 * one before: read-only, restore, compliance (erasure, exports) and admin (DLQ
 * replay, bulk restore, PITR, protection fixes). The console runs as one identity,
 * so the attached policy caps every signed-in user; the app's roles decide within it.
 *
 * One statement per set of resources, whose actions grow with the tier: that keeps
 * each policy readable and within IAM's 6,144 characters. Every resource is named by
 * ARN; the wildcards are object prefixes, stream labels, PITR target tables, and "*"
 * for the two read actions without resource-level permissions, each acknowledged
 * with its reason.
 */
export class ConsolePolicies extends Construct {
  readonly readOnly: ManagedPolicy;
  readonly restore: ManagedPolicy;
  readonly compliance: ManagedPolicy;
  readonly admin: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ConsolePoliciesProps) {
    super(scope, id);
    // Stable names, so a role, user or IAM Identity Center permission set can refer to them by name;
    // the region keeps two regional deployments in one account apart (IAM names are account-wide).
    const region = Stack.of(this).region;
    const resources = new ConsoleResources(this, props);
    const policy = (construct: string, tier: ConsoleTier) => {
      const statements = consoleStatements(resources, tier);
      const managed = new ManagedPolicy(this, construct, { managedPolicyName: `lazarus-console-${tier}-${region}`, description: DESCRIPTIONS[tier], statements });
      resources.acknowledgeWildcards(managed, statements);
      return managed;
    };
    this.readOnly = policy("ReadOnly", "read-only");
    this.restore = policy("Restore", "restore");
    this.compliance = policy("Compliance", "compliance");
    this.admin = policy("Admin", "admin");
  }
}

/** The ARNs and prefixes the statements name, and why each wildcard among them is one. */
class ConsoleResources {
  readonly bucket: IBucket;
  readonly key: IKey;
  readonly tables: string[];
  readonly queues: string[];
  readonly alarms: string[];
  readonly failureBuckets: string[];
  readonly servicePrefixes: string[];
  readonly auditPrefix: string;
  readonly ledgerPrefixes: string[];
  readonly exportsPrefix: string;
  readonly bulkRestorePrefix: string;
  readonly pitrPrefix: string;

  readonly serviceObjects: string[];
  /** `{service}/{yyyy}/{mm}/{dd}/...`: archive objects only, not the service's index. */
  readonly datedArchiveObjects: string[];
  readonly indexEntries: string[];
  readonly auditObjects: string[];
  readonly ledgerObjects: string[];
  readonly exportObjects: string[];
  readonly bulkRestoreObjects: string[];
  readonly pitrObjects: string[];
  readonly failedBatchObjects: string[];
  readonly streams: string[];
  readonly restoredTables: string[];

  private readonly reasons = new Map<string, string>();

  constructor(scope: Construct, props: ConsolePoliciesProps) {
    const { archive, services } = props;
    const bucket = archive.bucket;
    const folder = (segment: string) => `${archive.prefix}${segment}/`;
    const objects = (prefixes: readonly string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}*`));
    this.bucket = bucket;
    this.key = archive.key;
    this.tables = services.map((s) => s.table.tableArn);
    this.queues = services.flatMap((s) => (s.deadLetterQueue ? [s.deadLetterQueue.queueArn] : []));
    this.alarms = props.alarms.map((a) => a.alarmArn);
    this.failureBuckets = props.failureBuckets.map((b) => b.bucketArn);

    this.servicePrefixes = services.map((s) => folder(s.service.name));
    this.auditPrefix = folder(AUDIT_SEGMENT);
    this.ledgerPrefixes = services.map((s) => folder(`${CONSOLE_KEY_SEGMENTS.erasures}/${s.service.name}`));
    this.exportsPrefix = folder(CONSOLE_KEY_SEGMENTS.exports);
    this.bulkRestorePrefix = folder(CONSOLE_KEY_SEGMENTS.bulkRestoreJobs);
    this.pitrPrefix = folder(CONSOLE_KEY_SEGMENTS.pitrJobs);

    const stack = Stack.of(scope);
    this.serviceObjects = this.explain(
      objects(this.servicePrefixes),
      "Objects under a configured service's archive prefix; their names come from deleted keys, so they cannot be listed in advance.",
    );
    this.datedArchiveObjects = this.explain(
      this.servicePrefixes.map((p) => bucket.arnForObjects(`${p}????/??/??/*`)),
      "A service's dated archive objects, named by deletion time and key: redaction rewrites them and a DLQ replay writes missing ones.",
    );
    this.indexEntries = this.explain(
      this.servicePrefixes.map((p) => bucket.arnForObjects(`${p}${INDEX_SEGMENT}/*`)),
      "A service's by-key index entries, named by key and deletion time: a DLQ replay writes the entry of each record it archives.",
    );
    this.auditObjects = this.explain(objects([this.auditPrefix]), "Entries of the append-only audit log, one object per action, named when the action happens.");
    this.ledgerObjects = this.explain(objects(this.ledgerPrefixes), "A configured service's erasure ledger: one object per erased partition key, named by the key's hash.");
    this.exportObjects = this.explain(objects([this.exportsPrefix]), "Export manifests, one per export, named by the export's id when it finishes.");
    this.bulkRestoreObjects = this.explain(
      objects([this.bulkRestorePrefix]),
      "Bulk-restore job state (job, plan, lease, chunk results) in a folder per job, named when the job is planned.",
    );
    this.pitrObjects = this.explain(objects([this.pitrPrefix]), "PITR job history and compare chunks, named by the job's id when the restore starts.");
    this.failedBatchObjects = this.explain(
      props.failureBuckets.map((b) => b.arnForObjects(`${CONSOLE_KEY_SEGMENTS.failedBatches}*`)),
      "Failed-batch objects, which Lambda names by mapping, shard and time; the failure buckets hold nothing else.",
    );
    this.streams = this.explain(
      this.tables.map((t) => `${t}/stream/*`),
      "The configured tables' streams: a stream's label is its creation time, and a failure may name the table's previous stream.",
    );
    this.restoredTables = this.explain(
      services.map((s) =>
        stack.formatArn({
          service: "dynamodb",
          resource: "table",
          resourceName: `${s.service.table.name}${CONSOLE_KEY_SEGMENTS.restoredTable}*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
      "Tables a PITR restore of a configured table creates, named {table}-restored-{time} when the restore starts.",
    );
    this.explain(["*"], "lambda:ListEventSourceMappings and cloudwatch:GetMetricStatistics have no resource-level permissions; AWS authorises them only on \"*\".");
  }

  private explain(resources: string[], reason: string): string[] {
    for (const resource of resources) if (!this.reasons.has(resource)) this.reasons.set(resource, reason);
    return resources;
  }

  /** Acknowledges exactly the wildcard resources a policy names; one without a reason is a mistake here. */
  acknowledgeWildcards(policy: ManagedPolicy, statements: readonly PolicyStatement[]): void {
    const byReason = new Map<string, Set<string>>();
    for (const resource of statements.flatMap((s) => s.resources)) {
      if (!resource.includes("*")) continue;
      const reason = this.reasons.get(resource);
      if (!reason) throw new Error(`console policy ${policy.node.id} names the wildcard resource ${resource} without a reason`);
      byReason.set(reason, (byReason.get(reason) ?? new Set<string>()).add(resource));
    }
    for (const [reason, resources] of byReason) acknowledgeWildcardResources(policy, [...resources], reason);
  }
}

/** The statements of one tier's policy; a statement whose tier grants it no action is left out. */
function consoleStatements(r: ConsoleResources, tier: ConsoleTier): PolicyStatement[] {
  const level = CONSOLE_TIERS.indexOf(tier);
  /** The items if this tier includes `first`. */
  const from = <T>(first: ConsoleTier, ...items: T[]): T[] => (level >= CONSOLE_TIERS.indexOf(first) ? items : []);
  const statements: PolicyStatement[] = [];
  const grant = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) => {
    if (actions.length > 0 && resources.length > 0) statements.push(new PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
  };
  const underPrefixes = (prefixes: readonly string[]) => ({ StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } });

  // S3 answers a missing object with 404 only to callers who may list it: the ledger, job and manifest lookups rely on that.
  grant(
    "ListArchive",
    ["s3:ListBucket"],
    [r.bucket.bucketArn],
    underPrefixes([
      ...r.servicePrefixes,
      r.auditPrefix,
      ...from("restore", ...r.ledgerPrefixes),
      ...from("compliance", r.exportsPrefix),
      ...from("admin", r.bulkRestorePrefix, r.pitrPrefix),
    ]),
  );
  // Erasure removes every version of an archive object and of its index entry.
  grant("ListArchiveVersions", from("compliance", "s3:ListBucketVersions"), [r.bucket.bucketArn], underPrefixes(r.servicePrefixes));
  // Erasure checks Object Lock before deleting anything.
  grant("ReadBucketObjectLock", from("compliance", "s3:GetBucketObjectLockConfiguration"), [r.bucket.bucketArn, ...r.failureBuckets]);
  grant(
    "ArchivedRecords",
    [
      "s3:GetObject",
      "s3:GetObjectVersion",
      ...from("restore", "s3:RestoreObject"),
      // Erasure: without the lock reads HeadObject omits the lock headers, and a locked version shows only when its
      // delete fails; DeleteObjects needs s3:DeleteObject as well as s3:DeleteObjectVersion for the versions it names.
      ...from("compliance", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    ],
    r.serviceObjects,
  );
  // Redaction rewrites archive objects; a DLQ replay writes the ones the archiver missed (conditionally, never over one).
  grant("WriteArchiveObjects", from("compliance", "s3:PutObject"), r.datedArchiveObjects);
  grant("WriteIndexEntries", from("admin", "s3:PutObject"), r.indexEntries);
  // Append-only: no tier may delete an entry.
  grant("AuditLog", ["s3:GetObject", "s3:GetObjectVersion", ...from("restore", "s3:PutObject")], r.auditObjects);
  // Every restore path refuses a key the ledger says was erased; erasure records it.
  grant("ErasureLedger", [...from("restore", "s3:GetObject"), ...from("compliance", "s3:PutObject")], r.ledgerObjects);
  grant("ExportManifests", from("compliance", "s3:GetObject", "s3:PutObject"), r.exportObjects);
  grant("ConsoleJobs", from("admin", "s3:GetObject", "s3:PutObject"), [...r.bulkRestoreObjects, ...r.pitrObjects]);
  // The archive key, only through S3: reading objects, and writing them (audit entries first of all).
  const key = kmsViaS3(r.key, ["kms:Decrypt", ...from("restore", "kms:GenerateDataKey")]);
  key.sid = "ArchiveKeyViaS3";
  statements.push(key);

  // Failure buckets hold only what Lambda writes there, so they are listed whole: the protection
  // report does so when it cannot name the mapping. Erasure rewrites or removes batches holding the
  // subject's records; a DLQ replay reads a batch and removes it with all its versions.
  grant("FailureBuckets", ["s3:ListBucket", ...from("compliance", "s3:ListBucketVersions")], r.failureBuckets);
  grant(
    "FailedBatches",
    from("compliance", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    r.failedBatchObjects,
  );

  grant(
    "Tables",
    [
      "dynamodb:DescribeTable",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:GetItem",
      // A bulk-restore plan compares 100 items per request instead of one.
      "dynamodb:BatchGetItem",
      // No-clobber restores are conditional PutItems; ConditionCheckItem guards transactional ones.
      ...from("restore", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"),
      // Protection fixes (IAM cannot tell an UpdateTable that enables deletion protection from any other),
      // PITR restores from the table, and the compare's scan and tag check.
      ...from("admin", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTable", "dynamodb:RestoreTableToPointInTime", "dynamodb:Scan", "dynamodb:ListTagsOfResource"),
    ],
    r.tables,
  );
  grant(
    "PitrRestoredTables",
    from(
      "admin",
      // DynamoDB authorises a restore on the table it creates too, with these item actions on it.
      "dynamodb:RestoreTableToPointInTime",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
      // The checklist, and restores of single records into the side table.
      "dynamodb:DescribeTable",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
    ),
    r.restoredTables,
  );
  // An SQS failure names a range of the stream; replay reads it back.
  grant("TableStreams", from("admin", "dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"), r.streams);
  // Reading a queue is receiving it: each listing makes its messages visible again; a replay deletes its message.
  grant(
    "DeadLetterQueues",
    ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", ...from("admin", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage")],
    r.queues,
  );
  grant("Alarms", ["cloudwatch:DescribeAlarms"], r.alarms);
  // The protection report: mappings per function, iterator and DLQ ages.
  grant("Unscoped", ["lambda:ListEventSourceMappings", "cloudwatch:GetMetricStatistics"], ["*"]);
  return statements;
}
