import "server-only";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import { createCloudWatchClient, createLambdaClient, createSqsClient } from "../aws/clients";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { consoleClients } from "../http/clients";
import { localStackMappingConfiguration, localStackMappingsEnabled } from "./local-stack-mapping";
import type { ProtectionClients, ReportOptions } from "./protection-report";

let cached: { region: string; clients: ProtectionClients } | undefined;

/** The console's clients plus Lambda, SQS and CloudWatch, made once per process. */
export function protectionClients(config: LazarusConfig): ProtectionClients {
  if (cached?.region !== config.region) {
    const options = { region: config.region };
    cached = {
      region: config.region,
      clients: { ...consoleClients(config), lambda: createLambdaClient(options), sqs: createSqsClient(options), cloudwatch: createCloudWatchClient(options) },
    };
  }
  return cached.clients;
}

/** Report options from the environment: the local stack's mapping description when it is switched on. */
export function protectionReportOptions(config: LazarusConfig): ReportOptions {
  if (!localStackMappingsEnabled()) return {};
  return {
    fallbackMappings: (service: ServiceConfig, streamArn: string | undefined): EventSourceMappingConfiguration | undefined =>
      streamArn ? localStackMappingConfiguration(config, service, streamArn) : undefined,
  };
}
