import { ArnFormat, Stack } from "aws-cdk-lib";
import type { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import type { ServiceConfig } from "../../lib/config/schema";
import { ALARM_NAME_PREFIX } from "./alerting";
import { CONSOLE_KEY_SEGMENTS, consoleStateFoldersBut } from "./console-tiers";
import { TOPIC_KEY_WILDCARD_ACTIONS } from "./alert-grants";
import { acknowledgeWildcardAction, acknowledgeWildcardResources } from "./wildcard-acknowledgment";
import { ARCHIVE_TAG } from "./service-archiver";
import type { AthenaSearchResources } from "./content-search-athena";

export interface ConsoleResourcesProps {
  archive: { bucket: IBucket; key: IKey; prefix: string };
  services: readonly ServiceConfig[];
  /** The archive bucket's name, which the managed tables' archive tag carries. */
  archiveBucketName: string;
  /** "tag": the managed tables are granted together by their archive tag; "name": one ARN per table. */
  tableAccess: "tag" | "name";
  /** The buckets S3 on-failure destinations write failed batches to (encrypted with the archive key). */
  failureBuckets: readonly IBucket[];
  /** drills.scratchTablePrefix: the only tables an on-demand drill may create and delete. */
  drillScratchPrefix: string;
  /** With search.engine "athena": the workgroup, Glue table and results bucket content searches use. */
  athena?: AthenaSearchResources;
  /** alerts.snsTopicArn: the topic the console publishes its alerts to, when configured. */
  alertTopicArn?: string;
  /** alerts.snsTopicKmsKeyArn: the customer managed key that topic is encrypted with. */
  alertTopicKeyArn?: string;
}

/** One configured service's resources that IAM can only name one by one. */
export interface ServiceResources {
  name: string;
  table: string;
  /** Granted through the tagged-tables statement rather than by its ARN. */
  tableByTag: boolean;
  stream: string;
  queue?: string;
}

export interface FailureBucketResources {
  bucket: string;
  batches: string;
}

/**
 * The ARNs and prefixes the console's statements name, all derived from the config's
 * names (so the policies never wait on another stack), and why each wildcard among them
 * is one. Archive objects are granted by prefix, not per service: `{prefix}*` holds the
 * services' records, and `{prefix}_*` the console's own state, which the tiers that must
 * not see it are denied.
 */
export class ConsoleResources {
  readonly bucket: string;
  readonly key: IKey;
  readonly prefix: string;
  readonly auditPrefix: string;
  readonly erasuresPrefix: string;
  readonly exportsPrefix: string;
  readonly bulkRestorePrefix: string;
  readonly pitrPrefix: string;
  readonly approvalsPrefix: string;
  /** The console's state folders a read-only console may not list or read: all but the attribution records. */
  readonly hiddenStatePrefixes: string[];
  /** Everything under the archive prefix: every service's records and index, and the console's state. */
  readonly archiveObjects: string;
  readonly datedObjects: string;
  readonly indexEntries: string;
  readonly hiddenStateObjects: string[];
  readonly auditObjects: string;
  readonly ledgerObjects: string;
  readonly leaseObjects: string;
  readonly exportObjects: string;
  readonly bulkRestoreObjects: string;
  readonly pitrObjects: string;
  readonly approvalObjects: string;
  readonly drillObjects: string;
  readonly alertObjects: string;
  readonly discardedPrefix: string;
  readonly discardedObjects: string;
  readonly alertTopic?: string;
  readonly alertTopicKey?: string;
  readonly scratchTables: string;
  readonly alarms: string;
  readonly restoredTables: string;
  /** Every table of the account and region, for the statement conditioned on the archive tag. */
  readonly taggedTables: string;
  readonly tableTag: { key: string; value: string };
  readonly services: ServiceResources[];
  readonly failureBuckets: FailureBucketResources[];
  readonly athena?: AthenaSearchResources & { resultObjects: string };

  private readonly reasons = new Map<string, string>();

  constructor(scope: Construct, props: ConsoleResourcesProps) {
    const { archive } = props;
    const bucket = archive.bucket;
    const stack = Stack.of(scope);
    const folder = (segment: string) => `${archive.prefix}${segment}/`;
    const objects = (pattern: string, reason: string) => this.explain(bucket.arnForObjects(pattern), reason);
    this.bucket = bucket.bucketArn;
    this.key = archive.key;
    this.prefix = archive.prefix;

    this.auditPrefix = folder(AUDIT_SEGMENT);
    this.erasuresPrefix = folder(CONSOLE_KEY_SEGMENTS.erasures);
    this.exportsPrefix = folder(CONSOLE_KEY_SEGMENTS.exports);
    this.bulkRestorePrefix = folder(CONSOLE_KEY_SEGMENTS.bulkRestoreJobs);
    this.pitrPrefix = folder(CONSOLE_KEY_SEGMENTS.pitrJobs);
    this.approvalsPrefix = folder(CONSOLE_KEY_SEGMENTS.approvals);
    const hiddenFolders = consoleStateFoldersBut(CONSOLE_KEY_SEGMENTS.attribution);
    this.hiddenStatePrefixes = hiddenFolders.map((f) => `${archive.prefix}${f}`);

    this.archiveObjects = objects(
      `${archive.prefix}*`,
      "Objects under the archive prefix: every configured (and retired) service's records, named from deleted keys; the console's own state under _-folders is denied separately to tiers that must not read it.",
    );
    this.datedObjects = objects(
      `${archive.prefix}*/????/??/??/*`,
      "Services' dated archive objects, named by deletion time and key: redaction rewrites them and a DLQ replay writes missing ones.",
    );
    this.indexEntries = objects(`${archive.prefix}*/${INDEX_SEGMENT}/*`, "Services' by-key index entries, named by key and deletion time: a DLQ replay writes the entry of each record it archives.");
    this.hiddenStateObjects = hiddenFolders.map((f) => objects(`${folder(f)}*`, `The console's own state under ${f}/, which a read-only console does not read.`));
    this.auditObjects = objects(`${this.auditPrefix}*`, "Entries of the append-only audit log, one object per action, named when the action happens.");
    this.ledgerObjects = objects(`${this.erasuresPrefix}*`, "The erasure ledger: one object per erased partition key, named by the service and the key's hash.");
    this.leaseObjects = objects(
      `${folder(CONSOLE_KEY_SEGMENTS.dayLeases)}*`,
      "Day leases, one per service and day, named by the day: an erasure holds the lease of each day it edits while a seal may run.",
    );
    this.exportObjects = objects(`${this.exportsPrefix}*`, "Export manifests, one per export, named by the export's id when it finishes.");
    this.bulkRestoreObjects = objects(
      `${this.bulkRestorePrefix}*`,
      "Bulk-restore job state (job, plan, lease, chunk results) in a folder per job, named when the job is planned.",
    );
    this.pitrObjects = objects(`${this.pitrPrefix}*`, "PITR job history and compare chunks, named by the job's id when the restore starts.");
    this.approvalObjects = objects(`${this.approvalsPrefix}*`, "Four-eyes approval requests, one object per request, named by its creation time and a random id.");
    this.drillObjects = objects(`${folder(CONSOLE_KEY_SEGMENTS.drills)}*`, "Restore drill reports, one object per drill, named by the service, its start time and id.");
    this.alertObjects = objects(
      `${folder(CONSOLE_KEY_SEGMENTS.alerts)}*`,
      "Alert state: what each alert subject (protection, a service's drills, an approval request, an erasure) last told, named by the subject.",
    );
    this.discardedPrefix = folder(CONSOLE_KEY_SEGMENTS.discarded);
    this.discardedObjects = objects(`${this.discardedPrefix}*`, "Copies of discarded failed batches, one object per discard, named by the service, the time and a random id.");
    if (props.alertTopicArn) this.alertTopic = props.alertTopicArn;
    if (props.alertTopicArn && props.alertTopicKeyArn) this.alertTopicKey = props.alertTopicKeyArn;
    this.scratchTables = this.explain(
      stack.formatArn({ service: "dynamodb", resource: "table", resourceName: `${props.drillScratchPrefix}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      `Scratch tables of restore drills, named ${props.drillScratchPrefix}{service}-{time}-{hex} at each drill; the config refuses that prefix for any service table.`,
    );
    this.alarms = this.explain(
      stack.formatArn({ service: "cloudwatch", resource: "alarm", resourceName: `${ALARM_NAME_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      "Every alarm Lazarus creates is named lazarus-{service or bucket}-{check}; DescribeAlarms only reads them.",
    );

    // One pattern for every table's PITR targets, not one per table: with hundreds of tables the per-table
    // patterns alone would fill the admin tier's ten policies.
    const restoredTables = this.explain(
      stack.formatArn({ service: "dynamodb", resource: "table", resourceName: `*${CONSOLE_KEY_SEGMENTS.restoredTable}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      "Tables a PITR restore creates, named {table}-restored-{time} when the restore starts.",
    );
    this.restoredTables = restoredTables;
    this.tableTag = { key: ARCHIVE_TAG, value: props.archiveBucketName };
    this.taggedTables = this.explain(
      stack.formatArn({ service: "dynamodb", resource: "table", resourceName: "*", arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      `Tables of this account and region, only where the table carries the tag ${ARCHIVE_TAG}=${props.archiveBucketName}, which the archivers stacks put on the tables they manage.`,
    );
    this.services = props.services.map((s) => {
      const table = stack.formatArn({ service: "dynamodb", resource: "table", resourceName: s.table.name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      return {
        name: s.name,
        table,
        tableByTag: props.tableAccess === "tag" && s.table.managed,
        stream: this.explain(
          `${table}/stream/*`,
          "The configured tables' streams: a stream's label is its creation time, and a failure may name the table's previous stream.",
        ),
        ...(s.onFailure.type === "sqs" ? { queue: stack.formatArn({ service: "sqs", resource: s.onFailure.queueName }) } : {}),
      };
    });
    this.failureBuckets = props.failureBuckets.map((b) => ({
      bucket: b.bucketArn,
      batches: this.explain(
        b.arnForObjects(`${CONSOLE_KEY_SEGMENTS.failedBatches}*`),
        "Failed-batch objects, which Lambda names by mapping, shard and time; the failure buckets hold nothing else.",
      ),
    }));
    if (props.athena) {
      this.athena = {
        ...props.athena,
        resultObjects: this.explain(`${props.athena.resultsBucketArn}/*`, "Athena query results, named by Athena after each query's id; the bucket holds nothing else and expires them."),
      };
    }
    this.explain("*", "lambda:ListEventSourceMappings and cloudwatch:GetMetricStatistics have no resource-level permissions; AWS authorises them only on \"*\".");
  }

  private explain(resource: string, reason: string): string {
    if (!this.reasons.has(resource)) this.reasons.set(resource, reason);
    return resource;
  }

  /** Acknowledges exactly the wildcard resources a policy allows; one without a reason is a mistake here. */
  acknowledgeWildcards(policy: ManagedPolicy, statements: readonly PolicyStatement[]): void {
    const byReason = new Map<string, Set<string>>();
    for (const resource of statements.filter((s) => s.effect === "Allow").flatMap((s) => s.resources)) {
      if (!resource.includes("*")) continue;
      const reason = this.reasons.get(resource);
      if (!reason) throw new Error(`console policy ${policy.node.id} names the wildcard resource ${resource} without a reason`);
      byReason.set(reason, (byReason.get(reason) ?? new Set<string>()).add(resource));
    }
    for (const [reason, resources] of byReason) acknowledgeWildcardResources(policy, [...resources], reason);
    for (const action of new Set(statements.filter((s) => s.effect === "Allow").flatMap((s) => s.actions))) {
      if (!action.includes("*")) continue;
      const reason = TOPIC_KEY_WILDCARD_ACTIONS[action];
      if (!reason) throw new Error(`console policy ${policy.node.id} names the wildcard action ${action} without a reason`);
      acknowledgeWildcardAction(policy, action, reason);
    }
  }
}
