import { ArchiveInputError } from "@/lib/archive/archive-reader";
import type { KeyValue } from "@/lib/archive/attribute-value";
import {
  findDeletionsByKeyPrefix,
  findDeletionsByPartitionKey,
  findDeletionsInAllServices,
  type KeyLookupResult,
} from "@/lib/archive/key-lookup";
import type { ServiceConfig } from "@/lib/config/schema";
import { searchQuerySchema, type SearchResponse } from "@/lib/http/api-types";
import { toSearchResultRow } from "@/lib/http/archive-rows";
import { requireService } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The typed key a search box's text stands for in one service; binary keys are typed as base64. */
function keyFor(service: ServiceConfig, text: string): KeyValue {
  const { name, type } = service.table.partitionKey;
  if (type === "S") return { S: text };
  if (type === "N") {
    if (!NUMBER.test(text)) throw new ArchiveInputError(`${service.name}'s partition key "${name}" is a number; "${text.slice(0, 40)}" is not one`);
    return { N: text };
  }
  if (!BASE64.test(text)) throw new ArchiveInputError(`${service.name}'s partition key "${name}" is binary: enter it as base64`);
  return { B: text };
}

function merge(results: KeyLookupResult[], limit: number): KeyLookupResult {
  const deletions = results.flatMap((r) => r.deletions);
  return {
    deletions: deletions.slice(0, limit),
    unreadable: results.flatMap((r) => r.unreadable),
    truncated: deletions.length > limit || results.some((r) => r.truncated),
  };
}

export const GET = route({ permission: "archive:read", query: searchQuerySchema }, async ({ query, config, aws }) => {
  const { q, match, limit } = query;
  const s3 = aws().s3;
  let result: KeyLookupResult;
  if (query.service !== "all") {
    const service = requireService(config, query.service);
    result =
      match === "prefix"
        ? await findDeletionsByKeyPrefix(s3, config, service, q, { limit })
        : await findDeletionsByPartitionKey(s3, config, service, keyFor(service, q), { limit });
  } else if (match === "prefix") {
    result = await findDeletionsInAllServices(s3, config, { keyPrefix: q }, { limit });
  } else {
    // Text is a string key everywhere and also a number key where it reads as one; binary keys need a single service.
    const keys: KeyValue[] = NUMBER.test(q) ? [{ S: q }, { N: q }] : [{ S: q }];
    result = merge(await Promise.all(keys.map((partitionKey) => findDeletionsInAllServices(s3, config, { partitionKey }, { limit }))), limit);
  }
  const body: SearchResponse = {
    results: result.deletions.map(toSearchResultRow),
    truncated: result.truncated,
    unreadable: result.unreadable.length,
  };
  return json(body);
});
