import { ArnFormat, Stack } from "aws-cdk-lib";
import type { IAlarm } from "aws-cdk-lib/aws-cloudwatch";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { ConfigError } from "../../lib/config/load";
import { kmsViaS3 } from "./kms-via-s3";
import { MANAGED_POLICY_MAX_CHARS, PolicySizeEstimator, type StatementJson } from "./policy-size";
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
  compliance: "Lazarus console, compliance: restore plus erasure and redaction of archived records, failed batches and job state, and report exports",
  admin: "Lazarus console, admin: compliance plus DLQ replay, bulk restore, point-in-time restore and table protection fixes",
};

/** Each policy of a tier is packed to at most this many estimated characters: IAM allows 6,144. */
export const CONSOLE_POLICY_TARGET_CHARS = 5_500;
/** Managed policies one IAM role can have attached by default (a quota increase allows 20). */
export const ROLE_MANAGED_POLICY_LIMIT = 10;

/**
 * The console's IAM role gets one of four tiers: read-only, restore, compliance
 * (erasure, exports) and admin (DLQ replay, bulk restore, PITR, protection fixes),
 * each including the one before. The console runs as one identity, so the attached
 * tier caps every signed-in user; the app's roles decide within it.
 *
 * A tier is a set of managed policies, because IAM limits one to 6,144 characters
 * and every configured service adds its ARNs. The grants are made per group of
 * resources (shared, each service, each failure bucket, each other alarm), and
 * a group goes whole into the first policy of the tier it fits in, under
 * CONSOLE_POLICY_TARGET_CHARS by a conservative estimate; within a policy the
 * grants of one Sid are one statement. The first policy of a tier keeps the name
 * `lazarus-console-{tier}-{region}` (and its construct ID, so existing deployments
 * keep it); the next ones are `-2`, `-3`, ..., with Sids suffixed the same way.
 * A role must attach every policy of its tier.
 *
 * Every action is named and every resource is named by ARN; the wildcards are
 * object prefixes, stream labels, PITR target tables, and "*" for the two read
 * actions without resource-level permissions, each acknowledged with its reason.
 */
export class ConsolePolicies extends Construct {
  readonly readOnly: ManagedPolicy[];
  readonly restore: ManagedPolicy[];
  readonly compliance: ManagedPolicy[];
  readonly admin: ManagedPolicy[];
  /** Each policy's size as estimated at synth time (characters, white space not counted). */
  readonly estimatedSizes = new Map<ManagedPolicy, number>();

  constructor(scope: Construct, id: string, props: ConsolePoliciesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Stable names, so a role, user or IAM Identity Center permission set can refer to them by name;
    // the region keeps two regional deployments in one account apart (IAM names are account-wide).
    const region = stack.region;
    const resources = new ConsoleResources(this, props);
    const estimator = new PolicySizeEstimator(stack);
    const packed = new Map(CONSOLE_TIERS.map((tier) => [tier, packPolicies(consoleGrants(resources, tier), estimator)]));

    const over = CONSOLE_TIERS.filter((tier) => packed.get(tier)!.length > ROLE_MANAGED_POLICY_LIMIT).at(-1);
    if (over) {
      const services = props.services.length;
      throw new ConfigError(
        `The console's ${over} tier needs ${packed.get(over)!.length} managed policies for the ${services} services in the config ` +
          `(IAM limits a policy to ${MANAGED_POLICY_MAX_CHARS.toLocaleString("en-US")} characters), but an IAM role can attach at most ` +
          `${ROLE_MANAGED_POLICY_LIMIT}. Deploy the services in more than one stack: split them between configs of fewer services ` +
          `(each deployed in its own account or region, as the policy names are per account and region), or shorten the archive ` +
          `prefix and the service and table names, which the policies repeat.`,
      );
    }

    // The first policy's construct ID, name and description never change: CloudFormation would have to replace a named policy.
    const policies = (construct: string, tier: ConsoleTier) =>
      packed.get(tier)!.map((draft) => {
        const n = draft.number;
        const statements = draft.statements();
        const managed = new ManagedPolicy(this, n === 1 ? construct : `${construct}${n}`, {
          managedPolicyName: `lazarus-console-${tier}-${region}${n === 1 ? "" : `-${n}`}`,
          description: n === 1 ? DESCRIPTIONS[tier] : `${DESCRIPTIONS[tier]} (part ${n}: attach it with the other parts)`,
          statements,
        });
        resources.acknowledgeWildcards(managed, statements);
        this.estimatedSizes.set(managed, draft.size);
        return managed;
      });
    this.readOnly = policies("ReadOnly", "read-only");
    this.restore = policies("Restore", "restore");
    this.compliance = policies("Compliance", "compliance");
    this.admin = policies("Admin", "admin");
  }

  /** A tier's policies, first to last; a role attaches all of them. */
  tier(tier: ConsoleTier): ManagedPolicy[] {
    return { "read-only": this.readOnly, restore: this.restore, compliance: this.compliance, admin: this.admin }[tier];
  }
}

/** One configured service's resources, as the statements name them. */
interface ServiceResources {
  name: string;
  prefix: string;
  ledgerPrefix: string;
  objects: string;
  /** `{service}/{yyyy}/{mm}/{dd}/...`: archive objects only, not the service's index. */
  datedObjects: string;
  indexEntries: string;
  ledgerObjects: string;
  table: string;
  stream: string;
  restoredTables: string;
  queue?: string;
  alarms: string[];
}

interface FailureBucketResources {
  bucket: string;
  batches: string;
}

/** The ARNs and prefixes the statements name, and why each wildcard among them is one. */
class ConsoleResources {
  readonly bucket: string;
  readonly key: IKey;
  readonly auditPrefix: string;
  readonly exportsPrefix: string;
  readonly bulkRestorePrefix: string;
  readonly pitrPrefix: string;
  readonly auditObjects: string;
  readonly exportObjects: string;
  readonly bulkRestoreObjects: string;
  readonly pitrObjects: string;
  readonly services: ServiceResources[];
  readonly failureBuckets: FailureBucketResources[];
  /** Alarms not owned by one service (the failure buckets' alarms). */
  readonly otherAlarms: string[];

  private readonly reasons = new Map<string, string>();

  constructor(scope: Construct, props: ConsolePoliciesProps) {
    const { archive } = props;
    const bucket = archive.bucket;
    const folder = (segment: string) => `${archive.prefix}${segment}/`;
    const objects = (prefix: string, reason: string) => this.explain(bucket.arnForObjects(`${prefix}*`), reason);
    const stack = Stack.of(scope);
    this.bucket = bucket.bucketArn;
    this.key = archive.key;

    this.auditPrefix = folder(AUDIT_SEGMENT);
    this.exportsPrefix = folder(CONSOLE_KEY_SEGMENTS.exports);
    this.bulkRestorePrefix = folder(CONSOLE_KEY_SEGMENTS.bulkRestoreJobs);
    this.pitrPrefix = folder(CONSOLE_KEY_SEGMENTS.pitrJobs);
    this.auditObjects = objects(this.auditPrefix, "Entries of the append-only audit log, one object per action, named when the action happens.");
    this.exportObjects = objects(this.exportsPrefix, "Export manifests, one per export, named by the export's id when it finishes.");
    this.bulkRestoreObjects = objects(
      this.bulkRestorePrefix,
      "Bulk-restore job state (job, plan, lease, chunk results) in a folder per job, named when the job is planned.",
    );
    this.pitrObjects = objects(this.pitrPrefix, "PITR job history and compare chunks, named by the job's id when the restore starts.");

    this.services = props.services.map((s) => {
      const prefix = folder(s.service.name);
      const ledgerPrefix = folder(`${CONSOLE_KEY_SEGMENTS.erasures}/${s.service.name}`);
      const table = s.table.tableArn;
      return {
        name: s.service.name,
        prefix,
        ledgerPrefix,
        objects: objects(prefix, "Objects under a configured service's archive prefix; their names come from deleted keys, so they cannot be listed in advance."),
        datedObjects: this.explain(
          bucket.arnForObjects(`${prefix}????/??/??/*`),
          "A service's dated archive objects, named by deletion time and key: redaction rewrites them and a DLQ replay writes missing ones.",
        ),
        indexEntries: this.explain(
          bucket.arnForObjects(`${prefix}${INDEX_SEGMENT}/*`),
          "A service's by-key index entries, named by key and deletion time: a DLQ replay writes the entry of each record it archives.",
        ),
        ledgerObjects: objects(ledgerPrefix, "A configured service's erasure ledger: one object per erased partition key, named by the key's hash."),
        table,
        stream: this.explain(
          `${table}/stream/*`,
          "The configured tables' streams: a stream's label is its creation time, and a failure may name the table's previous stream.",
        ),
        restoredTables: this.explain(
          stack.formatArn({
            service: "dynamodb",
            resource: "table",
            resourceName: `${s.service.table.name}${CONSOLE_KEY_SEGMENTS.restoredTable}*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
          "Tables a PITR restore of a configured table creates, named {table}-restored-{time} when the restore starts.",
        ),
        ...(s.deadLetterQueue ? { queue: s.deadLetterQueue.queueArn } : {}),
        alarms: s.alarms.map((a) => a.alarmArn),
      };
    });
    this.failureBuckets = props.failureBuckets.map((b) => ({
      bucket: b.bucketArn,
      batches: this.explain(
        b.arnForObjects(`${CONSOLE_KEY_SEGMENTS.failedBatches}*`),
        "Failed-batch objects, which Lambda names by mapping, shard and time; the failure buckets hold nothing else.",
      ),
    }));
    const owned = new Set<IAlarm>(props.services.flatMap((s) => s.alarms));
    this.otherAlarms = props.alarms.filter((a) => !owned.has(a)).map((a) => a.alarmArn);
    this.explain("*", "lambda:ListEventSourceMappings and cloudwatch:GetMetricStatistics have no resource-level permissions; AWS authorises them only on \"*\".");
  }

  private explain(resource: string, reason: string): string {
    if (!this.reasons.has(resource)) this.reasons.set(resource, reason);
    return resource;
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

/**
 * A part of a statement that goes into a policy whole: some actions on the resources
 * of one group (shared, a service, a failure bucket, an alarm). Within a policy the
 * grants of one Sid become one statement, so they must agree on the actions and the
 * conditions; those limited to list prefixes name the same bucket.
 */
interface Grant {
  sid: string;
  actions: string[];
  resources: string[];
  /** Object prefixes (`s3:prefix`, matched with a trailing `*`) the listing is limited to. */
  listPrefixes?: string[];
  conditions?: Record<string, Record<string, unknown>>;
}

const SHARED = "shared";

/** A tier's grants by group, shared first, and the order of their Sids; a grant whose tier allows no action is left out. */
function consoleGrants(r: ConsoleResources, tier: ConsoleTier): { groups: Grant[][]; sids: string[] } {
  const level = CONSOLE_TIERS.indexOf(tier);
  /** The items if this tier includes `first`. */
  const from = <T>(first: ConsoleTier, ...items: T[]): T[] => (level >= CONSOLE_TIERS.indexOf(first) ? items : []);
  const groups = new Map<string, Grant[]>([
    [SHARED, []],
    ...r.services.map((s): [string, Grant[]] => [`service ${s.name}`, []]),
    ...r.failureBuckets.map((_, i): [string, Grant[]] => [`failure bucket ${i}`, []]),
    ...r.otherAlarms.map((_, i): [string, Grant[]] => [`alarm ${i}`, []]),
  ]);
  const sids = new Set<string>();
  const grant = (group: string, sid: string, actions: string[], resources: string[], extra: Pick<Grant, "listPrefixes" | "conditions"> = {}) => {
    if (actions.length === 0 || resources.length === 0 || extra.listPrefixes?.length === 0) return;
    groups.get(group)!.push({ sid, actions, resources, ...extra });
    sids.add(sid);
  };
  const perService = (sid: string, actions: string[], resources: (s: ServiceResources) => Array<string | undefined>, prefixes?: (s: ServiceResources) => string[]) => {
    for (const s of r.services) {
      grant(`service ${s.name}`, sid, actions, resources(s).filter((x) => x !== undefined), prefixes ? { listPrefixes: prefixes(s) } : {});
    }
  };
  const perFailureBucket = (sid: string, actions: string[], resource: (b: FailureBucketResources) => string) =>
    r.failureBuckets.forEach((b, i) => grant(`failure bucket ${i}`, sid, actions, [resource(b)]));

  // S3 answers a missing object with 404 only to callers who may list it: the ledger, job and manifest lookups rely on that.
  grant(SHARED, "ListArchive", ["s3:ListBucket"], [r.bucket], {
    // Compliance reads job state too: an erasure cleans the subject out of bulk-restore and compare files.
    listPrefixes: [r.auditPrefix, ...from("compliance", r.exportsPrefix, r.bulkRestorePrefix, r.pitrPrefix)],
  });
  grant(SHARED, "ListJobVersions", from("compliance", "s3:ListBucketVersions"), [r.bucket], { listPrefixes: [r.bulkRestorePrefix, r.pitrPrefix] });
  perService("ListArchive", ["s3:ListBucket"], () => [r.bucket], (s) => [s.prefix, ...from("restore", s.ledgerPrefix)]);
  // Erasure removes every version of an archive object and of its index entry.
  perService("ListArchiveVersions", from("compliance", "s3:ListBucketVersions"), () => [r.bucket], (s) => [s.prefix]);
  // Erasure checks Object Lock before deleting anything.
  grant(SHARED, "ReadBucketObjectLock", from("compliance", "s3:GetBucketObjectLockConfiguration"), [r.bucket]);
  perFailureBucket("ReadBucketObjectLock", from("compliance", "s3:GetBucketObjectLockConfiguration"), (b) => b.bucket);
  perService(
    "ArchivedRecords",
    [
      "s3:GetObject",
      "s3:GetObjectVersion",
      ...from("restore", "s3:RestoreObject"),
      // Erasure: without the lock reads HeadObject omits the lock headers, and a locked version shows only when its
      // delete fails; DeleteObjects needs s3:DeleteObject as well as s3:DeleteObjectVersion for the versions it names.
      ...from("compliance", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    ],
    (s) => [s.objects],
  );
  // Redaction rewrites archive objects; a DLQ replay writes the ones the archiver missed (conditionally, never over one).
  perService("WriteArchiveObjects", from("compliance", "s3:PutObject"), (s) => [s.datedObjects]);
  perService("WriteIndexEntries", from("admin", "s3:PutObject"), (s) => [s.indexEntries]);
  // Append-only: no tier may delete an entry.
  // PutObjectRetention: entries carry their own Object Lock retention when `audit.objectLock` is set.
  grant(SHARED, "AuditLog", ["s3:GetObject", "s3:GetObjectVersion", ...from("restore", "s3:PutObject", "s3:PutObjectRetention")], [r.auditObjects]);
  // Every restore path refuses a key the ledger says was erased; erasure records it.
  perService("ErasureLedger", [...from("restore", "s3:GetObject"), ...from("compliance", "s3:PutObject")], (s) => [s.ledgerObjects]);
  grant(SHARED, "ExportManifests", from("compliance", "s3:GetObject", "s3:PutObject"), [r.exportObjects]);
  // Admins run jobs; an erasure rewrites the job files holding the subject and deletes their older versions.
  grant(SHARED, "ConsoleJobs", from("compliance", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"), [r.bulkRestoreObjects, r.pitrObjects]);
  // The archive key, only through S3: reading objects, and writing them (audit entries first of all).
  const key = kmsViaS3(r.key, ["kms:Decrypt", ...from("restore", "kms:GenerateDataKey")]);
  grant(SHARED, "ArchiveKeyViaS3", [...key.actions], [...key.resources], { conditions: key.conditions as Grant["conditions"] });

  // Failure buckets hold only what Lambda writes there, so they are listed whole: the protection
  // report does so when it cannot name the mapping. Erasure rewrites or removes batches holding the
  // subject's records; a DLQ replay reads a batch and removes it with all its versions.
  perFailureBucket("FailureBuckets", ["s3:ListBucket", ...from("compliance", "s3:ListBucketVersions")], (b) => b.bucket);
  perFailureBucket(
    "FailedBatches",
    from("compliance", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    (b) => b.batches,
  );

  perService(
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
    (s) => [s.table],
  );
  perService(
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
    (s) => [s.restoredTables],
  );
  // An SQS failure names a range of the stream; replay reads it back.
  perService("TableStreams", from("admin", "dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"), (s) => [s.stream]);
  // Reading a queue is receiving it: each listing makes its messages visible again; a replay deletes its message.
  perService(
    "DeadLetterQueues",
    ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", ...from("admin", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage")],
    (s) => [s.queue],
  );
  perService("Alarms", ["cloudwatch:DescribeAlarms"], (s) => s.alarms);
  r.otherAlarms.forEach((alarm, i) => grant(`alarm ${i}`, "Alarms", ["cloudwatch:DescribeAlarms"], [alarm]));
  // The protection report: mappings per function, iterator and DLQ ages.
  grant(SHARED, "Unscoped", ["lambda:ListEventSourceMappings", "cloudwatch:GetMetricStatistics"], ["*"]);
  return { groups: [...groups.values()].filter((g) => g.length > 0), sids: [...sids] };
}

/**
 * Packs a tier's grant groups into policies: each group into the first policy it
 * fits in, else a new one; a group no empty policy holds goes grant by grant.
 */
function packPolicies({ groups, sids }: { groups: readonly Grant[][]; sids: readonly string[] }, estimator: PolicySizeEstimator): PolicyDraft[] {
  const policies: PolicyDraft[] = [];
  const place = (grants: readonly Grant[]): boolean => {
    if (policies.some((p) => p.add(grants))) return true;
    const fresh = new PolicyDraft(policies.length + 1, estimator, sids);
    if (!fresh.add(grants)) return false;
    policies.push(fresh);
    return true;
  };
  for (const group of groups) {
    if (place(group)) continue;
    for (const grant of group) {
      if (!place([grant])) {
        throw new Error(`The console's ${grant.sid} grant on ${grant.resources.join(", ")} alone exceeds ${CONSOLE_POLICY_TARGET_CHARS} characters`);
      }
    }
  }
  return policies;
}

/** A statement being packed: the grants of one Sid in one policy, merged. */
interface Merged extends Grant {
  size?: number;
}

/** One managed policy of a tier being packed, numbered from 1. */
class PolicyDraft {
  private merged = new Map<string, Merged>();
  size: number;

  constructor(
    readonly number: number,
    private readonly estimator: PolicySizeEstimator,
    /** The order statements are written in: that of the code granting them. */
    private readonly sids: readonly string[],
  ) {
    this.size = estimator.documentSize([]);
  }

  /** Adds the grants if the policy stays within the target size, and says whether it did. */
  add(grants: readonly Grant[]): boolean {
    const next = new Map(this.merged);
    for (const grant of grants) next.set(grant.sid, merge(next.get(grant.sid), grant));
    const size = this.estimator.documentSize([...next.values()].map((m) => (m.size ??= this.estimator.statementSize(this.json(m)))));
    if (size > CONSOLE_POLICY_TARGET_CHARS) return false;
    this.merged = next;
    this.size = size;
    return true;
  }

  statements(): PolicyStatement[] {
    const rank = (m: Merged) => this.sids.indexOf(m.sid);
    return [...this.merged.values()].sort((a, b) => rank(a) - rank(b)).map((m) => {
      const { Sid: sid, Action: actions, Resource: resources, Condition: conditions } = this.json(m);
      return new PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });
    });
  }

  /** Sids are unique across a tier: a statement of policy -2 has Sid `{Sid}2`. */
  private json(m: Merged): StatementJson {
    const conditions = m.listPrefixes
      ? { ...m.conditions, StringLike: { ...m.conditions?.StringLike, "s3:prefix": m.listPrefixes.map((p) => `${p}*`) } }
      : m.conditions;
    return {
      Sid: this.number === 1 ? m.sid : `${m.sid}${this.number}`,
      Effect: "Allow",
      Action: m.actions,
      Resource: m.resources,
      ...(conditions ? { Condition: conditions } : {}),
    };
  }
}

/** The statement with the grant's resources and list prefixes added; the grants of one Sid must otherwise agree. */
function merge(into: Merged | undefined, grant: Grant): Merged {
  if (!into) return { ...grant };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const conflict =
    !same(into.actions, grant.actions) ||
    !same(into.conditions, grant.conditions) ||
    (into.listPrefixes === undefined) !== (grant.listPrefixes === undefined) ||
    // Prefixes of one bucket joined to the resources of another would grant both on both.
    (grant.listPrefixes !== undefined && !same(into.resources, grant.resources));
  if (conflict) throw new Error(`The console's ${grant.sid} grants differ in their actions or conditions and cannot share a statement`);
  const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
  return {
    ...into,
    resources: union(into.resources, grant.resources),
    ...(into.listPrefixes && grant.listPrefixes ? { listPrefixes: union(into.listPrefixes, grant.listPrefixes) } : {}),
    size: undefined,
  };
}
