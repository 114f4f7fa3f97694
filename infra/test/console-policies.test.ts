import { describe, expect, it } from "vitest";
import { ALERTS_SEGMENT, alertStateKey } from "../../lib/alerts/alerts";
import { archiveObjectKey, indexEntryKey, type ArchiveKeyParts } from "../../lib/archive/layout";
import { APPROVALS_SEGMENT, approvalKey, newApprovalId } from "../../lib/approvals/approval-store";
import { ATTRIBUTION_SEGMENT, attributionDayPrefix, attributionKey } from "../../lib/attribution/attribution-layout";
import { auditEntryKey } from "../../lib/audit/audit-layout";
import { dayLeaseKey, LEASE_SEGMENT } from "../../lib/archive/day-lease";
import { chunkResultKey, jobObjectKey, jobsPrefix, newJobId } from "../../lib/bulk-restore/job-store";
import { ConfigError, parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { DISCARDED_SEGMENT, discardedKey } from "../../lib/dlq/discarded-layout";
import { DRILLS_SEGMENT } from "../../lib/drills/drill-store";
import { FAILURE_OBJECT_PREFIX } from "../../lib/dlq/failure-source";
import { ERASURE_SEGMENT, erasureLedgerKey, erasuresPrefix } from "../../lib/erasure/erasure-ledger";
import { EXPORTS_SEGMENT, manifestKey } from "../../lib/exports/export-manifest";
import { compareChunkKey, jobKey, PITR_JOBS_SEGMENT } from "../../lib/pitr/pitr-store";
import { suggestTargetName } from "../../lib/pitr/pitr-types";
import { Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { CfnManagedPolicy } from "aws-cdk-lib/aws-iam";
import { CONSOLE_KEY_SEGMENTS, CONSOLE_POLICY_TARGET_CHARS, ROLE_MANAGED_POLICY_LIMIT } from "../lib/console-policies";
import { MANAGED_POLICY_MAX_CHARS } from "../lib/policy-size";
import {
  actionsOf,
  deployedValue,
  logicalIdOf,
  onlyResource,
  renderArn,
  resourcesOf,
  shippedConfigWithServices,
  statementsOf,
  synthStack,
  testConfig,
  tierPolicies,
  type Statement,
} from "./fixtures";

const READ_ONLY_ACTION = /^[a-z0-9]+:(Get|List|Describe|BatchGet)[A-Za-z]*$/;
const WRITE_VERB = /:(Put|Delete|Update|Create|Restore|Write|Batch(Write)|Send|Purge|Tag|Untag|Invoke|Encrypt|GenerateDataKey|ReEncrypt|Receive|Change)/;
const TIERS = ["read-only", "restore", "compliance", "admin"] as const;
type Tier = (typeof TIERS)[number];

/** Most tests read the grants with every table named, as imported tables always are; "tables by tag" below covers the default. */
const byName = (raw: Record<string, unknown>) => (raw.fleet = { ...(raw.fleet as Record<string, unknown>), consoleTableAccess: "name" });
const alertTopic = "arn:aws:sns:eu-west-1:123456789012:pager";
const config = testConfig((raw) => {
  byName(raw);
  raw.alerts = { email: ["ops@example.com"], snsTopicArn: alertTopic };
});
const { template } = synthStack(config);
const json = template.toJSON() as { Outputs: Record<string, { Value: unknown }> };

const idOf = (type: string, name: string, t = template) => logicalIdOf(t, type, (r) => r.Properties.BucketName === name || r.Properties.TableName === name);
const archive = `\${${idOf("AWS::S3::Bucket", "test-archive")}.Arn}`;
const failures = `\${${idOf("AWS::S3::Bucket", "test-failed-batches")}.Arn}`;
/** A table in the stack's account and region, as the template renders it: named from the config, not referenced. */
const tableArn = (name: string) => `arn:aws:dynamodb:eu-west-1:\${AWS::AccountId}:table/${name}`;
const contactTable = tableArn("contact");
const orderTable = tableArn("order");
const queue = "arn:aws:sqs:eu-west-1:${AWS::AccountId}:contact-dlq";
const restoredTable = (table: string) => tableArn(suggestTargetName(table, new Date("2024-03-01T10:00:00Z")));

/** Every statement of a tier's policies: the role attaches them all, so what they grant together is what counts. */
function policyStatements(t: typeof template, tier: Tier, region = "eu-west-1"): Statement[] {
  const found = tierPolicies(t, tier, region);
  expect(found.length, tier).toBeGreaterThan(0);
  return found.flatMap(([, policy]) => statementsOf(policy));
}
const policies = Object.fromEntries(TIERS.map((t) => [t, policyStatements(template, t)])) as Record<Tier, Statement[]>;

/** IAM's wildcards: `*` any run of characters, `?` one. */
function matches(pattern: string, arn: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(arn);
}

/** Whether the statements allow the action on the ARN: some Allow matches, and no unconditional Deny does. */
function allows(statements: Statement[], action: string, arn: string): boolean {
  const hits = (s: Statement) => actionsOf(s).includes(action) && resourcesOf(s).map(renderArn).some((p) => matches(p, arn));
  return statements.some((s) => s.Effect === "Allow" && hits(s)) && !statements.some((s) => s.Effect === "Deny" && !s.Condition && hits(s));
}

/** The archive bucket policy's statements, which bind every principal as well. */
const bucketPolicy = statementsOf(onlyResource(template, "AWS::S3::BucketPolicy", (r) => renderArn(r.Properties.Bucket) === `\${${idOf("AWS::S3::Bucket", "test-archive")}}`)[1]).map(
  (s) => ({ ...s, Resource: resourcesOf(s).map(renderArn) }),
);

function resourcesFor(statements: Statement[], action: string): string[] {
  return statements.filter((s) => s.Effect === "Allow" && actionsOf(s).includes(action)).flatMap(resourcesOf).map(renderArn).sort();
}

/** Every (action, resource, list prefix) a policy grants, to compare tiers. */
function grants(statements: Statement[]): Set<string> {
  return new Set(
    statements.filter((s) => s.Effect === "Allow").flatMap((s) => {
      const prefixes = (s.Condition?.StringLike as Record<string, string[]> | undefined)?.["s3:prefix"] ?? [""];
      return actionsOf(s).flatMap((a) => resourcesOf(s).flatMap((r) => prefixes.map((p) => `${a} ${renderArn(r)} ${p}`)));
    }),
  );
}

function listPrefixes(statements: Statement[], action: "s3:ListBucket" | "s3:ListBucketVersions", bucket: string): string[] {
  return statements
    .filter((s) => s.Effect === "Allow" && actionsOf(s).includes(action) && resourcesOf(s).map(renderArn).includes(bucket))
    .flatMap((s) => (s.Condition?.StringLike as Record<string, string[]> | undefined)?.["s3:prefix"] ?? ["(any)"])
    .sort();
}

// Keys the console's own code writes and reads, built with the code's own layout functions.
const prefix = config.archive.prefix;
const deletion: ArchiveKeyParts = {
  prefix,
  service: "contact-svc",
  deletedAt: new Date("2024-01-15T10:30:05Z"),
  deletionType: "manual",
  partitionKey: { S: "CONTACT#c-1" },
  sortKey: { S: "PROFILE" },
  eventId: "event-1",
};
const hash = "a".repeat(64);
const jobId = newJobId(new Date("2024-03-01T10:00:00Z"));
const key = {
  archiveObject: `${archive}/${archiveObjectKey(deletion)}`,
  indexEntry: `${archive}/${indexEntryKey(deletion)}`,
  otherServiceObject: `${archive}/${archiveObjectKey({ ...deletion, service: "order-svc", sortKey: undefined } as ArchiveKeyParts)}`,
  audit: `${archive}/${auditEntryKey(prefix, new Date("2024-03-01T10:00:00Z"), "5f0c2a9d-3e41-4b7a-9c2d-000000000001")}`,
  ledger: `${archive}/${erasureLedgerKey(prefix, "contact-svc", hash)}`,
  manifest: `${archive}/${manifestKey(prefix, "5f0c2a9d-3e41-4b7a-9c2d-000000000002")}`,
  bulkJob: `${archive}/${jobObjectKey(prefix, jobId, "job.json")}`,
  bulkChunk: `${archive}/${chunkResultKey(prefix, jobId, 3)}`,
  pitrJob: `${archive}/${jobKey(config, "job-1")}`,
  pitrChunk: `${archive}/${compareChunkKey(config, "job-1", "compare-1", "changed", 1)}`,
  approval: `${archive}/${approvalKey(prefix, newApprovalId(new Date("2024-03-01T10:00:00Z")))}`,
  alertState: `${archive}/${alertStateKey(prefix, "protection")}`,
  alertMarker: `${archive}/${alertStateKey(prefix, "approvals/20240301T100000Z-abc")}`,
  discardedCopy: `${archive}/${discardedKey(prefix, "contact-svc", new Date("2024-03-01T10:00:00Z"), "0123456789ab")}`,
  failedBatch: `${failures}/${FAILURE_OBJECT_PREFIX}0a1b2c3d-0000-0000-0000-000000000000/shardId-0001/2024/01/15/2024-01-15T10:30:05.000Z-abc.json`,
  outsideAnyPrefix: `${archive}/somewhere-else/x.json`,
  dayLease: `${archive}/${dayLeaseKey(prefix, "contact-svc", { year: 2024, month: 1, day: 15 })}`,
  attribution: `${archive}/${attributionKey(prefix, {
    service: "contact-svc",
    eventTime: "2024-01-15T10:30:04Z",
    api: "DeleteItem",
    eventId: "event-1",
    principal: { label: "support-engineer/nina" },
    key: { partitionKey: { S: "CONTACT#c-1" }, sortKey: { S: "PROFILE" } },
  })}`,
};
const stream = (table: string) => `${table}/stream/2024-01-15T00:00:00.000`;

describe("console policies", () => {
  it("are four tiers, with stable names per region, to attach by, and stack outputs", () => {
    for (const tier of TIERS) template.hasResourceProperties("AWS::IAM::ManagedPolicy", { ManagedPolicyName: `lazarus-console-${tier}-eu-west-1` });
    expect(Object.keys(json.Outputs)).toEqual(
      expect.arrayContaining(["ConsoleReadOnlyPolicyArn", "ConsoleRestorePolicyArn", "ConsoleCompliancePolicyArn", "ConsoleAdminPolicyArn"]),
    );
  });

  it.each(TIERS.slice(1).map((tier, i) => [tier, TIERS[i]!] as const))("%s grants everything %s does, and more", (tier, below) => {
    const higher = grants(policies[tier]);
    const lower = [...grants(policies[below])];
    expect(lower.filter((g) => !higher.has(g))).toEqual([]);
    expect(higher.size).toBeGreaterThan(lower.length);
  });

  it.each(TIERS)("%s names every action, and uses \"*\" only for the two reads AWS cannot scope", (tier) => {
    for (const action of policies[tier].flatMap(actionsOf)) expect(action).not.toContain("*");
    const unscoped = policies[tier].filter((s) => resourcesOf(s).includes("*"));
    // Admin also lists tables, to find the scratch tables a failed drill left.
    expect(unscoped.flatMap(actionsOf).sort()).toEqual(["cloudwatch:GetMetricStatistics", ...(tier === "admin" ? ["dynamodb:ListTables"] : []), "lambda:ListEventSourceMappings"]);
    const kms = policies[tier].filter((s) => actionsOf(s).some((a) => a.startsWith("kms:")));
    for (const s of kms) expect(s.Condition).toMatchObject({ StringEquals: { "kms:ViaService": expect.anything() } });
  });

  it.each(TIERS)("%s never deletes an audit entry, a ledger entry or a manifest, and touches nothing outside the archive prefix", (tier) => {
    // Identity policies and the bucket policy together: either one's Deny wins.
    const effective = [...policies[tier], ...bucketPolicy];
    for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]) {
      for (const kept of [key.audit, key.ledger, key.manifest]) expect(allows(effective, action, kept), `${action} ${kept}`).toBe(false);
    }
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) expect(allows(policies[tier], action, key.outsideAnyPrefix), action).toBe(false);
    // An audit entry is only ever added: the bucket policy refuses a write without If-None-Match to everyone.
    expect(bucketPolicy).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: "Deny", Action: "s3:PutObject", Condition: { Null: { "s3:if-none-match": "true" } }, Resource: [`${archive}/deleted/_audit/*`] }),
      ]),
    );
  });

  it("keep the key segments the console's code uses (repeated in infra, whose app cannot load server-only modules)", () => {
    expect(CONSOLE_KEY_SEGMENTS.erasures).toBe(ERASURE_SEGMENT);
    expect(erasuresPrefix("p/", "svc")).toBe(`p/${CONSOLE_KEY_SEGMENTS.erasures}/svc/`);
    expect(CONSOLE_KEY_SEGMENTS.exports).toBe(EXPORTS_SEGMENT);
    expect(CONSOLE_KEY_SEGMENTS.dayLeases).toBe(LEASE_SEGMENT);
    expect(jobsPrefix("p/")).toBe(`p/${CONSOLE_KEY_SEGMENTS.bulkRestoreJobs}/`);
    expect(PITR_JOBS_SEGMENT).toBe(`${CONSOLE_KEY_SEGMENTS.pitrJobs}/`);
    expect(APPROVALS_SEGMENT).toBe(CONSOLE_KEY_SEGMENTS.approvals);
    expect(ATTRIBUTION_SEGMENT).toBe(CONSOLE_KEY_SEGMENTS.attribution);
    expect(FAILURE_OBJECT_PREFIX).toBe(CONSOLE_KEY_SEGMENTS.failedBatches);
    expect(ALERTS_SEGMENT).toBe(CONSOLE_KEY_SEGMENTS.alerts);
    expect(DISCARDED_SEGMENT).toBe(CONSOLE_KEY_SEGMENTS.discarded);
    expect(DRILLS_SEGMENT).toBe(CONSOLE_KEY_SEGMENTS.drills);
    expect(suggestTargetName("contact", new Date())).toMatch(new RegExp(`^contact${CONSOLE_KEY_SEGMENTS.restoredTable}`));
  });

  it("name archive objects by prefix, not per service, so their size does not grow with the fleet", () => {
    for (const tier of TIERS) {
      const s3 = policies[tier].filter((s) => resourcesOf(s).map(renderArn).some((r) => r.startsWith(`${archive}/`)));
      for (const resource of s3.flatMap(resourcesOf).map(renderArn)) expect(resource).not.toMatch(/contact-svc|order-svc/);
    }
  });
});

describe("console read-only policy", () => {
  const statements = policies["read-only"];

  it("grants reads only, by name", () => {
    const actions = statements.filter((s) => s.Effect === "Allow").flatMap(actionsOf);
    for (const action of actions) {
      // kms:Decrypt is how S3 reads a KMS-encrypted object; it cannot encrypt or write.
      if (action !== "kms:Decrypt") expect(action).toMatch(READ_ONLY_ACTION);
      expect(action).not.toMatch(WRITE_VERB);
    }
    expect(actions).toEqual(expect.arrayContaining(["s3:GetObject", "s3:GetObjectVersion", "dynamodb:DescribeTable", "dynamodb:GetItem", "cloudwatch:GetMetricStatistics"]));
  });

  it("reads every service's archived records and who deleted them, but not the audit log or any other console state", () => {
    expect(listPrefixes(statements, "s3:ListBucket", archive)).toEqual(["deleted/?*"]);
    for (const record of [key.archiveObject, key.indexEntry, key.otherServiceObject, key.attribution]) expect(allows(statements, "s3:GetObject", record), record).toBe(true);
    for (const state of [key.audit, key.ledger, key.manifest, key.bulkJob, key.pitrJob, key.approval, key.dayLease, key.alertState, key.discardedCopy]) {
      expect(allows(statements, "s3:GetObject", state), state).toBe(false);
      expect(allows(statements, "s3:GetObjectVersion", state), state).toBe(false);
    }
    const listingDeny = statements.find((s) => s.Effect === "Deny" && actionsOf(s).includes("s3:ListBucket"));
    expect(listingDeny?.Condition).toEqual({
      StringLike: { "s3:prefix": ["_alerts", "_approvals", "_audit", "_discarded", "_drills", "_erasures", "_exports", "_jobs", "_leases"].map((folder) => `deleted/${folder}*`) },
    });
  });

  it("sees protection status: tables, alarms, queue depth, failed batches, but does not receive DLQ messages", () => {
    expect(resourcesFor(statements, "dynamodb:DescribeContinuousBackups")).toEqual([contactTable, orderTable].sort());
    expect(resourcesFor(statements, "cloudwatch:DescribeAlarms")).toEqual(["arn:aws:cloudwatch:eu-west-1:${AWS::AccountId}:alarm:lazarus-*"]);
    expect(resourcesFor(statements, "sqs:GetQueueAttributes")).toEqual([queue]);
    expect(listPrefixes(statements, "s3:ListBucket", failures)).toEqual(["(any)"]);
    // The report's DLQ peek (ReceiveMessage, then ChangeMessageVisibility) hides messages for a moment: admin only.
    expect(resourcesFor(statements, "sqs:ReceiveMessage")).toEqual([]);
    expect(resourcesFor(statements, "s3:GetObject").some((r) => r.startsWith(failures))).toBe(false);
  });
});

describe("console restore policy", () => {
  const statements = policies.restore;

  it("puts items back into the configured tables only, and changes no table", () => {
    expect(resourcesFor(statements, "dynamodb:PutItem")).toEqual([contactTable, orderTable].sort());
    for (const action of ["dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups", "dynamodb:RestoreTableToPointInTime", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]) {
      expect(resourcesFor(statements, action), action).toEqual([]);
    }
  });

  it("appends to the audit log only with If-None-Match, keeps alert state only with conditional writes, reads the erasure ledger, retrieves from Glacier, and deletes nothing", () => {
    const puts = statements.filter((s) => s.Effect === "Allow" && actionsOf(s).includes("s3:PutObject"));
    expect(puts.flatMap(resourcesOf).map(renderArn).sort()).toEqual([`${archive}/deleted/_alerts/*`, `${archive}/deleted/_alerts/*`, `${archive}/deleted/_audit/*`]);
    for (const put of puts) expect([{ Null: { "s3:if-none-match": "false" } }, { Null: { "s3:if-match": "false" } }]).toContainEqual(put.Condition);
    expect(puts.filter((p) => resourcesOf(p).map(renderArn).includes(`${archive}/deleted/_audit/*`)).map((p) => p.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }]);
    expect(allows(statements, "s3:GetObject", key.ledger)).toBe(true);
    expect(allows(statements, "s3:GetObject", key.audit)).toBe(true);
    for (const other of [key.manifest, key.bulkJob, key.pitrChunk, key.approval, key.discardedCopy]) expect(allows(statements, "s3:GetObject", other), other).toBe(false);
    expect(resourcesFor(statements, "s3:RestoreObject")).toEqual([`${archive}/deleted/*`]);
    const s3Actions = new Set(statements.filter((s) => s.Effect === "Allow").flatMap(actionsOf).filter((a) => a.startsWith("s3:")));
    expect([...s3Actions].sort()).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject", "s3:PutObjectRetention", "s3:RestoreObject"]);
    expect(resourcesFor(statements, "s3:PutObjectRetention")).toEqual([`${archive}/deleted/_audit/*`]);
  });
});

describe("console compliance policy", () => {
  const statements = policies.compliance;

  it("is, with admin, the only tier that deletes versions: archived records, attribution records, failed batches and job state, for erasure", () => {
    for (const tier of ["read-only", "restore"] as const) {
      for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion"]) expect(resourcesFor(policies[tier], action), `${tier} ${action}`).toEqual([]);
    }
    for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion"]) {
      expect(resourcesFor(statements, action)).toEqual([`${archive}/deleted/*`, `${failures}/aws/lambda/*`].sort());
      for (const target of [key.archiveObject, key.indexEntry, key.otherServiceObject, key.attribution, key.failedBatch, key.bulkJob, key.bulkChunk, key.pitrJob, key.pitrChunk]) {
        expect(allows(statements, action, target), target).toBe(true);
      }
    }
    expect(listPrefixes(statements, "s3:ListBucketVersions", archive)).toEqual(["deleted/?*"]);
    // The bucket policy refuses deletes of audit entries only: nothing there stands in the way of an attribution record's erasure.
    for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion"]) expect(allows([...statements, ...bucketPolicy], action, key.attribution), action).toBe(true);
    // Erasure lists the versions under a key's attribution folder: "deleted/?*" admits it.
    expect(matches("deleted/?*", `${attributionDayPrefix(prefix, "contact-svc", new Date("2024-01-15T00:00:00Z"))}CONTACT#c-1`)).toBe(true);
  });

  it("writes only redacted records, the erasure ledger, export manifests, the audit log, rewritten failed batches and rewritten job state", () => {
    for (const written of [key.archiveObject, key.ledger, key.manifest, key.audit, key.failedBatch, key.bulkJob, key.bulkChunk, key.pitrJob, key.pitrChunk, key.approval]) {
      expect(allows(statements, "s3:PutObject", written), written).toBe(true);
    }
    expect(allows(statements, "s3:GetObject", key.approval)).toBe(true);
    // An approval request is a record of who let what run: nobody deletes it.
    for (const tier of TIERS) expect(allows(policies[tier], "s3:DeleteObject", key.approval), tier).toBe(false);
    expect(allows(statements, "s3:PutObject", key.indexEntry), key.indexEntry).toBe(false);
    expect(allows(statements, "s3:GetObject", key.manifest)).toBe(true);
  });

  it("holds the lease of each day an erasure edits: takes, renews, reads and releases it", () => {
    for (const action of ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]) {
      expect(allows(statements, action, key.dayLease), action).toBe(true);
    }
  });

  it("reads Object Lock state before erasing, and can never bypass it", () => {
    expect(resourcesFor(statements, "s3:GetBucketObjectLockConfiguration")).toEqual([archive, failures].sort());
    expect(allows(statements, "s3:GetObjectRetention", key.archiveObject)).toBe(true);
    expect(allows(statements, "s3:GetObjectLegalHold", key.failedBatch)).toBe(true);
    expect(statements.flatMap(actionsOf)).not.toContain("s3:BypassGovernanceRetention");
  });

  it("has none of the admin actions: no PITR, protection changes, DLQ consumption, stream reads or job state", () => {
    const actions = statements.flatMap(actionsOf);
    for (const action of [
      "dynamodb:RestoreTableToPointInTime",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTable",
      "dynamodb:Scan",
      "dynamodb:GetRecords",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
    ]) {
      expect(actions, action).not.toContain(action);
    }
    expect(resourcesFor(statements, "dynamodb:PutItem")).toEqual([contactTable, orderTable].sort());
  });
});

describe("console admin policy", () => {
  const statements = policies.admin;

  it("fixes protection on the configured tables only", () => {
    expect(resourcesFor(statements, "dynamodb:UpdateContinuousBackups")).toEqual([contactTable, orderTable].sort());
    expect(resourcesFor(statements, "dynamodb:UpdateTable")).toEqual([contactTable, orderTable].sort());
  });

  it("replays failed batches: consumes the DLQ, reads the stream of SQS services, writes the archive as the archiver does", () => {
    for (const action of ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"]) expect(resourcesFor(statements, action)).toEqual([queue]);
    // Only an SQS failure points back into the stream; an S3 failure holds its records.
    for (const action of ["dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"]) {
      expect(resourcesFor(statements, action)).toEqual([`${contactTable}/stream/*`]);
    }
    expect(allows(statements, "dynamodb:GetRecords", stream(contactTable))).toBe(true);
    expect(allows(statements, "s3:PutObject", key.archiveObject)).toBe(true);
    expect(allows(statements, "s3:PutObject", key.indexEntry)).toBe(true);
    expect(allows(statements, "s3:DeleteObjectVersion", key.failedBatch)).toBe(true);
  });

  it("runs bulk restores: job state under _jobs/bulk-restore/, batch reads and conditional puts on the tables", () => {
    for (const target of [key.bulkJob, key.bulkChunk]) {
      expect(allows(statements, "s3:GetObject", target)).toBe(true);
      expect(allows(statements, "s3:PutObject", target)).toBe(true);
    }
    expect(listPrefixes(statements, "s3:ListBucket", archive)).toEqual(["deleted/?*"]);
    expect(resourcesFor(statements, "dynamodb:BatchGetItem")).toEqual([contactTable, orderTable].sort());
  });

  it("restores to a point in time only into *-restored-* tables, and writes items of no other new table", () => {
    expect(resourcesFor(statements, "dynamodb:RestoreTableToPointInTime")).toEqual(
      [contactTable, orderTable, tableArn("*-restored-*")].sort(),
    );
    for (const action of ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Scan", "dynamodb:DescribeTable"]) {
      expect(allows(statements, action, restoredTable("contact")), action).toBe(true);
    }
    expect(allows(statements, "dynamodb:PutItem", tableArn("contact-copy"))).toBe(false);
    expect(allows(statements, "dynamodb:RestoreTableToPointInTime", tableArn("contact-copy"))).toBe(false);
    // The live tables get scans and conditional puts, never deletes or blind updates.
    for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"]) expect(allows(statements, action, contactTable), action).toBe(false);
    expect(allows(statements, "dynamodb:Scan", contactTable)).toBe(true);
    for (const target of [key.pitrJob, key.pitrChunk]) expect(allows(statements, "s3:PutObject", target)).toBe(true);
  });
});

describe("console grants for alerts and DLQ discards", () => {
  /** The Allow statements that grant the action on the ARN. */
  const granting = (statements: Statement[], action: string, arn: string) =>
    statements.filter((s) => s.Effect === "Allow" && actionsOf(s).includes(action) && resourcesOf(s).map(renderArn).some((p) => matches(p, arn)));

  it.each(["restore", "compliance", "admin"] as const)("%s publishes alerts to alerts.snsTopicArn only, and reads and conditionally writes the alert state", (tier) => {
    const statements = policies[tier];
    expect(resourcesFor(statements, "sns:Publish")).toEqual([alertTopic]);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith("sns:"))).toEqual(["sns:Publish"]);
    for (const state of [key.alertState, key.alertMarker]) {
      expect(allows(statements, "s3:GetObject", state), state).toBe(true);
      expect(allows(statements, "s3:PutObject", state), state).toBe(true);
      // A new state (or a one-time marker) only with If-None-Match, a change only with If-Match on what was read.
      expect(granting(statements, "s3:PutObject", state).map((s) => s.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }, { Null: { "s3:if-match": "false" } }]);
    }
    // S3 answers a state never written with 404 (not 403) only to a caller who may list it.
    expect(listPrefixes(statements, "s3:ListBucket", archive)).toEqual(["deleted/?*"]);
    expect(JSON.stringify(statements.filter((s) => s.Effect === "Deny" && actionsOf(s).includes("s3:ListBucket")))).not.toContain("_alerts");
  });

  it("gives the read-only tier nothing of alerts or discards: no publish, no alert state, no discarded copies", () => {
    const statements = policies["read-only"];
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith("sns:"))).toEqual([]);
    for (const target of [key.alertState, key.alertMarker, key.discardedCopy]) {
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) expect(allows(statements, action, target), `${action} ${target}`).toBe(false);
    }
    for (const action of ["sqs:DeleteMessage", "s3:DeleteObjectVersion"]) expect(resourcesFor(statements, action), action).toEqual([]);
  });

  it("grants no publish at all when the config names no topic", () => {
    const { template: withoutTopic } = synthStack(testConfig(byName));
    for (const tier of TIERS) expect(policyStatements(withoutTopic, tier).flatMap(actionsOf).filter((a) => a.startsWith("sns:")), tier).toEqual([]);
  });

  it("lets admin discard a batch: write its copy under _discarded/, delete every version of the failure object, or the SQS message", () => {
    const statements = policies.admin;
    expect(allows(statements, "s3:PutObject", key.discardedCopy)).toBe(true);
    for (const action of ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]) expect(allows(statements, action, key.failedBatch), action).toBe(true);
    expect(listPrefixes(statements, "s3:ListBucketVersions", failures)).toEqual(["(any)"]);
    for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage"]) expect(resourcesFor(statements, action), action).toEqual([queue]);
    // The copy lives outside every service's records: it grants no write of an archive object or index entry beyond replay's.
    expect(resourcesFor(statements, "s3:PutObject").filter((r) => r.includes("_discarded"))).toEqual([`${archive}/deleted/_discarded/*`]);
  });

  it("lets compliance's erasure rewrite and remove discarded copies, and keeps the restore tier out of them", () => {
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"]) expect(allows(policies.compliance, action, key.discardedCopy), action).toBe(true);
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) expect(allows(policies.restore, action, key.discardedCopy), action).toBe(false);
    // Neither compliance nor restore consumes a queue; only admin discards.
    for (const tier of ["restore", "compliance"] as const) expect(resourcesFor(policies[tier], "sqs:DeleteMessage"), tier).toEqual([]);
  });
});

function namedTables(config: LazarusConfig): LazarusConfig {
  return parseConfig({ ...config, fleet: { ...config.fleet, consoleTableAccess: "name" } }, "config with tables granted by name");
}

/** The shipped config's services with every name the policies repeat at the longest the config schema allows. */
function withLongestNames(count: number): LazarusConfig {
  const config = namedTables(shippedConfigWithServices(count));
  const pad = (stem: string, length: number) => stem.padEnd(length, "x");
  return parseConfig(
    {
      ...config,
      // Approvals name services, which are renamed here; they add no statement of their own.
      approvals: undefined,
      drills: undefined,
      archive: { ...config.archive, bucket: pad("lazarus-archive-", 56), prefix: `${pad("deleted-records-", 127)}/` },
      services: config.services.map((s, i) => ({
        ...s,
        name: pad(`svc-${i}-`, 63),
        table: { ...s.table, name: pad(`table-${i}-`, 255) },
        archiver: { ...s.archiver, functionName: pad(`archiver-${i}-`, 64) },
        onFailure: s.onFailure.type === "sqs" ? { ...s.onFailure, queueName: pad(`dlq-${i}-`, 80) } : { ...s.onFailure, bucket: pad(`failures-${i}-`, 63) },
      })),
    },
    "config with the longest names",
  );
}

describe("console policy sets", () => {
  // Tables named one by one, the policies' largest form (tables imported, or consoleTableAccess "name").
  const configs = {
    "1 service": () => namedTables(shippedConfigWithServices(1)),
    "the shipped 3 services": () => namedTables(shippedConfigWithServices(3)),
    "12 services with the longest names the config allows": () => withLongestNames(12),
  };
  type Name = keyof typeof configs;
  const synths = new Map<Name, Pick<ReturnType<typeof synthStack>, "stacks" | "template"> & { config: LazarusConfig }>();
  const synthOf = (name: Name) => {
    if (!synths.has(name)) {
      const config = configs[name]();
      const { stacks: built, template: t } = synthStack(config);
      synths.set(name, { config, stacks: built, template: t });
    }
    return synths.get(name)!;
  };

  /**
   * IAM refuses a managed policy over 6,144 characters (white space not counted),
   * measured on the deployed document: references resolved to real ARNs.
   */
  it.each(Object.keys(configs) as Name[])("fit IAM's limit in every policy of every tier, for %s, measured with real-length ARNs", (name) => {
    const { config, stacks: s, template: t } = synthOf(name);
    const deployed = deployedValue(t, config.region);
    for (const tier of TIERS) {
      const found = tierPolicies(t, tier, config.region);
      const managed = s.foundation.consolePolicies.tier(tier);
      expect(found.map(([, , n]) => n), tier).toEqual(managed.map((_, i) => i + 1));
      expect(found.map(([id]) => id)).toEqual(managed.map((p) => Stack.of(p).getLogicalId(p.node.defaultChild as CfnManagedPolicy)));
      expect(managed.length).toBeLessThanOrEqual(ROLE_MANAGED_POLICY_LIMIT);
      found.forEach(([, policy], i) => {
        const text = JSON.stringify(deployed(policy.Properties.PolicyDocument));
        expect(text).not.toMatch(/<|Token\[/);
        const measured = text.replace(/\s/g, "").length;
        expect(measured, `${tier} ${i + 1}`).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
        // The synth-time estimate, which the packing goes by, is never short of the real size.
        const estimated = s.foundation.consolePolicies.estimatedSizes.get(managed[i]!)!;
        expect(estimated, `${tier} ${i + 1}`).toBeGreaterThanOrEqual(measured);
        expect(estimated).toBeLessThanOrEqual(CONSOLE_POLICY_TARGET_CHARS);
      });
    }
  });

  it("keep the first policy's name, construct and description, number the others -2, -3, ..., and keep Sids unique across a tier", () => {
    const { config, stacks: s, template: t } = synthOf("12 services with the longest names the config allows");
    expect(s.foundation.consolePolicies.admin.length).toBeGreaterThan(1);
    for (const [tier, construct] of [["read-only", "ReadOnly"], ["restore", "Restore"], ["compliance", "Compliance"], ["admin", "Admin"]] as const) {
      const managed = s.foundation.consolePolicies.tier(tier);
      expect(managed.map((p) => p.node.path)).toEqual(managed.map((_, i) => `Lazarus/Console/${construct}${i === 0 ? "" : i + 1}`));
      const found = tierPolicies(t, tier, config.region);
      expect(found.map(([, r]) => r.Properties.ManagedPolicyName)).toEqual(
        found.map((_, i) => `lazarus-console-${tier}-${config.region}${i === 0 ? "" : `-${i + 1}`}`),
      );
      expect(found[0]![1].Properties.Description).not.toMatch(/part/);
      const sids = found.flatMap(([, r]) => statementsOf(r).map((x) => x.Sid));
      for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(new Set(sids).size, tier).toBe(sids.length);
    }
  });

  it("grant together what one policy would: each tier includes the one before, every table is covered", () => {
    const { config, template: t } = synthOf("12 services with the longest names the config allows");
    const statements = Object.fromEntries(TIERS.map((tier) => [tier, policyStatements(t, tier, config.region)])) as Record<Tier, Statement[]>;
    TIERS.slice(1).forEach((tier, i) => {
      const higher = grants(statements[tier]);
      expect([...grants(statements[TIERS[i]!])].filter((g) => !higher.has(g)), tier).toEqual([]);
    });
    const tables = config.services.map((x) => `arn:aws:dynamodb:${config.region}:\${AWS::AccountId}:table/${x.table.name}`).sort();
    expect(resourcesFor(statements.restore, "dynamodb:PutItem")).toEqual(tables);
    expect(resourcesFor(statements.admin, "dynamodb:UpdateTable")).toEqual(tables);
    expect(resourcesFor(statements.admin, "sqs:ReceiveMessage")).toHaveLength(config.services.filter((x) => x.onFailure.type === "sqs").length);
    // The guards sit in the first policy of the tier, which every role attaches.
    expect(statementsOf(tierPolicies(t, "read-only", config.region)[0]![1]).filter((x) => x.Effect === "Deny").length).toBeGreaterThan(0);
  });

  it("are listed in the stack outputs, one per tier: every policy ARN, comma-separated, first to last", () => {
    const { config, template: t } = synthOf("12 services with the longest names the config allows");
    const deployed = deployedValue(t, config.region);
    const outputs = (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    for (const [output, tier] of [
      ["ConsoleReadOnlyPolicyArn", "read-only"],
      ["ConsoleRestorePolicyArn", "restore"],
      ["ConsoleCompliancePolicyArn", "compliance"],
      ["ConsoleAdminPolicyArn", "admin"],
    ] as const) {
      expect(String(deployed(outputs[output]!.Value)).split(",")).toEqual(
        tierPolicies(t, tier, config.region).map(([, r]) => `arn:aws:iam::123456789012:policy/${String(r.Properties.ManagedPolicyName)}`),
      );
    }
  });

  it(`fail the synth when a tier would need more than the ${ROLE_MANAGED_POLICY_LIMIT} policies a role can attach, saying how many services and what to do`, () => {
    const synth = () => synthStack(withLongestNames(90));
    expect(synth).toThrow(ConfigError);
    expect(synth).toThrow(/admin tier needs \d+ managed policies for the 90 services in the config.*at most 10\. Deploy the services from more than one config/);
  });
});

describe("tables by tag", () => {
  const tagged = testConfig((raw) => {
    // An imported table: its tags are its owner's, so it is named.
    ((raw.services as Array<Record<string, Record<string, unknown>>>)[1]!.table as Record<string, unknown>).managed = false;
  });
  const streamContext = { "lazarus:streamArn:order-svc": "arn:aws:dynamodb:eu-west-1:123456789012:table/order/stream/2024-01-15T00:00:00.000" };
  const synth = synthStack(tagged, { context: streamContext });
  const statements = Object.fromEntries(TIERS.map((tier) => [tier, policyStatements(synth.template, tier)])) as Record<Tier, Statement[]>;
  const allTables = tableArn("*");
  const condition = { StringEquals: { "aws:ResourceTag/lazarus:archive": "test-archive" } };

  it("grant every table action on the managed tables through one statement conditioned on the archive tag", () => {
    for (const tier of TIERS) {
      const onAll = statements[tier].filter((s) => s.Effect === "Allow" && resourcesOf(s).map(renderArn).includes(allTables));
      expect(onAll, tier).toHaveLength(1);
      expect(onAll[0]!.Condition, tier).toEqual(condition);
      // Admin also reads the tables its PITR restores and drills create.
      const live = resourcesFor(statements[tier], "dynamodb:GetItem").filter((arn) => arn !== tableArn("*-restored-*") && arn !== tableArn("lazarus-drill-*"));
      expect(live, tier).toEqual([allTables, orderTable].sort());
    }
    expect(actionsOf(statements.restore.find((s) => s.Condition && JSON.stringify(s.Condition).includes("ResourceTag"))!)).toEqual(
      expect.arrayContaining(["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]),
    );
    expect(actionsOf(statements["read-only"].find((s) => resourcesOf(s).map(renderArn).includes(allTables))!)).not.toContain("dynamodb:PutItem");
    expect(actionsOf(statements.admin.find((s) => resourcesOf(s).map(renderArn).includes(allTables))!)).toEqual(
      expect.arrayContaining(["dynamodb:UpdateTable", "dynamodb:RestoreTableToPointInTime", "dynamodb:Scan"]),
    );
  });

  it("keep naming what tags cannot cover: imported tables, streams and PITR targets", () => {
    expect(resourcesFor(statements.admin, "dynamodb:UpdateTable")).toEqual([allTables, orderTable].sort());
    expect(resourcesFor(statements.admin, "dynamodb:GetRecords")).toEqual([`${contactTable}/stream/*`]);
    expect(resourcesFor(statements.admin, "dynamodb:RestoreTableToPointInTime")).toEqual([allTables, orderTable, tableArn("*-restored-*")].sort());
  });

  it("tag every table the archivers stacks manage with the archive, and no imported one", () => {
    synth.services.hasResourceProperties("AWS::DynamoDB::Table", { TableName: "contact", Tags: Match.arrayWith([{ Key: "lazarus:archive", Value: "test-archive" }]) });
    expect(Object.keys(synth.services.findResources("AWS::DynamoDB::Table"))).toHaveLength(1);
  });
});
