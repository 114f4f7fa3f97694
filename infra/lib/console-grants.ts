import { viaSnsOfTopic } from "./alert-grants";
import type { ConsoleResources, FailureBucketResources, ServiceResources } from "./console-resources";
import { type ConsoleTier, fromTier } from "./console-tiers";
import { kmsViaS3 } from "./kms-via-s3";
import type { Grant } from "./policy-packing";

const SHARED = "shared";
/** Every write of the console's own state that must never replace an existing object carries If-None-Match. */
const WRITE_ONCE = { Null: { "s3:if-none-match": "false" } };

/**
 * A tier's grants by group, shared first, and the order of their Sids; a grant whose
 * tier allows no action is left out. The archive is granted by prefix, so the shared
 * group does not grow with the services; so are the tables the stacks manage, by their
 * archive tag. Imported tables, the tables' streams (whose tags are their own) and queues
 * are named one by one (their names are arbitrary), in a group per service.
 */
export function consoleGrants(r: ConsoleResources, tier: ConsoleTier): { groups: Grant[][]; sids: string[] } {
  const from = <T>(first: ConsoleTier, ...items: T[]): T[] => fromTier(tier, first, ...items);
  const groups = new Map<string, Grant[]>([
    [SHARED, []],
    ...r.services.map((s): [string, Grant[]] => [`service ${s.name}`, []]),
    ...r.failureBuckets.map((_, i): [string, Grant[]] => [`failure bucket ${i}`, []]),
  ]);
  const sids = new Set<string>();
  const grant = (group: string, sid: string, actions: string[], resources: string[], extra: Pick<Grant, "listPrefixes" | "conditions" | "deny"> = {}) => {
    if (actions.length === 0 || resources.length === 0 || extra.listPrefixes?.length === 0) return;
    groups.get(group)!.push({ sid, actions, resources, ...extra });
    sids.add(sid);
  };
  const perService = (sid: string, actions: string[], resources: (s: ServiceResources) => Array<string | undefined>) => {
    for (const s of r.services) grant(`service ${s.name}`, sid, actions, resources(s).filter((x) => x !== undefined));
  };
  const perFailureBucket = (sid: string, actions: string[], resource: (b: FailureBucketResources) => string) =>
    r.failureBuckets.forEach((b, i) => grant(`failure bucket ${i}`, sid, actions, [resource(b)]));

  // S3 answers a missing object with 404 only to callers who may list it: the ledger, job and manifest lookups rely on that.
  // A listing must name a folder (`?`), so no tier lists the bucket's top, where read-only would see the console's state.
  grant(SHARED, "ListArchive", ["s3:ListBucket"], [r.bucket], { listPrefixes: [`${r.prefix}?`] });
  // Erasure removes every version of an archive object, its index entry and the job files holding the subject.
  grant(SHARED, "ListArchiveVersions", from("compliance", "s3:ListBucketVersions"), [r.bucket], { listPrefixes: [`${r.prefix}?`] });
  // Erasure checks Object Lock before deleting anything.
  grant(SHARED, "ReadBucketObjectLock", from("compliance", "s3:GetBucketObjectLockConfiguration"), [r.bucket]);
  perFailureBucket("ReadBucketObjectLock", from("compliance", "s3:GetBucketObjectLockConfiguration"), (b) => b.bucket);
  grant(
    SHARED,
    "ArchivedRecords",
    [
      "s3:GetObject",
      "s3:GetObjectVersion",
      ...from("restore", "s3:RestoreObject"),
      // Erasure: without the lock reads HeadObject omits the lock headers, and a locked version shows only when its
      // delete fails; DeleteObjects needs s3:DeleteObject as well as s3:DeleteObjectVersion for the versions it names.
      // This is the only permanent delete any tier holds, and the console audits every erasure before it runs.
      ...from("compliance", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    ],
    [r.archiveObjects],
  );
  // Redaction rewrites archive objects; a DLQ replay writes the ones the archiver missed (conditionally, never over one).
  grant(SHARED, "WriteArchiveObjects", from("compliance", "s3:PutObject"), [r.datedObjects]);
  grant(SHARED, "WriteIndexEntries", from("admin", "s3:PutObject"), [r.indexEntries]);
  // Append-only: entries are only ever added (the bucket policy refuses the rest to everyone), and entries
  // carry their own Object Lock retention when `audit.objectLock` is set.
  grant(SHARED, "AuditLog", from("restore", "s3:PutObjectRetention"), [r.auditObjects]);
  grant(SHARED, "AppendAuditLog", from("restore", "s3:PutObject"), [r.auditObjects], { conditions: WRITE_ONCE });
  // Every restore path refuses a key the ledger says was erased; erasure records it.
  grant(SHARED, "ErasureLedger", from("compliance", "s3:PutObject"), [r.ledgerObjects]);
  grant(SHARED, "ExportManifests", from("compliance", "s3:PutObject"), [r.exportObjects]);
  // An erasure holds the lease of each day it edits (taken and renewed with conditional writes; reading and deleting it
  // are covered by ArchivedRecords), so a seal of the same day waits for it.
  grant(SHARED, "DayLeases", from("compliance", "s3:PutObject"), [r.leaseObjects]);
  // Admins run jobs; an erasure rewrites the job files holding the subject.
  grant(SHARED, "ConsoleJobs", from("compliance", "s3:PutObject"), [r.bulkRestoreObjects, r.pitrObjects]);
  // Four-eyes requests of the compliance and admin actions, created and decided with conditional writes.
  grant(SHARED, "ApprovalRequests", from("compliance", "s3:PutObject"), [r.approvalObjects]);
  // Admins run drills on demand; each report is written once.
  grant(SHARED, "DrillReports", from("admin", "s3:PutObject"), [r.drillObjects], { conditions: WRITE_ONCE });
  // Alerts go out once per change of state: the state is read, then written only as new (If-None-Match) or unchanged
  // since the read (If-Match), so of two instances one sends. Sends are audited, which the restore tier is the first to do.
  grant(SHARED, "NewAlertState", from("restore", "s3:PutObject"), [r.alertObjects], { conditions: WRITE_ONCE });
  grant(SHARED, "ChangedAlertState", from("restore", "s3:PutObject"), [r.alertObjects], { conditions: { Null: { "s3:if-match": "false" } } });
  if (r.alertTopic) grant(SHARED, "PublishAlerts", from("restore", "sns:Publish"), [r.alertTopic]);
  // A topic encrypted with a customer managed key: SNS uses the key as the publisher, so only through SNS in the topic's region.
  if (r.alertTopic && r.alertTopicKey) {
    grant(SHARED, "AlertTopicKey", from("restore", "kms:GenerateDataKey*", "kms:Decrypt"), [r.alertTopicKey], {
      conditions: viaSnsOfTopic(r.alertTopic),
    });
  }
  // Admin's discard writes a copy of the batch before deleting it; an erasure rewrites (or removes) copies holding the subject.
  grant(SHARED, "DiscardedBatches", from("compliance", "s3:PutObject"), [r.discardedObjects]);
  // The archive key, only through S3: reading objects, and writing them (audit entries first of all).
  const key = kmsViaS3(r.key, ["kms:Decrypt", ...from("restore", "kms:GenerateDataKey")]);
  grant(SHARED, "ArchiveKeyViaS3", [...key.actions], [...key.resources], { conditions: key.conditions as Grant["conditions"] });

  // Whatever else allows it, no tier deletes an audit entry, an erasure ledger entry, an export manifest or an approval request.
  grant(SHARED, "KeepRecordsOfActions", ["s3:DeleteObject", "s3:DeleteObjectVersion"], [r.auditObjects, r.ledgerObjects, r.exportObjects, r.approvalObjects, r.drillObjects], { deny: true });
  // The dated-object pattern also matches index entries (their names hold a date too); only admin's replay writes those.
  grant(SHARED, "NoIndexRewrites", tier === "compliance" ? ["s3:PutObject"] : [], [r.indexEntries], { deny: true });
  // The console's own state is out of bounds for the tiers that do not use it: read-only sees archived
  // records and who deleted them (not the audit log, the ledger, exports, jobs, leases or approvals);
  // restore adds the audit log, the ledger and the alert state.
  const forbidden = tier === "read-only" ? r.hiddenStateObjects : tier === "restore" ? [r.exportObjects, r.bulkRestoreObjects, r.pitrObjects, r.approvalObjects, r.discardedObjects] : [];
  grant(SHARED, "NoConsoleState", ["s3:GetObject", "s3:GetObjectVersion"], forbidden, { deny: true });
  const forbiddenListings = tier === "read-only" ? r.hiddenStatePrefixes : tier === "restore" ? [r.exportsPrefix, r.bulkRestorePrefix, r.pitrPrefix, r.approvalsPrefix, r.discardedPrefix] : [];
  if (forbiddenListings.length > 0) {
    grant(SHARED, "NoConsoleStateListing", ["s3:ListBucket"], [r.bucket], {
      deny: true,
      conditions: { StringLike: { "s3:prefix": forbiddenListings.map((p) => `${p}*`) } },
    });
  }

  // Failure buckets hold only what Lambda writes there, so they are listed whole: the protection
  // report does so when it cannot name the mapping. Erasure rewrites or removes batches holding the
  // subject's records; a DLQ replay reads a batch and removes it with all its versions.
  perFailureBucket("FailureBuckets", ["s3:ListBucket", ...from("compliance", "s3:ListBucketVersions")], (b) => b.bucket);
  perFailureBucket(
    "FailedBatches",
    from("compliance", "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),
    (b) => b.batches,
  );

  // Content search on Athena: every tier that browses may search. Athena reads the bundles and writes results
  // with the caller's own permissions (ArchivedRecords and ListArchive above cover the bundles).
  if (r.athena) {
    const a = r.athena;
    grant(SHARED, "AthenaSearch", ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"], [a.workgroupArn]);
    grant(SHARED, "AthenaSearchTable", ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"], [a.catalogArn, a.databaseArn, a.tableArn]);
    grant(SHARED, "AthenaBucketLocation", ["s3:GetBucketLocation"], [r.bucket, a.resultsBucketArn]);
    grant(SHARED, "AthenaResultsBucket", ["s3:ListBucket", "s3:ListBucketMultipartUploads"], [a.resultsBucketArn]);
    grant(SHARED, "AthenaResults", ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], [a.resultObjects]);
    // Results are encrypted with the archive key: data keys only for the results bucket, only through S3.
    const resultsKey = kmsViaS3(r.key, ["kms:GenerateDataKey", "kms:Decrypt"]);
    grant(SHARED, "AthenaResultsKey", [...resultsKey.actions], [...resultsKey.resources], {
      conditions: {
        ...(resultsKey.conditions as Grant["conditions"]),
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [a.resultsBucketArn, `${a.resultsBucketArn}/*`] },
      },
    });
  }

  const tableActions = [
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
  ];
  // The tables the stacks manage carry the archive's tag, so one statement covers them however many there are;
  // imported tables carry whatever their owners gave them, so they are named.
  if (r.services.some((s) => s.tableByTag)) {
    grant(SHARED, "TaggedTables", tableActions, [r.taggedTables], { conditions: { StringEquals: { [`aws:ResourceTag/${r.tableTag.key}`]: r.tableTag.value } } });
  }
  perService("Tables", tableActions, (s) => (s.tableByTag ? [] : [s.table]));
  grant(
    SHARED,
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
    [r.restoredTables],
  );
  // A drill restores into a scratch table (DynamoDB authorises the restore's item writes on it too), checks it and deletes it;
  // leftovers of a failed drill are found by listing, which has no resource-level permissions.
  grant(
    SHARED,
    "DrillScratchTables",
    from("admin", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DescribeTable", "dynamodb:DeleteTable"),
    [r.scratchTables],
  );
  grant(SHARED, "FindDrillScratchTables", from("admin", "dynamodb:ListTables"), ["*"]);
  // An SQS failure names a range of the stream; replay reads it back.
  perService("TableStreams", from("admin", "dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"), (s) => (s.queue ? [s.stream] : []));
  // Reading a queue is receiving it: each listing makes its messages visible again; a replay deletes its message.
  perService(
    "DeadLetterQueues",
    ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", ...from("admin", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage")],
    (s) => [s.queue],
  );
  grant(SHARED, "Alarms", ["cloudwatch:DescribeAlarms"], [r.alarms]);
  // The protection report: mappings per function, iterator and DLQ ages.
  grant(SHARED, "Unscoped", ["lambda:ListEventSourceMappings", "cloudwatch:GetMetricStatistics"], ["*"]);
  return { groups: [...groups.values()].filter((g) => g.length > 0), sids: [...sids] };
}
