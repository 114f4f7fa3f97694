import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { keyValueText } from "../archive/attribute-value";
import { decodeKeyValue } from "../archive/key-codec";
import { findDeletionsByKeyPrefix } from "../archive/key-lookup";
import { INDEX_SEGMENT, servicePrefix } from "../archive/layout";
import { listPage } from "../archive/object-listing";
import type { LazarusConfig, ServiceConfig } from "../config/schema";

/**
 * "Did you mean CONTACT#c-1001?": keys typed without their prefix (`c-1001`) or with it
 * in the wrong case (`contact#c-1001`). The by-key index's own prefixes, the part of each
 * key up to its first "#", come from one delimited LIST per service (S3 groups the keys
 * by "#"); each prefix joined to the typed text is then one prefix lookup. String keys only.
 */

export interface KeySuggestion {
  service: string;
  partitionKey: string;
}

const MAX_PREFIXES = 20;
const MAX_SUGGESTIONS = 10;
const PER_LOOKUP = 5;

/** The key prefixes ("CONTACT#", "ORDER#") the service's index holds: one LIST. */
async function keyPrefixesOf(s3: S3Client, config: LazarusConfig, service: ServiceConfig): Promise<string[]> {
  const base = `${servicePrefix(config.archive.prefix, service.name)}${INDEX_SEGMENT}/`;
  const page = await listPage(s3, { bucket: config.archive.bucket, prefix: base, delimiter: "#", maxKeys: 1000 });
  return page.commonPrefixes
    .map((p) => decodeKeyValue(p.slice(base.length), "S"))
    .flatMap((v) => (v && "S" in v && !v.S.includes("/") ? [v.S] : []))
    .slice(0, MAX_PREFIXES);
}

/** The keys typed text could have meant, with the index's prefixes. */
export function candidatesFor(text: string, prefixes: readonly string[]): string[] {
  const hash = text.lastIndexOf("#");
  if (hash >= 0) {
    const head = text.slice(0, hash + 1).toLowerCase();
    return prefixes.filter((p) => p.toLowerCase() === head && p !== text.slice(0, hash + 1)).map((p) => p + text.slice(hash + 1));
  }
  return prefixes.map((p) => p + text);
}

export async function suggestKeys(s3: S3Client, config: LazarusConfig, text: string, services: readonly ServiceConfig[]): Promise<KeySuggestion[]> {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 512) return [];
  const found = await Promise.all(
    services
      .filter((s) => s.table.partitionKey.type === "S")
      .map(async (service) => {
        const candidates = candidatesFor(trimmed, await keyPrefixesOf(s3, config, service));
        const results = await Promise.all(candidates.map((c) => findDeletionsByKeyPrefix(s3, config, service, c, { limit: PER_LOOKUP })));
        const keys = new Set(results.flatMap((r) => r.deletions.flatMap((d) => (d.partitionKey.hashed ? [] : [keyValueText(d.partitionKey.value)]))));
        return [...keys].map((partitionKey) => ({ service: service.name, partitionKey }));
      }),
  );
  return found.flat().slice(0, MAX_SUGGESTIONS);
}
