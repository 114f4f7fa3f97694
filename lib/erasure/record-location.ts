import "server-only";
import { createHash } from "node:crypto";
import { parseArchiveName, servicePrefix, splitDatedKey } from "../archive/layout";
import type { LazarusConfig } from "../config/schema";

/**
 * Where an archived record is, without the key text its object name carries, for audit
 * entries about erased keys (the erasure's own, and restores refused because of one):
 * "{service}/{yyyy}/{mm}/{dd}/#{record id}", the record id being the hash of the stream
 * event id already in the name; names not in the standard layout become
 * "#sha256:{32 hex digits of SHA-256 of the full object key}". Someone holding the key
 * can recompute it; the log alone cannot give the key back.
 */
export function recordLocation(config: LazarusConfig, service: string, archiveKey: string): string {
  const base = servicePrefix(config.archive.prefix, service);
  const dated = archiveKey.startsWith(base) ? splitDatedKey(archiveKey.slice(base.length)) : undefined;
  const hash = `#sha256:${createHash("sha256").update(archiveKey, "utf8").digest("hex").slice(0, 32)}`;
  if (!dated) return `${service}/${hash}`;
  const day = `${String(dated.day.year).padStart(4, "0")}/${String(dated.day.month).padStart(2, "0")}/${String(dated.day.day).padStart(2, "0")}`;
  const parsed = parseArchiveName(dated.name, dated.day);
  return `${service}/${day}/${parsed ? `#${parsed.id}` : hash}`;
}
