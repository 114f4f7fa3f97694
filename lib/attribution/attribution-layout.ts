import { createHash } from "node:crypto";
import { datePath } from "../archive/layout";
import { decodeKeyValue, encodeKeyValue } from "../archive/key-codec";
import type { KeyValue } from "../archive/attribute-value";
import { isDeleteCapableCall, type DeleteCapableCall } from "./cloudtrail-event";

/**
 * Where attribution records live in the archive bucket, apart from the archive:
 *
 *   {prefix}_attribution/{service}/{yyyy}/{mm}/{dd}/{pk}[_{sk}]/{HHMMSS}Z_{api}_{event}_{principal}.json
 *   {prefix}_attribution/{service}/{yyyy}/{mm}/{dd}/_table/{same name}       (call named no key)
 *
 * One object per (deleted key, CloudTrail event), dated by the call's eventTime. {pk}
 * and {sk} are the archive's key-codec encodings, {event} 16 hex digits of the SHA-256
 * of the eventID (a redelivered event lands on the same name), {principal} the
 * key-codec encoding of the caller's short label. So one LIST of a day shows every
 * key's caller for a day table page, and one LIST of a key's folder finds the calls
 * that deleted it; a service name never starts with "_", so archive walkers never
 * meet this folder.
 */
export const ATTRIBUTION_SEGMENT = "_attribution";
export const KEYLESS_FOLDER = "_table";

export interface AttributionName {
  eventTime: Date;
  api: DeleteCapableCall;
  eventHash: string;
  principalLabel: string;
  /** The encoded key folder, or KEYLESS_FOLDER. */
  keyFolder: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

export function eventHash(eventId: string): string {
  return createHash("sha256").update(eventId, "utf8").digest("hex").slice(0, 16);
}

export function attributionServicePrefix(prefix: string, service: string): string {
  return `${prefix}${ATTRIBUTION_SEGMENT}/${service}/`;
}

export function attributionDayPrefix(prefix: string, service: string, day: Date): string {
  return `${attributionServicePrefix(prefix, service)}${datePath(day)}/`;
}

export function keyFolder(key: { partitionKey: KeyValue; sortKey?: KeyValue } | null): string {
  if (!key) return KEYLESS_FOLDER;
  return [key.partitionKey, ...(key.sortKey ? [key.sortKey] : [])].map(encodeKeyValue).join("_");
}

export function attributionKey(
  prefix: string,
  record: { service: string; eventTime: string; api: DeleteCapableCall; eventId: string; principal: { label: string }; key: { partitionKey: KeyValue; sortKey?: KeyValue } | null },
): string {
  const at = new Date(record.eventTime);
  const time = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}Z`;
  const principal = encodeKeyValue({ S: record.principal.label || "unknown" });
  return `${attributionDayPrefix(prefix, record.service, at)}${keyFolder(record.key)}/${time}_${record.api}_${eventHash(record.eventId)}_${principal}.json`;
}

const NAME = /^(\d{2})(\d{2})(\d{2})Z_([A-Za-z]+)_([0-9a-f]{16})_([^_/]+)\.json$/;

/** Reads a name under a day prefix ("{keyFolder}/{name}"); undefined for anything this layout did not write. */
export function parseAttributionName(relative: string, day: Date): AttributionName | undefined {
  const slash = relative.lastIndexOf("/");
  if (slash <= 0) return undefined;
  const folder = relative.slice(0, slash);
  const m = NAME.exec(relative.slice(slash + 1));
  if (!m || folder.includes("/")) return undefined;
  const [, hh, mi, ss, api, hash, principal] = m as unknown as [string, string, string, string, string, string, string];
  if (!isDeleteCapableCall(api)) return undefined;
  let label: string;
  try {
    // A long label is hashed; its readable start is enough to tell callers apart on a page.
    const readable = principal.includes("~") ? principal.slice(0, principal.indexOf("~")) : principal;
    label = (decodeKeyValue(readable, "S") as { S: string }).S + (readable === principal ? "" : "…");
  } catch {
    return undefined;
  }
  const eventTime = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), Number(hh), Number(mi), Number(ss)));
  return { eventTime, api, eventHash: hash, principalLabel: label, keyFolder: folder };
}
