import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import type { LazarusConfig } from "../../lib/config/schema";
import { ERASURE_SEGMENT } from "../../lib/erasure/ledger-format";
import { ConfigError } from "../../lib/config/load";
import { CONSOLE_KEY_SEGMENTS } from "./console-tiers";
import { kmsViaS3 } from "./kms-via-s3";
import { consoleCodeFunctionProps } from "./console-code-function";
import { ARCHIVER_LOG_RETENTION } from "./service-archiver";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const ERASURE_RECHECK_ENTRY = fileURLToPath(new URL("../erasure-recheck/handler.ts", import.meta.url));
export const ERASURE_RECHECK_FUNCTION_NAME = "lazarus-erasure-recheck";
/** Hourly: an erasure is due a day after it ran (docs/ERASURE.md, "Redelivery"), so an hour late is harmless and runs are cheap when none is due. */
export const ERASURE_RECHECK_RATE = Duration.hours(1);
/** About 185 characters per bucket at the longest bucket name: 25 keep a part well under IAM's 6,144. */
export const FAILURE_BUCKETS_PER_POLICY = 25;
/** IAM attaches at most 10 managed policies to a role. */
const FAILURE_BUCKET_POLICIES_MAX = 10;

export interface ErasureRecheckScheduleProps {
  config: LazarusConfig;
  archive: { bucket: IBucket; key: IKey; prefix: string };
  failureBuckets: IBucket[];
}

/**
 * The scheduled re-check that closes an erasure's window: `npm run erasure-recheck`'s
 * code (lib/erasure/erasure-recheck.ts) in a Lambda function run hourly by EventBridge.
 * It may read the services' archives and ledgers, delete versions of archive objects
 * and index entries, write ledger markers and audit entries, and clean failed batches;
 * nothing else.
 */
export class ErasureRecheckSchedule extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ErasureRecheckScheduleProps) {
    super(scope, id);
    const { config } = props;
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Lazarus erasure re-check: removes what of an erased key was archived during the erasure's window",
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${ERASURE_RECHECK_FUNCTION_NAME}`,
      retention: ARCHIVER_LOG_RETENTION,
      // Counts and audit operation ids only; the audit log is the record.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    // What the re-check reads of the config; the console's sign-in rules stay out of the bundle.
    const recheckConfig = { region: config.region, archive: config.archive, audit: config.audit, services: config.services };

    this.function = new NodejsFunction(this, "Function", {
      ...consoleCodeFunctionProps(ERASURE_RECHECK_ENTRY, recheckConfig),
      functionName: ERASURE_RECHECK_FUNCTION_NAME,
      description: "Lazarus: hourly re-check of erasures whose window is over (docs/ERASURE.md)",
      memorySize: 512,
      timeout: Duration.minutes(15),
      role,
      logGroup,
    });
    this.grantArchive(role, props);
    this.rule = new Rule(this, "Schedule", {
      description: "Runs the Lazarus erasure re-check",
      schedule: Schedule.rate(ERASURE_RECHECK_RATE),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }

  private grantArchive(role: Role, props: ErasureRecheckScheduleProps): void {
    const { archive, config } = props;
    const prefix = archive.prefix;
    const ledger = `${prefix}${ERASURE_SEGMENT}/`;
    // Granted across services by pattern, so the policy does not grow with the fleet (as for sealing).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListArchive",
        actions: ["s3:ListBucket", "s3:ListBucketVersions"],
        resources: [archive.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${prefix}?*`] } },
      }),
    );
    // The dated pattern also matches `_attribution/{service}/{yyyy}/{mm}/{dd}/`: late attribution records of an erased key go too.
    const records = [archive.bucket.arnForObjects(`${prefix}*/????/??/??/*`), archive.bucket.arnForObjects(`${prefix}*/${INDEX_SEGMENT}/*`)];
    // DeleteObjects needs s3:DeleteObject as well as s3:DeleteObjectVersion for the versions it names.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "ErasedRecords", actions: ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: records }));
    // A late record a seal already bundled is blanked in place: its part (written with the bundle tag), the manifest, its
    // pages and the month summary are rewritten, their replaced versions deleted.
    const sealed = [archive.bucket.arnForObjects(`${prefix}*/????/??/_sealed/*`)];
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "SealedDays", actions: ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: sealed }),
    );
    const ledgerObjects = [archive.bucket.arnForObjects(`${ledger}*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "Ledger", actions: ["s3:GetObject", "s3:PutObject"], resources: ledgerObjects }));
    // Bulk-restore and PITR job files planned inside an erasure's window are rewritten by hash, their older versions deleted.
    const jobObjects = [CONSOLE_KEY_SEGMENTS.bulkRestoreJobs, CONSOLE_KEY_SEGMENTS.pitrJobs].map((jobs) => archive.bucket.arnForObjects(`${prefix}${jobs}/*`));
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "JobFiles", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: jobObjects }),
    );
    // The re-check edits the days its late records can be in under their leases, so a seal of one waits for it.
    const leaseObjects = [archive.bucket.arnForObjects(`${prefix}${CONSOLE_KEY_SEGMENTS.dayLeases}/*`)];
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "DayLeases", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: leaseObjects }),
    );
    // Copies of failed batches discarded from the DLQ page hold records as the failure buckets do: rewritten or removed alike.
    const discardedObjects = [archive.bucket.arnForObjects(`${prefix}${CONSOLE_KEY_SEGMENTS.discarded}/*`)];
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "DiscardedBatches", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: discardedObjects }),
    );
    const auditObjects = [archive.bucket.arnForObjects(`${prefix}_audit/*`)];
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "Audit", actions: ["s3:PutObject", ...(config.audit.objectLock ? ["s3:PutObjectRetention"] : [])], resources: auditObjects }),
    );
    // The patterns above also match console state; the ledger and the audit log are never deleted from here.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "KeepLedgerAndAudit",
        effect: Effect.DENY,
        actions: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [...ledgerObjects, ...auditObjects],
      }),
    );
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:Decrypt", "kms:GenerateDataKey"]));
    this.grantFailureBuckets(role, props.failureBuckets);
    acknowledgeWildcardResources(
      role,
      [...records, ...sealed, ...ledgerObjects, ...jobObjects, ...auditObjects, ...leaseObjects, ...discardedObjects],
      "Archive, sealed-day, ledger, job, audit, day-lease, discarded-copy and failed-batch object names are derived from keys, hashes, times, days and AWS; the patterns admit the services' records and index, their sealed days, the ledger, job files, the audit log, the day leases, copies of discarded batches and the failure destinations' batches.",
    );
  }

  /**
   * Each failure bucket is named (their names are the config's), so they go into managed
   * policies of FAILURE_BUCKETS_PER_POLICY each: one inline policy would pass IAM's limit
   * at about 60 buckets.
   */
  private grantFailureBuckets(role: Role, buckets: IBucket[]): void {
    const parts = Math.ceil(buckets.length / FAILURE_BUCKETS_PER_POLICY);
    if (parts > FAILURE_BUCKET_POLICIES_MAX) {
      throw new ConfigError(
        `The erasure re-check would need ${parts} managed policies for ${buckets.length} S3 failure buckets, but a role attaches at most ${FAILURE_BUCKET_POLICIES_MAX} besides its own. ` +
          "Let services share a failure bucket (onFailure.bucket): each service writes under its own prefix there.",
      );
    }
    for (let part = 0; part < parts; part += 1) {
      const group = buckets.slice(part * FAILURE_BUCKETS_PER_POLICY, (part + 1) * FAILURE_BUCKETS_PER_POLICY);
      const objects = group.map((b) => b.arnForObjects("aws/lambda/*"));
      const policy = new ManagedPolicy(this, `FailedBatches${part + 1}`, {
        description: `Lazarus erasure re-check: failed batches of the S3 failure destinations (part ${part + 1} of ${parts})`,
        roles: [role],
        statements: [
          new PolicyStatement({ actions: ["s3:ListBucket", "s3:ListBucketVersions"], resources: group.map((b) => b.bucketArn) }),
          new PolicyStatement({ actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: objects }),
        ],
      });
      acknowledgeWildcardResources(policy, objects, "Failed-batch object names are chosen by AWS Lambda under aws/lambda/.");
    }
  }
}
