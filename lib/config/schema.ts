import { z } from "zod";
import { ALERT_EVENTS } from "../alerts/alert-types";
import type { Role } from "../auth/roles";

/** S3 object keys are at most 1,024 bytes; the prefix and service name are bounded so archive names always fit. */
export const MAX_PREFIX_BYTES = 128;

export const serviceName = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be 1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
  );

export const tableName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)");

export const attributeName = z.string().min(1, "must not be empty").max(255, "must be at most 255 characters");

const keyAttribute = z.object({
  name: attributeName,
  type: z.enum(["S", "N", "B"]),
});

export const archivePrefix = z
  .string()
  .refine((p) => p === "" || p.endsWith("/"), 'must be "" or end with "/"')
  .refine((p) => !p.startsWith("/"), 'must not start with "/"')
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), 'must not contain "." or ".." segments')
  .refine((p) => Buffer.byteLength(p, "utf8") <= MAX_PREFIX_BYTES, `must be at most ${MAX_PREFIX_BYTES} bytes`);

export const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)");

const queueName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "must be an SQS queue name (1-80 of A-Z a-z 0-9 _ -)");

const functionName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a Lambda function name (1-64 of A-Z a-z 0-9 _ -)");

/** DynamoDB Streams keeps a record this long. */
export const STREAM_RETENTION_SECONDS = 86_400;
/**
 * An SQS failure message names the shard and sequence range of a failed batch, not its
 * records, so a replay reads them back from the stream. A batch given up at this age
 * leaves 18 of the stream's 24 hours to notice the alarm and replay it; given up at 24
 * hours, its records leave the stream as the message arrives.
 */
export const SQS_MAX_RECORD_AGE_SECONDS = 21_600;

const onFailure = z.discriminatedUnion("type", [
  z.object({
    /** The seed's pattern: the message names the shard and sequence range, not the records. */
    type: z.literal("sqs"),
    queueName,
  }),
  z.object({
    /** Keeps the whole failed batch, so a replay works after the stream's 24 hours. */
    type: z.literal("s3"),
    bucket: bucketName,
  }),
]);

const archiver = z
  .object({
    functionName,
    batchSize: z.number().int().min(1).max(10_000).default(100),
    maximumBatchingWindowSeconds: z.number().int().min(0).max(300).default(0),
    /** Stream mappings retry forever by default and can block a shard for a day; always bounded here. */
    maximumRetryAttempts: z.number().int().min(0).max(10_000).default(5),
    /** Default: the stream's 24 hours with an S3 destination, SQS_MAX_RECORD_AGE_SECONDS with SQS. */
    maximumRecordAgeSeconds: z.number().int().min(60).max(604_800).optional(),
    bisectBatchOnFunctionError: z.boolean().default(true),
    parallelizationFactor: z.number().int().min(1).max(10).default(1),
    /** Concurrent executions kept for this archiver alone (shards × parallelizationFactor is what it can use). */
    reservedConcurrency: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

const service = z
  .object({
    name: serviceName,
    description: z.string().max(200).optional(),
    table: z
      .object({
        name: tableName,
        partitionKey: keyAttribute,
        sortKey: keyAttribute.optional(),
        ttlAttribute: attributeName.optional(),
        /** true: the infra stack creates and owns the table; false: it imports an existing one. */
        managed: z.boolean().default(false),
      })
      .strict(),
    archiver,
    /** Default: S3, in `archive.failureBucket`. */
    onFailure: onFailure.optional(),
    /** The infra stack (0 to fleet.stacks - 1) that deploys this service's archiver; default: from a hash of its name. */
    stack: z.number().int().min(0).max(99).optional(),
  })
  .strict();

const lifecycle = z
  .object({
    infrequentAccessAfterDays: z.number().int().min(30).nullable().default(90),
    glacierAfterDays: z.number().int().min(1).nullable().default(365),
    expireAfterDays: z.number().int().min(1).nullable().default(2_555),
    /**
     * S3 does not transition objects under 128 KB by default, and Standard-IA and Glacier
     * bill small objects as if they were larger; single archive objects are a few KB.
     */
    minimumObjectSizeBytes: z.number().int().min(0).default(131_072),
    /**
     * How long an overwritten or erased version stays recoverable. Longer protects against a
     * mistaken or malicious delete; shorter makes an erasure final sooner (the erased record
     * lives on as a noncurrent version until then).
     */
    noncurrentVersionDays: z.number().int().min(1).max(3_650).default(30),
  })
  .strict()
  .superRefine((l, ctx) => {
    const steps = [
      ["infrequentAccessAfterDays", l.infrequentAccessAfterDays],
      ["glacierAfterDays", l.glacierAfterDays],
      ["expireAfterDays", l.expireAfterDays],
    ] as const;
    let previous: { name: string; days: number } | undefined;
    for (const [name, days] of steps) {
      if (days === null) continue;
      if (previous && days <= previous.days) {
        ctx.addIssue({ code: "custom", path: [name], message: `must be later than ${previous.name} (${previous.days})` });
      }
      previous = { name, days };
    }
  });

const objectLock = z
  .object({
    enabled: z.boolean().default(false),
    mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).default("GOVERNANCE"),
    /**
     * Default retention for every new object in the bucket. null: Object Lock on with no
     * default, so only what is written with its own retention is locked (the audit log,
     * `audit.objectLock`) and archived records stay erasable.
     */
    retentionDays: z.number().int().min(1).nullable().default(365),
  })
  .strict();

/** Who gets which role when signing in with OIDC: by IdP group (a claim in the ID token) or by email. */
const roleRule = z
  .object({
    groups: z.array(z.string().min(1).max(1024)).default([]),
    emails: z.array(z.email("must be an email address").transform((e) => e.toLowerCase())).default([]),
  })
  .strict();

const roleRules = z
  .object({
    viewer: roleRule.optional(),
    support: roleRule.optional(),
    compliance: roleRule.optional(),
    admin: roleRule.optional(),
  } satisfies Record<Role, unknown>)
  .strict();

const auth = z
  .object({
    /** Absolute session length from sign-in; short on purpose (next-auth's default is 30 days). */
    sessionHours: z.number().min(0.25).max(24).default(8),
    /** The ID-token claim holding the user's groups: "groups" (Okta, Entra ID), "cognito:groups" (Cognito), "roles" (Entra app roles). */
    groupsClaim: z.string().min(1).max(256).default("groups"),
    roles: roleRules.prefault({}),
    /**
     * Signing out of Lazarus also ends the user's session at the identity provider
     * (OpenID Connect RP-initiated logout), so the next sign-in asks for a password
     * again. Off by default: with a company-wide SSO that also signs the user out of
     * every other application. The provider must publish an end_session_endpoint and
     * list `{NEXTAUTH_URL}/signin` as a post-logout redirect URI.
     */
    endProviderSession: z.boolean().default(false),
  })
  .strict();

export type AuthConfig = z.infer<typeof auth>;

/** Thresholds the protection health page grades tables against. */
const protection = z
  .object({
    /**
     * Amber when PITR's restorable window (latest minus earliest) is shorter than this; a freshly
     * enabled table starts at 0 and gains a day a day. 0 turns the coverage check off.
     */
    pitrCoverageDays: z.number().int().min(0).max(35).default(30),
    /** Amber when the table's PITR recovery period (1-35 days, AWS default 35) is shorter than policy. */
    pitrRecoveryPeriodDays: z.number().int().min(1).max(35).default(35),
  })
  .strict();

export type ProtectionConfig = z.infer<typeof protection>;

/** 100 years: longer than any records policy, so a larger number is a typo. */
export const MAX_AUDIT_LOCK_DAYS = 36_500;

/**
 * The audit log's own Object Lock: each entry is written with a retention of its own
 * (PutObject with ObjectLockMode and ObjectLockRetainUntilDate), under `_audit/` only.
 * A bucket-wide default retention (`archive.objectLock.retentionDays` in infra) would
 * lock every archive object too, and a locked object cannot be erased; per-entry
 * retention locks the log and leaves the archive erasable. Absent: entries are not locked.
 */
const audit = z
  .object({
    objectLock: z
      .object({
        /** GOVERNANCE: a role with s3:BypassGovernanceRetention can still delete; COMPLIANCE: nobody can until the date. */
        mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).default("GOVERNANCE"),
        /** Days from the entry's time; no default, because how long a log is kept is a policy decision. */
        retentionDays: z.number().int().min(1).max(MAX_AUDIT_LOCK_DAYS),
      })
      .strict()
      .optional(),
  })
  .strict();

export type AuditConfig = z.infer<typeof audit>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD");
const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN");
const kmsKeyArn = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; not an alias)");
const iamPrincipalArn = z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/*-]+$/, "must be an IAM role or user ARN (wildcards allowed)");

/**
 * Where alarms go. Infra refuses to deploy without at least one destination: a failed
 * batch sits in its destination with nobody told, and with SQS its records leave the
 * stream within hours.
 */
const alerts = z
  .object({
    /** Subscribed to the alarm topic (each confirms the subscription from its inbox). */
    email: z.array(z.email("must be an email address")).default([]),
    /** An existing topic (e.g. one feeding a pager) that alarms publish to as well; its policy must allow cloudwatch.amazonaws.com. */
    snsTopicArn: snsTopicArn.optional(),
    /** The customer managed key `snsTopicArn` is encrypted with: the publishers (console, scheduled functions) are granted its use (docs/ALERTS.md). */
    snsTopicKmsKeyArn: kmsKeyArn.optional(),
    /** A Slack-compatible webhook; its URL is a secret, so infra reads it from Secrets Manager by this name. */
    webhook: z.object({ urlSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "must be a Secrets Manager secret name") }).strict().optional(),
    /** The console's public URL, for the links in alerts sent by the scheduled functions; the console itself falls back to NEXTAUTH_URL. */
    consoleUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    /** Which events the console and the scheduled functions send to `snsTopicArn` and the webhook (docs/ALERTS.md); default all. */
    events: z.array(z.enum(ALERT_EVENTS)).default([...ALERT_EVENTS]),
  })
  .strict()
  .refine((a) => !a.snsTopicKmsKeyArn || a.snsTopicArn, { path: ["snsTopicKmsKeyArn"], message: "names the key of snsTopicArn, which is not set" });

export type AlertsConfig = z.infer<typeof alerts>;

/**
 * Four-eyes approvals (docs/APPROVALS.md): the actions named here do not run when asked;
 * they become a request that a second signed-in person, holding a role allowed to run the
 * action, approves. Absent: every action runs at once, as without approvals.
 */
const approvals = z
  .object({
    /** Restores that replace a live item (mode "overwrite"). */
    restoreOverwrite: z.boolean().default(false),
    /** Restores into a table other than the service's own. */
    restoreOtherTable: z.boolean().default(false),
    /** Bulk restores: `true` for every run, or `{ "aboveItems": N }` for runs of more than N items. */
    bulkRestore: z.union([z.boolean(), z.object({ aboveItems: z.number().int().min(0).max(1_000_000) }).strict()]).default(false),
    /** Copying items of a point-in-time restore back into the live table. */
    pitrCopyBack: z.boolean().default(false),
    /** Erasure and redaction of archived records. */
    erasure: z.boolean().default(false),
    /** Enabling PITR or deletion protection from the protection page. */
    protectionChange: z.boolean().default(false),
    /** Discarding a failed batch from the DLQ page (its deletions are then never archived). */
    dlqDiscard: z.boolean().default(false),
    /** A request not approved within this many hours expires. */
    expiryHours: z.number().min(0.25).max(24 * 14).default(24),
    /** The services these rules apply to (say, the production ones); absent: every service. */
    services: z.array(serviceName).min(1).optional(),
  })
  .strict();

export type ApprovalsConfig = z.infer<typeof approvals>;

/** An EventBridge schedule expression: `rate(7 days)` or `cron(0 3 ? * MON *)` (six fields, UTC). */
export const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d{1,5} (minute|minutes|hour|hours|day|days)\)|cron\((\S+ ){5}\S+\))$/, 'must be an EventBridge schedule such as "rate(7 days)" or "cron(0 3 ? * MON *)"');

/** Scratch tables are `{scratchTablePrefix}{service}-{yyyymmddThhmmssZ}`; the prefix is what the drill's IAM policy is scoped to. */
export const DEFAULT_DRILL_SCRATCH_PREFIX = "lazarus-drill-";

/**
 * Restore drills (docs/DRILLS.md): each named service's table is restored to a recent
 * point in time into a scratch table, checked and deleted, on a schedule and on demand.
 * Absent: no drills.
 */
const drillService = z
  .object({
    service: serviceName,
    schedule: scheduleExpression.default("rate(7 days)"),
    /** Recently archived records put into the scratch table and read back; 0 skips the sample check. */
    sampleSize: z.number().int().min(0).max(1_000).default(20),
    /** The sample is drawn from records deleted in the last this-many days. */
    sampleDays: z.number().int().min(1).max(90).default(7),
    /** Scratch and live item counts may differ by this share of the live count (writes since the restore point). */
    itemCountTolerancePercent: z.number().min(0).max(100).default(1),
    /** Pass only if the scratch table is ACTIVE within this many minutes; the drill stops waiting then. */
    maxRtoMinutes: z.number().min(0.1).max(720).default(10),
  })
  .strict();

const drills = z
  .object({
    scratchTablePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,64}$/, "must be 3-64 of A-Z a-z 0-9 _ . -")
      .default(DEFAULT_DRILL_SCRATCH_PREFIX),
    /** The scheduled drill function's name. */
    functionName: functionName.default("lazarus-drills"),
    services: z.array(drillService).min(1, "must name at least one service"),
  })
  .strict();

export type DrillsConfig = z.infer<typeof drills>;
export type DrillServiceConfig = z.infer<typeof drillService>;

/** How the archivers are split between CloudFormation stacks (each holds at most 500 resources). */
const fleet = z
  .object({
    /** Service stacks; a service's stack comes from a hash of its name, so changing this moves services. Fix it before the first deploy. */
    stacks: z.number().int().min(1).max(100).default(16),
    /**
     * How the console's policies name the tables the stack manages: "tag", one statement for all of
     * them by their `lazarus:archive` tag (DynamoDB attribute-based access control, which must be on
     * in the account), or "name", one ARN per table. Imported tables are always named.
     */
    consoleTableAccess: z.enum(["tag", "name"]).default("tag"),
  })
  .strict();

/** A service removed from `services` whose archive still expires by its lifecycle rule until its records are gone. */
const retiredService = z.object({ name: serviceName, retiredOn: isoDate }).strict();

/** A second copy of the archive that the archive account's own administrators cannot destroy. */
const secondCopy = z
  .object({
    /** S3 Replication to a bucket in another account (versioned; Object Lock there if it should be locked). */
    replication: z
      .object({
        destinationBucket: bucketName,
        destinationAccount: z.string().regex(/^\d{12}$/, "must be a 12-digit account ID"),
        /** The destination bucket's KMS key (replicas are re-encrypted with it). */
        destinationKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, "must be a KMS key ARN"),
        /**
         * The replica eraser, deployed in `destinationAccount` as its own stack (docs/ERASURE.md, "The replica"):
         * it applies every erasure-ledger entry that replicates there. Present = synthesized.
         */
        eraser: z
          .object({
            /** The replica bucket's region, where the eraser is deployed; default the config's `region`. */
            region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1").optional(),
            /** When the daily sweep re-applies every entry not yet finished, UTC ("HH:MM"). */
            sweepAtUtc: z
              .string()
              .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day in UTC as "HH:MM", e.g. "02:00"')
              .default("02:00"),
            /** A topic in the replica account that its alarms publish to (alarms publish only within their account); `alerts.email` are subscribed too. */
            alarmTopicArn: snsTopicArn.optional(),
            /** Failure buckets whose failed batches are replicated too: source bucket name to its replica in the replica account. */
            failureBucketReplicas: z.record(bucketName, bucketName).default({}),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** AWS Backup of the archive bucket into a vault with Vault Lock. */
    backup: z
      .object({
        /** Recovery points are kept this long; erasure reaches them only by expiry, so keep it within the erasure deadline you promise. */
        retentionDays: z.number().int().min(1).max(36_500).default(30),
        /** Vault Lock: in compliance mode, after `changeableForDays` nobody (not even the account root) can shorten retention or delete the vault. */
        vaultLock: z
          .object({
            mode: z.enum(["governance", "compliance"]).default("compliance"),
            changeableForDays: z.number().int().min(3).max(36_500).default(3),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
/**
 * Attribution of manual deletions from CloudTrail data events (docs/ATTRIBUTION.md). Off
 * by default: data events cost about $0.10 per 100,000 calls logged.
 */
const attribution = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * "create": the stack creates a trail logging only the delete-capable calls on the
     * protected tables. "existing": a trail of your own already logs them (its data events
     * reach EventBridge in the same account); the stack adds only the rule and the function.
     */
    trail: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("create") }).strict(),
        z.object({ type: z.literal("existing"), trailArn: z.string().regex(/^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9._-]{3,128}$/, "must be a CloudTrail trail ARN") }).strict(),
      ])
      .default({ type: "create" }),
    /** Until this long after a deletion, a missing call is "not yet known": CloudTrail delivers data events within about 5 minutes, sometimes more. */
    deliveryDelayMinutes: z.number().int().min(1).max(1_440).default(15),
    /** A call matches a deletion whose stream time is this many seconds either side of its eventTime. */
    matchWindowSeconds: z.number().int().min(1).max(300).default(5),
    /** When the trail started logging (ISO 8601): earlier deletions say "trail off" instead of "no matching call". */
    since: z.iso.datetime({ offset: true }).optional(),
    /** Tables that are replicas of a global table: a delete made in another region has no call in this region's trail. */
    globalTables: z.array(tableName).default([]),
    functionName: functionName.default("lazarus-attribution"),
  })
  .strict();

export type AttributionSettings = z.infer<typeof attribution>;

export type RoleRule = z.infer<typeof roleRule>;

/**
 * Which engine runs content searches (docs/SEARCH.md). "local" streams the bundles in the
 * console's process; "athena" also makes the stack create the Glue table and Athena workgroup,
 * and the console runs sealed days as SQL there.
 */
const athenaIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,127}$/, "must be a lower-case identifier (a-z, 0-9, _; not starting with a digit)");
const search = z
  .object({
    engine: z.enum(["local", "athena"]).default("local"),
    athena: z
      .object({
        database: athenaIdentifier.default("lazarus"),
        table: athenaIdentifier.default("sealed_deletions"),
        workgroup: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, "must be an Athena workgroup name (1-128 of A-Z a-z 0-9 . _ -)").default("lazarus-search"),
        /** Athena cancels a query once it has scanned this many bytes (at least 10 MB, Athena's minimum). */
        bytesScannedCutoff: z.number().int().min(10_000_000).max(Number.MAX_SAFE_INTEGER).default(1_000_000_000_000),
        /** Query results hold whole records: they are deleted after this many days. */
        resultRetentionDays: z.number().int().min(1).max(365).default(7),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SearchSettings = z.infer<typeof search>;


export const configSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1"),
    archive: z
      .object({
        bucket: bucketName,
        prefix: archivePrefix.default(""),
        lifecycle: lifecycle.prefault({}),
        objectLock: objectLock.prefault({}),
        /** Where services without an `onFailure` send failed batches; default `{bucket}-failed`. */
        failureBucket: bucketName.optional(),
        retiredServices: z.array(retiredService).default([]),
        secondCopy: secondCopy.prefault({}),
        /** Principals that may administer the archive key (policy, rotation, deletion); none of them may use it. Default: any IAM principal allowed by its own policies. */
        keyAdministrators: z.array(iamPrincipalArn).default([]),
      })
      .strict(),
    alarms: z
      .object({
        iteratorAgeSeconds: z.number().int().min(1).default(3_600),
        archiverErrors: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    /** Sealing of closed days into bundles (docs/ARCHIVE-FORMAT.md, "Sealed days"). */
    seal: z
      .object({
        /** Days older than this are sealed. Default: the longest maximum record age + 1 day, at least 2. */
        afterDays: z.number().int().min(2).max(3_650).optional(),
        /**
         * Seal lag: the age in days of a service's oldest closed day (older than afterDays) that is still not
         * sealed. The protection page and the seal-lag alarm flag a service whose lag is above this.
         */
        lagThresholdDays: z.number().int().min(1).max(3_650).default(2),
        /** When the scheduled sealing runs each day, UTC ("HH:MM"): a little after midnight, once the day before is closed. */
        runAtUtc: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day in UTC as "HH:MM", e.g. "00:30"')
          .default("00:30"),
      })
      .strict()
      .prefault({}),
    services: z.array(service).min(1, "must name at least one service"),
    auth: auth.prefault({}),
    protection: protection.prefault({}),
    audit: audit.prefault({}),
    alerts: alerts.prefault({}),
    fleet: fleet.prefault({}),
    approvals: approvals.optional(),
    drills: drills.optional(),
    attribution: attribution.prefault({}),
    search: search.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const defaultBucket = defaultFailureBucket(c.archive);
    c.services.forEach((s, i) => {
      if (s.onFailure === undefined && !bucketName.safeParse(defaultBucket).success) {
        ctx.addIssue({ code: "custom", path: ["archive", "failureBucket"], message: `is required: services[${i}] has no onFailure, and "${defaultBucket}" is not a valid bucket name` });
      }
      const age = s.archiver.maximumRecordAgeSeconds;
      if (s.onFailure?.type === "sqs" && age !== undefined && age > SQS_MAX_RECORD_AGE_SECONDS) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "archiver", "maximumRecordAgeSeconds"],
          message: `must be at most ${SQS_MAX_RECORD_AGE_SECONDS} with an SQS destination: its message names stream records that leave the stream after ${STREAM_RETENTION_SECONDS / 3_600} hours, so a replay needs time left (or use onFailure type "s3", which keeps the records)`,
        });
      }
      if (s.stack !== undefined && s.stack >= c.fleet.stacks) {
        ctx.addIssue({ code: "custom", path: ["services", i, "stack"], message: `must be below fleet.stacks (${c.fleet.stacks})` });
      }
    });
    c.archive.retiredServices.forEach((r, i) => {
      if (c.services.some((s) => s.name === r.name)) {
        ctx.addIssue({ code: "custom", path: ["archive", "retiredServices", i, "name"], message: `"${r.name}" is still in services` });
      }
    });
    c.approvals?.services?.forEach((name, i) => {
      if (!c.services.some((s) => s.name === name)) ctx.addIssue({ code: "custom", path: ["approvals", "services", i], message: `"${name}" is not in services` });
    });
    if (c.drills) {
      const prefix = c.drills.scratchTablePrefix;
      const drilled = new Set<string>();
      c.drills.services.forEach((d, i) => {
        if (!c.services.some((s) => s.name === d.service)) ctx.addIssue({ code: "custom", path: ["drills", "services", i, "service"], message: `"${d.service}" is not in services` });
        if (drilled.has(d.service)) ctx.addIssue({ code: "custom", path: ["drills", "services", i, "service"], message: `"${d.service}" is named twice` });
        drilled.add(d.service);
      });
      // A drill deletes what it names with the prefix; a live table with that prefix could be one of them.
      c.services.forEach((s, i) => {
        if (s.table.name.startsWith(prefix)) ctx.addIssue({ code: "custom", path: ["services", i, "table", "name"], message: `starts with drills.scratchTablePrefix "${prefix}", which only scratch tables may use` });
      });
    }
    if (c.audit.objectLock && !c.archive.objectLock.enabled) {
      // S3 accepts a retention only on objects in a bucket created with Object Lock; every audited action would fail.
      ctx.addIssue({ code: "custom", path: ["audit", "objectLock"], message: "needs archive.objectLock.enabled: S3 locks objects only in a bucket created with Object Lock" });
    }
    const seen = new Map<string, number>();
    c.services.forEach((s, i) => {
      for (const [kind, value] of [
        ["name", s.name],
        ["table.name", s.table.name],
        ["archiver.functionName", s.archiver.functionName],
      ] as const) {
        const id = `${kind}:${value}`;
        const first = seen.get(id);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["services", i, ...kind.split(".")],
            message: `"${value}" is already used by services[${first}]`,
          });
        } else {
          seen.set(id, i);
        }
      }
      if (s.table.sortKey && s.table.sortKey.name === s.table.partitionKey.name) {
        ctx.addIssue({ code: "custom", path: ["services", i, "table", "sortKey", "name"], message: "must differ from the partition key" });
      }
    });
  })
  .transform((c) => ({
    ...c,
    services: c.services.map((s) => {
      const onFailure: OnFailure = s.onFailure ?? { type: "s3", bucket: defaultFailureBucket(c.archive) };
      const maximumRecordAgeSeconds = s.archiver.maximumRecordAgeSeconds ?? (onFailure.type === "sqs" ? SQS_MAX_RECORD_AGE_SECONDS : STREAM_RETENTION_SECONDS);
      return { ...s, onFailure, archiver: { ...s.archiver, maximumRecordAgeSeconds } };
    }),
  }));

type OnFailure = z.infer<typeof onFailure>;

function defaultFailureBucket(archive: { bucket: string; failureBucket?: string | undefined }): string {
  return archive.failureBucket ?? `${archive.bucket}-failed`;
}

export type LazarusConfig = z.infer<typeof configSchema>;
export type ServiceConfig = LazarusConfig["services"][number];
export type KeyAttributeConfig = z.infer<typeof keyAttribute>;
export type OnFailureConfig = ServiceConfig["onFailure"];
