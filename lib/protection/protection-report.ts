import "server-only";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DescribeContinuousBackupsCommandOutput,
  type DescribeTableCommandOutput,
  type DescribeTimeToLiveCommandOutput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { ListEventSourceMappingsCommand, type EventSourceMappingConfiguration, type LambdaClient } from "@aws-sdk/client-lambda";
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DescribeAlarmsCommand, GetMetricStatisticsCommand, type CloudWatchClient, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import pThrottle from "p-throttle";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { parseFailureBody } from "../dlq/failure-record";
import { peekQueue } from "../dlq/failure-source";
import { toUserFacingError } from "../http/error-response";
import {
  STREAM_RETENTION_HOURS,
  evaluateAlarms,
  evaluateSealLag,
  evaluateDeletionProtection,
  evaluateDlq,
  evaluateMapping,
  evaluatePitr,
  evaluateStream,
  evaluateTtl,
  expectedAlarmNames,
  failureSample,
  type DlqInput,
  type Fetched,
  type FailureSample,
  type SealState,
} from "./protection-rules";
import { sealLag } from "../archive/seal-lag";
import { assertSealingAllowed } from "../archive/sealer";
import { processWide } from "../runtime/process-wide";
import { TtlCache } from "./ttl-cache";
import { answerApi, answerKey } from "./answer-keys";
import { alertInBackground } from "../alerts/alerts";
import { alertProtectionReport } from "../alerts/event-alerts";
import { worstLight, type ProtectionReport, type ServiceProtection } from "./protection-types";

export interface ProtectionClients {
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
  sqs: SQSClient;
  cloudwatch: CloudWatchClient;
  s3: S3Client;
}

export interface ReportOptions {
  now?: Date;
  cache?: TtlCache;
  /** AWS calls in flight at once across the fleet (DescribeContinuousBackups allows about 10 a second). */
  concurrency?: number;
  /**
   * Mapping configurations to use when Lambda has none for a function (the local
   * stack runs the mapping outside moto; see docs/LOCAL-STACK.md). Never set in production.
   */
  fallbackMappings?: (service: ServiceConfig, streamArn: string | undefined) => EventSourceMappingConfiguration | undefined;
  /** false: no protection or DLQ alerts from this report (default: sent when `alerts` asks for them). */
  alerts?: boolean;
}

/** Describe answers are reused this long: a page reload or a monitoring poll costs no AWS calls. */
export const DESCRIBE_TTL_MS = 30_000;
/** Messages read from a DLQ to date its failures; each is made visible again at once. */
const DLQ_PEEK_LIMIT = 50;
/** Long enough for a peek pass over DLQ_PEEK_LIMIT messages; short in case making them visible again fails. */
const PEEK_VISIBILITY_SECONDS = 5;
const FAILURE_LIST_LIMIT = 1_000;

/**
 * Shared by the Protection pages, GET /api/protection and the actions that change what they
 * show (a DLQ discard or replay, a fix), which run in route handlers: one per process, not
 * per module runtime, or a page would show for 30 s what an action had just changed.
 */
const sharedCache = processWide("protection-describe-cache", () => new TtlCache(DESCRIBE_TTL_MS));

/**
 * Calls per second, per describe API, across every request this process serves. The
 * cache makes warm reports free; these keep a cold one for a fleet of tables under
 * DynamoDB's control-plane rates (DescribeContinuousBackups allows about 10 a second).
 * Keyed by the call key's prefix.
 */
export const DESCRIBE_RATES: Record<string, number> = { pitr: 8, ttl: 8, table: 20 };
const throttles = processWide(
  "protection-describe-throttles",
  () =>
    new Map<string, <T>(load: () => Promise<T>) => Promise<T>>(
      Object.entries(DESCRIBE_RATES).map(([api, limit]) => {
        // strict: a sliding window, so two fixed windows cannot add up to a burst of twice the limit.
        const throttled = pThrottle({ limit, interval: 1_000, strict: true })((load: () => Promise<unknown>) => load());
        return [api, <T>(load: () => Promise<T>) => throttled(load) as Promise<T>];
      }),
    ),
);

function rateLimited<T>(key: string, load: () => Promise<T>): Promise<T> {
  const throttle = throttles.get(answerApi(key));
  return throttle ? throttle(load) : load();
}

export function protectionCache(): TtlCache {
  return sharedCache;
}

/** After a DLQ discard or replay deleted a failure, the next report reads the service's destination again. */
export function forgetDlqAnswers(service: ServiceConfig, cache: TtlCache = sharedCache): void {
  const d = service.onFailure;
  if (d.type === "sqs") for (const key of [answerKey.queueDepth, answerKey.queuePeek, answerKey.queueAge]) cache.invalidate(key(d.queueName));
  else cache.invalidate(answerKey.failures(d.bucket));
}

/**
 * "Check again": the next report asks AWS afresh for one service's answers (its table,
 * function, seal state, failure destination and the fleet's alarms), or for the whole
 * fleet's. The describe throttles still pace the calls, however often people ask.
 */
export function forgetAnswers(target: { service: ServiceConfig } | "fleet", cache: TtlCache = sharedCache): void {
  if (target === "fleet") {
    cache.clear();
    return;
  }
  const { service } = target;
  for (const key of [answerKey.table, answerKey.pitr, answerKey.ttl]) cache.invalidate(key(service.table.name));
  for (const key of [answerKey.mappings, answerKey.iteratorAge]) cache.invalidate(key(service.archiver.functionName));
  cache.invalidate(answerKey.sealLag(service.name));
  cache.invalidate(answerKey.alarms());
  forgetDlqAnswers(service, cache);
}

async function fetched<T>(load: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await load() };
  } catch (error) {
    return { ok: false, error: checkError(error) };
  }
}

/**
 * A describe call's failure as the check shows it. AWS's own client errors for
 * describe calls ("The specified queue does not exist") name the resource, never
 * data, and say more than a generic message; throttling, access and network
 * errors get the console's usual wording.
 */
export function checkError(error: unknown): string {
  const e = error as { name?: string; message?: string; $fault?: string };
  if (e?.$fault === "client" && e.name && !/throttl|denied|unauthori|credential|token|signature/i.test(e.name)) {
    return `${e.name}: ${e.message ?? "no message"}`;
  }
  return toUserFacingError(error).message;
}

export async function buildProtectionReport(
  clients: ProtectionClients,
  config: LazarusConfig,
  options: ReportOptions = {},
): Promise<ProtectionReport> {
  const now = options.now ?? new Date();
  const cache = options.cache ?? sharedCache;
  const limit = pLimit(options.concurrency ?? 8);
  // Throttled inside the concurrency limit, so a call leaves the moment the throttle lets it go.
  const call = <T>(key: string, load: () => Promise<T>) => cache.get(key, () => limit(() => rateLimited(key, load)));

  // One DescribeAlarms for the fleet instead of one per service (it takes up to 100 names).
  // Services that share a failure bucket share its alarm.
  const alarmNames = [...new Set(config.services.flatMap(expectedAlarmNames))];
  const alarms = fetched(async () => {
    const found: MetricAlarm[] = [];
    for (let i = 0; i < alarmNames.length; i += 100) {
      const names = alarmNames.slice(i, i + 100);
      const answer = await call(answerKey.alarms(names), () => clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names, MaxRecords: 100 })));
      found.push(...(answer.MetricAlarms ?? []));
    }
    return found;
  });

  const dlqDepths = new Map<string, number | null>();
  const services = await Promise.all(config.services.map((service) => serviceProtection(clients, config, service, { call, now, alarms, options, dlqDepths })));
  const report: ProtectionReport = {
    generatedAt: now.toISOString(),
    status: worstLight(services.map((s) => s.status)),
    thresholds: { ...config.protection, streamRetentionHours: STREAM_RETENTION_HOURS, sealLagThresholdDays: config.seal.lagThresholdDays },
    services,
  };
  // Every check (the page, a monitoring poll) is also where protection and DLQ alerts are decided.
  if (options.alerts !== false) alertInBackground("protection report", () => alertProtectionReport({ s3: clients.s3, config, stateCache: cache }, report, dlqDepths));
  return report;
}

/** Failed batches waiting: SQS messages (visible and in flight) or S3 failure objects; null when unreadable. */
function dlqDepth(input: DlqInput): number | null {
  if (input.type === "s3") return input.objects.ok ? input.objects.value.count : null;
  return input.attributes.ok ? input.attributes.value.visible + input.attributes.value.inFlight : null;
}

type Call = <T>(key: string, load: () => Promise<T>) => Promise<T>;

async function serviceProtection(
  clients: ProtectionClients,
  config: LazarusConfig,
  service: ServiceConfig,
  context: { call: Call; now: Date; alarms: Promise<Fetched<MetricAlarm[]>>; options: ReportOptions; dlqDepths: Map<string, number | null> },
): Promise<ServiceProtection> {
  const { call, now } = context;
  const table = service.table.name;
  const [described, backups, ttl] = await Promise.all([
    fetched<DescribeTableCommandOutput>(() => call(answerKey.table(table), () => clients.dynamodb.send(new DescribeTableCommand({ TableName: table })))),
    fetched<DescribeContinuousBackupsCommandOutput>(() =>
      call(answerKey.pitr(table), () => clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table }))),
    ),
    fetched<DescribeTimeToLiveCommandOutput>(() => call(answerKey.ttl(table), () => clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table })))),
  ]);
  const streamArn = described.ok ? described.value.Table?.LatestStreamArn : undefined;

  const mappings = await fetched(async () => {
    const found = await call(answerKey.mappings(service.archiver.functionName), () => listMappings(clients.lambda, service.archiver.functionName));
    // A mapping on an older stream of the table (before a stream was re-enabled) reads nothing.
    const onStream = streamArn ? found.filter((m) => m.EventSourceArn === streamArn) : found.filter((m) => m.EventSourceArn?.includes(`:table/${table}/stream/`));
    if (onStream.length > 0) return { mappings: onStream, source: undefined };
    const fallback = context.options.fallbackMappings?.(service, streamArn);
    return fallback ? { mappings: [fallback], source: "the local stack's mapping runner (moto cannot hold the mapping)" } : { mappings: [], source: undefined };
  });
  const mapping = mappings.ok ? mappings.value.mappings[0] : undefined;

  const iteratorAge = fetched(() =>
    call(answerKey.iteratorAge(service.archiver.functionName), () =>
      metricMaximums(clients.cloudwatch, {
        namespace: "AWS/Lambda",
        metric: "IteratorAge",
        dimension: { Name: "FunctionName", Value: service.archiver.functionName },
        now,
        minutes: 30,
        periodSeconds: 300,
      }),
    ),
  );

  const dlq = dlqInput(clients, service, mapping, { call, now });

  const seal = fetched(() => call(answerKey.sealLag(service.name), () => sealState(clients.s3, config, service, now)));

  const [iteratorAgeMs, dlqValue, alarms, sealValue] = await Promise.all([iteratorAge, dlq, context.alarms, seal]);
  context.dlqDepths.set(service.name, dlqDepth(dlqValue));
  const checks = [
    evaluatePitr(table, backups, config.protection),
    evaluateDeletionProtection(table, described),
    evaluateStream(table, described),
    evaluateTtl(table, service, ttl),
    evaluateMapping(
      service,
      {
        mappings: mappings.ok ? { ok: true, value: mappings.value.mappings } : mappings,
        iteratorAgeMs,
        ...(mappings.ok && mappings.value.source ? { source: mappings.value.source } : {}),
      },
      config.alarms.iteratorAgeSeconds,
    ),
    evaluateDlq(service, dlqValue, now),
    evaluateAlarms(service, alarms),
    evaluateSealLag(service, sealValue),
  ];
  return { service: service.name, table, status: worstLight(checks.map((c) => c.status)), checks };
}

/** Seal lag costs 1 LIST and at most 1 GET per service when healthy (lib/archive/seal-lag.ts). */
async function sealState(s3: S3Client, config: LazarusConfig, service: ServiceConfig, now: Date): Promise<SealState> {
  try {
    assertSealingAllowed(config);
  } catch (e) {
    return { sealing: "off", reason: (e as Error).message };
  }
  return { sealing: "on", lag: await sealLag(s3, config, service, now) };
}

async function listMappings(lambda: LambdaClient, functionName: string): Promise<EventSourceMappingConfiguration[]> {
  const found: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, ...(marker ? { Marker: marker } : {}) }));
    found.push(...(page.EventSourceMappings ?? []));
    marker = page.NextMarker;
  } while (marker);
  return found;
}

async function metricMaximums(
  cloudwatch: CloudWatchClient,
  query: { namespace: string; metric: string; dimension: { Name: string; Value: string }; now: Date; minutes: number; periodSeconds: number },
): Promise<{ at: Date; maximum: number }[] | null> {
  const answer = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: query.namespace,
      MetricName: query.metric,
      Dimensions: [query.dimension],
      StartTime: new Date(query.now.getTime() - query.minutes * 60_000),
      EndTime: query.now,
      Period: query.periodSeconds,
      Statistics: ["Maximum"],
    }),
  );
  const points = (answer.Datapoints ?? [])
    .filter((p): p is typeof p & { Timestamp: Date; Maximum: number } => p.Timestamp !== undefined && p.Maximum !== undefined)
    .map((p) => ({ at: p.Timestamp, maximum: p.Maximum }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return points.length > 0 ? points : null;
}

async function dlqInput(
  clients: ProtectionClients,
  service: ServiceConfig,
  mapping: EventSourceMappingConfiguration | undefined,
  context: { call: Call; now: Date },
): Promise<DlqInput> {
  const { call, now } = context;
  const destination = service.onFailure;
  if (destination.type === "s3") {
    // Lambda writes aws/lambda/<mapping UUID>/<shard>/...; a bucket shared by services is told apart by the UUID.
    const prefix = mapping?.UUID ? `aws/lambda/${mapping.UUID}/` : "";
    return {
      type: "s3",
      bucket: destination.bucket,
      prefix,
      objects: await fetched(() => call(answerKey.failures(destination.bucket, prefix), () => listFailureObjects(clients.s3, destination.bucket, prefix, now))),
    };
  }
  const queueName = destination.queueName;
  const url = await fetched(() => call(answerKey.queueUrl(queueName), async () => (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl ?? ""));
  if (!url.ok) return { type: "sqs", queueName, attributes: url, oldestAgeSeconds: { ok: true, value: null }, sample: null };
  const attributes = await fetched(() =>
    call(answerKey.queueDepth(queueName), async () => {
      const answer = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url.value, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
      );
      return {
        visible: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    }),
  );
  const oldestAgeSeconds = fetched(() =>
    call(answerKey.queueAge(queueName), async () => {
      const points = await metricMaximums(clients.cloudwatch, {
        namespace: "AWS/SQS",
        metric: "ApproximateAgeOfOldestMessage",
        dimension: { Name: "QueueName", Value: queueName },
        now,
        minutes: 15,
        periodSeconds: 60,
      });
      return points?.[points.length - 1]?.maximum ?? null;
    }),
  );
  const hasMessages = attributes.ok && attributes.value.visible > 0;
  const sample = hasMessages ? await fetched(() => call(answerKey.queuePeek(queueName), () => peekFailures(clients.sqs, url.value, now))) : null;
  return { type: "sqs", queueName, attributes, oldestAgeSeconds: await oldestAgeSeconds, sample };
}

/**
 * Dates up to DLQ_PEEK_LIMIT failures without consuming them, with the DLQ page's own
 * peek: every message received is held until the pass ends, then made visible again,
 * so a message received twice is never left hidden (the DLQ page right after a
 * protection check lists every batch the check counted).
 */
async function peekFailures(sqs: SQSClient, queueUrl: string, now: Date): Promise<FailureSample> {
  const { messages } = await peekQueue(sqs, queueUrl, { max: DLQ_PEEK_LIMIT, visibilitySeconds: PEEK_VISIBILITY_SECONDS });
  return failureSample(
    messages.map((m) => failureArrival(m.Body, m.Attributes?.SentTimestamp)),
    now,
  );
}

/** When the failed batch's first record reached the stream (the invocation record says), else when the failure was sent. */
export function failureArrival(body: string | undefined, sentTimestamp: string | undefined): Date {
  // Parsed by the DLQ page's own schema; anything else falls back to when SQS received it.
  const parsed = parseFailureBody(body ?? "");
  const first = parsed.ok ? (parsed.record.DDBStreamBatchInfo.approximateArrivalOfFirstRecord ?? parsed.record.timestamp) : undefined;
  if (first && !Number.isNaN(Date.parse(first))) return new Date(first);
  const sent = Number(sentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? new Date(sent) : new Date(0);
}

async function listFailureObjects(s3: S3Client, bucket: string, prefix: string, now: Date): Promise<{ count: number; truncated: boolean; sample: FailureSample }> {
  const modified: Date[] = [];
  let token: string | undefined;
  let truncated = false;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) if (object.LastModified) modified.push(object.LastModified);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token && modified.length >= FAILURE_LIST_LIMIT) {
      truncated = true;
      break;
    }
  } while (token);
  return { count: modified.length, truncated, sample: failureSample(modified, now) };
}
