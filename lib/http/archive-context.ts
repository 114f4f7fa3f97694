import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { notFound } from "next/navigation";
import { findService, loadConfig } from "../config/load";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { consoleClients } from "./clients";

/** What a page needs to read the archive: the config and the process's AWS clients. */
export function archiveContext(): { config: LazarusConfig; s3: S3Client; dynamodb: DynamoDBClient } {
  const config = loadConfig();
  return { config, ...consoleClients(config) };
}

/**
 * The configured service a URL names, or the 404 page: a service name from a
 * URL never reaches S3 except as the config's own object.
 */
export function serviceFromParam(config: LazarusConfig, name: string): ServiceConfig {
  return findService(config, name) ?? notFound();
}
