import { z } from "zod";
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
    maximumRecordAgeSeconds: z.number().int().min(60).max(604_800).default(86_400),
    bisectBatchOnFunctionError: z.boolean().default(true),
    parallelizationFactor: z.number().int().min(1).max(10).default(1),
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
    onFailure,
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
export type RoleRule = z.infer<typeof roleRule>;

export const configSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1"),
    archive: z
      .object({
        bucket: bucketName,
        prefix: archivePrefix.default(""),
        lifecycle: lifecycle.prefault({}),
        objectLock: objectLock.prefault({}),
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
        /** The protection page and the alarm flag a service whose oldest unsealed closed day is older than this. */
        lagAlarmDays: z.number().int().min(1).max(3_650).default(3),
      })
      .strict()
      .prefault({}),
    services: z.array(service).min(1, "must name at least one service"),
    auth: auth.prefault({}),
    protection: protection.prefault({}),
    audit: audit.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
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
  });

export type LazarusConfig = z.infer<typeof configSchema>;
export type ServiceConfig = LazarusConfig["services"][number];
export type KeyAttributeConfig = z.infer<typeof keyAttribute>;
export type OnFailureConfig = ServiceConfig["onFailure"];
