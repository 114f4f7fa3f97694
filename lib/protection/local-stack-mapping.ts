import { createHash } from "node:crypto";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import type { LazarusConfig, ServiceConfig } from "../config/schema";

/**
 * The local stack cannot keep an event source mapping inside moto (moto would invoke
 * the function through Docker on every write and clear the stream; docs/LOCAL-STACK.md),
 * so its stream mapping runner does the mapping's work with the settings infra deploys.
 * With LAZARUS_LOCAL_STACK_MAPPINGS=1 the protection report describes that runner's
 * mapping in ListEventSourceMappings' shape instead of reporting "no mapping".
 */
export const LOCAL_STACK_MAPPINGS_ENV = "LAZARUS_LOCAL_STACK_MAPPINGS";

export function localStackMappingsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[LOCAL_STACK_MAPPINGS_ENV] === "1";
}

/** A UUID-shaped digest: the same function and stream give the same mapping id on every run. */
export function mappingUuid(functionArn: string, streamArn: string): string {
  const hex = createHash("sha256").update(`${functionArn}\n${streamArn}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function archiverFunctionArn(config: LazarusConfig, service: ServiceConfig, accountId: string): string {
  return `arn:aws:lambda:${config.region}:${accountId}:function:${service.archiver.functionName}`;
}

/** The on-failure destination's ARN as infra sets it (SQS queue or S3 bucket). */
export function onFailureDestinationArn(config: LazarusConfig, service: ServiceConfig, accountId: string): string {
  return service.onFailure.type === "sqs"
    ? `arn:aws:sqs:${config.region}:${accountId}:${service.onFailure.queueName}`
    : `arn:aws:s3:::${service.onFailure.bucket}`;
}

export function localStackMappingConfiguration(config: LazarusConfig, service: ServiceConfig, streamArn: string): EventSourceMappingConfiguration {
  const accountId = streamArn.split(":")[4] ?? "000000000000";
  const functionArn = archiverFunctionArn(config, service, accountId);
  const a = service.archiver;
  return {
    UUID: mappingUuid(functionArn, streamArn),
    FunctionArn: functionArn,
    EventSourceArn: streamArn,
    State: "Enabled",
    StartingPosition: "TRIM_HORIZON",
    BatchSize: a.batchSize,
    MaximumBatchingWindowInSeconds: a.maximumBatchingWindowSeconds,
    MaximumRetryAttempts: a.maximumRetryAttempts,
    MaximumRecordAgeInSeconds: a.maximumRecordAgeSeconds,
    BisectBatchOnFunctionError: a.bisectBatchOnFunctionError,
    ParallelizationFactor: a.parallelizationFactor,
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["REMOVE"] }) }] },
    DestinationConfig: { OnFailure: { Destination: onFailureDestinationArn(config, service, accountId) } },
  };
}
