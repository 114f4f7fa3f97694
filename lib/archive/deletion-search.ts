import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { ArchiveInputError } from "./archive-reader";
import type { KeyValue } from "./attribute-value";
import { findDeletionsByKeyPrefix, findDeletionsByPartitionKey, findDeletionsInAllServices, type KeyLookupResult } from "./key-lookup";
import type { LazarusConfig, ServiceConfig } from "../config/schema";

/**
 * Search by what a person types: the text becomes a typed partition key per
 * service (string, number, or base64 for binary keys), and every lookup goes
 * through the by-key index. Shared by the search page and GET /api/search.
 */
export const SEARCH_LIMIT = 200;

export interface SearchQuery {
  q: string;
  match: "exact" | "prefix";
  /** A configured service, or every one. */
  service: ServiceConfig | "all";
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The query as a key of the given type, or undefined when the text cannot be one. */
export function keyOfType(q: string, type: "S" | "N" | "B"): KeyValue | undefined {
  if (type === "S") return { S: q };
  if (type === "N") return NUMBER.test(q) ? { N: q } : undefined;
  return BASE64.test(q) && q.length % 4 === 0 ? { B: q } : undefined;
}

export interface SearchOutcome extends KeyLookupResult {
  searched: string[];
  skipped: { service: string; why: string }[];
}

export async function searchDeletions(s3: S3Client, config: LazarusConfig, query: SearchQuery, limit: number = SEARCH_LIMIT): Promise<SearchOutcome> {
  const options = { limit };
  if (query.service !== "all") {
    const service = query.service;
    if (query.match === "prefix") {
      return { ...(await findDeletionsByKeyPrefix(s3, config, service, query.q, options)), searched: [service.name], skipped: [] };
    }
    const { name, type } = service.table.partitionKey;
    const key = keyOfType(query.q, type);
    if (!key) {
      throw new ArchiveInputError(
        `${service.name}'s partition key "${name}" is ${type === "N" ? "a number" : "binary"}, and “${query.q.slice(0, 80)}” is not ${type === "N" ? "a number" : "base64"}`,
      );
    }
    return { ...(await findDeletionsByPartitionKey(s3, config, service, key, options)), searched: [service.name], skipped: [] };
  }
  if (query.match === "prefix") {
    const result = await findDeletionsInAllServices(s3, config, { keyPrefix: query.q }, options);
    const skipped = config.services.filter((s) => !result.services.includes(s.name)).map((s) => ({ service: s.name, why: "binary keys are found by exact value only" }));
    return { ...result, searched: result.services, skipped };
  }
  // Each key type is one lookup across the services of that type.
  const types = [...new Set(config.services.map((s) => s.table.partitionKey.type))];
  const outcome: SearchOutcome = { deletions: [], unreadable: [], truncated: false, searched: [], skipped: [] };
  for (const type of types) {
    const key = keyOfType(query.q, type);
    const ofType = config.services.filter((s) => s.table.partitionKey.type === type);
    if (!key) {
      const why = type === "N" ? "its partition key is a number and the query is not one" : "its partition key is binary and the query is not base64";
      outcome.skipped.push(...ofType.map((s) => ({ service: s.name, why })));
      continue;
    }
    const result = await findDeletionsInAllServices(s3, config, { partitionKey: key }, options);
    outcome.deletions.push(...result.deletions);
    outcome.unreadable.push(...result.unreadable);
    outcome.truncated ||= result.truncated;
    outcome.searched.push(...result.services);
  }
  if (outcome.deletions.length > limit) {
    outcome.deletions.length = limit;
    outcome.truncated = true;
  }
  return outcome;
}

