import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { CfnTrail, Trail } from "aws-cdk-lib/aws-cloudtrail";
import { Match, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ATTRIBUTION_SEGMENT } from "../../lib/attribution/attribution-layout";
import { ERASURE_SEGMENT } from "../../lib/erasure/ledger-format";
import { CLOUDTRAIL_DETAIL_TYPE, DELETE_CAPABLE_CALLS, DYNAMODB_EVENT_SOURCE } from "../../lib/attribution/cloudtrail-event";
import type { LazarusConfig } from "../../lib/config/schema";
import { consoleCodeFunctionProps } from "./console-code-function";
import { kmsViaS3 } from "./kms-via-s3";
import { ARCHIVER_LOG_RETENTION } from "./service-archiver";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const ATTRIBUTION_ENTRY = fileURLToPath(new URL("../attribution/handler.ts", import.meta.url));
/**
 * CloudTrail allows 500 values across a trail's advanced event selectors. Beyond this
 * many tables the trail selects the calls on every table of the account and region, and
 * the function keeps only the protected ones (costlier: every table's deletes are logged).
 */
export const MAX_SELECTED_TABLES = 490;
/** The trail's log files are a second copy of what the attribution records keep; a year covers audits that ask for the raw calls. */
export const TRAIL_LOG_RETENTION_DAYS = 365;

export interface AttributionCaptureProps {
  config: LazarusConfig;
  archive: { bucket: IBucket; key: IKey; prefix: string };
  /** Where the trail's log bucket logs its own access (the archive's access-log bucket). */
  accessLogs: IBucket;
}

/**
 * Who deleted what: a trail logging only the delete-capable DynamoDB calls on the
 * protected tables (or a trail of your own), an EventBridge rule that hands each such
 * call to the attribution function, and that function, which may only add objects under
 * `{prefix}_attribution/`. Failed calls (errorCode set) are filtered out by the rule.
 */
export class AttributionCapture extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;
  readonly trail?: Trail;

  constructor(scope: Construct, id: string, props: AttributionCaptureProps) {
    super(scope, id);
    const { config, archive } = props;
    const settings = config.attribution;
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Lazarus attribution: records who deleted which key from CloudTrail data events",
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${settings.functionName}`,
      retention: ARCHIVER_LOG_RETENTION,
      // Event ids and counts only; the attribution records are the record.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const builtIn = { region: config.region, archive: config.archive, services: config.services };
    this.function = new NodejsFunction(this, "Function", {
      ...consoleCodeFunctionProps(ATTRIBUTION_ENTRY, builtIn),
      functionName: settings.functionName,
      description: "Lazarus: records who deleted which key from CloudTrail data events (docs/ATTRIBUTION.md)",
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
    });
    const records = archive.bucket.arnForObjects(`${archive.prefix}${ATTRIBUTION_SEGMENT}/*`);
    // Records are written once (If-None-Match) and never read or deleted here.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "AttributionRecords", actions: ["s3:PutObject"], resources: [records] }));
    // It reads the erasure ledger (key hashes only) so a call reaching it after its key was erased writes nothing.
    const ledger = `${archive.prefix}${ERASURE_SEGMENT}/`;
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "ErasureLedgerListing", actions: ["s3:ListBucket"], resources: [archive.bucket.bucketArn], conditions: { StringLike: { "s3:prefix": [`${ledger}*`] } } }));
    const ledgerEntries = archive.bucket.arnForObjects(`${ledger}*`);
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "ErasureLedgerEntries", actions: ["s3:GetObject"], resources: [ledgerEntries] }));
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:GenerateDataKey", "kms:Decrypt"]));
    acknowledgeWildcardResources(role, [records], "Attribution record names are derived from services, days, keys and CloudTrail event ids; the pattern admits only the _attribution/ folder.");
    acknowledgeWildcardResources(role, [ledgerEntries], "Ledger entries are named by service and the hash of each erased key; the pattern admits only the erasure ledger folder.");

    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      queueName: `${settings.functionName}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is the dead-letter queue of the EventBridge rule's Lambda target; cdk-nag only recognises DLQs named in another queue's redrive policy.",
    });
    this.rule = new Rule(this, "Calls", {
      description: "Hands Lazarus the delete-capable DynamoDB calls CloudTrail logs",
      eventPattern: {
        source: ["aws.dynamodb"],
        detailType: [CLOUDTRAIL_DETAIL_TYPE],
        detail: { eventSource: [DYNAMODB_EVENT_SOURCE], eventName: [...DELETE_CAPABLE_CALLS], errorCode: Match.doesNotExist() },
      },
      targets: [new LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(24), deadLetterQueue: this.deadLetterQueue })],
    });
    if (settings.trail.type === "create") this.trail = this.createTrail(config, props.accessLogs);
  }

  private createTrail(config: LazarusConfig, accessLogs: IBucket): Trail {
    // CloudTrail's own log files; Lazarus reads the calls from EventBridge, not from here.
    const logFiles = new Bucket(this, "TrailLogs", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "lazarus-trail/",
      lifecycleRules: [{ id: "expire-trail-logs", expiration: Duration.days(TRAIL_LOG_RETENTION_DAYS) }],
    });
    const trail = new Trail(this, "Trail", {
      bucket: logFiles,
      trailName: "lazarus-dynamodb-deletes",
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      enableFileValidation: true,
    });
    const stack = Stack.of(this);
    const tables = config.services.map((s) => stack.formatArn({ service: "dynamodb", resource: "table", resourceName: s.table.name }));
    const fieldSelectors: CfnTrail.AdvancedFieldSelectorProperty[] = [
      { field: "eventCategory", equalTo: ["Data"] },
      { field: "resources.type", equalTo: ["AWS::DynamoDB::Table"] },
      { field: "eventName", equalTo: [...DELETE_CAPABLE_CALLS] },
      ...(tables.length <= MAX_SELECTED_TABLES ? [{ field: "resources.ARN", equalTo: tables }] : []),
    ];
    // Advanced selectors only: no management events, no other data events, so the trail costs only these calls.
    const cfn = trail.node.defaultChild as CfnTrail;
    cfn.advancedEventSelectors = [{ name: "Lazarus: delete-capable calls on protected tables", fieldSelectors }];
    // CloudTrail takes basic or advanced selectors, not both; the construct always writes an empty basic list.
    cfn.addPropertyDeletionOverride("EventSelectors");
    return trail;
  }
}
