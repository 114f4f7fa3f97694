import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import { ArchiveInputError, type NamedKey } from "@/lib/archive/archive-reader";
import type { KeyValue } from "@/lib/archive/attribute-value";
import {
  findDeletionsByKeyPrefix,
  findDeletionsByPartitionKey,
  findDeletionsInAllServices,
  type FoundDeletion,
  type KeyLookupResult,
} from "@/lib/archive/key-lookup";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { formatRelative, formatUtc } from "../format/time";
import { recordHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { Skeleton, LoadingRegion } from "../ui/skeleton";

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
function keyOfType(q: string, type: "S" | "N" | "B"): KeyValue | undefined {
  if (type === "S") return { S: q };
  if (type === "N") return NUMBER.test(q) ? { N: q } : undefined;
  return BASE64.test(q) && q.length % 4 === 0 ? { B: q } : undefined;
}

interface SearchOutcome extends KeyLookupResult {
  searched: string[];
  skipped: { service: string; why: string }[];
}

async function runSearch(s3: S3Client, config: LazarusConfig, query: SearchQuery): Promise<SearchOutcome> {
  const options = { limit: SEARCH_LIMIT };
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
  if (outcome.deletions.length > SEARCH_LIMIT) {
    outcome.deletions.length = SEARCH_LIMIT;
    outcome.truncated = true;
  }
  return outcome;
}

export function namedKeyText(key: NamedKey): string {
  if (key.hashed) return `${key.encoded.split("~")[0] || ""}… (hashed)`;
  const value = key.value;
  return "S" in value ? value.S : "N" in value ? value.N : value.B;
}

function keyLabel(d: FoundDeletion): string {
  return d.sortKey ? `${namedKeyText(d.partitionKey)} · ${namedKeyText(d.sortKey)}` : namedKeyText(d.partitionKey);
}

export async function SearchResults({ s3, config, query, now }: { s3: S3Client; config: LazarusConfig; query: SearchQuery; now: Date }) {
  let outcome: SearchOutcome;
  try {
    outcome = await runSearch(s3, config, query);
  } catch (error) {
    const facing = toUserFacingError(error);
    return (
      <div role="status" aria-live="polite">
        <ErrorPanel title={facing.status === 400 ? "Cannot search for that" : "Search failed"} message={facing.message} />
      </div>
    );
  }
  const rows = [...outcome.deletions].sort((a, b) => b.deletedAt.getTime() - a.deletedAt.getTime());
  const where = query.service === "all" ? `${outcome.searched.length} of ${config.services.length} services` : query.service.name;
  const summary =
    rows.length === 0
      ? `No archived deletions of a key ${query.match === "prefix" ? "starting with" : "equal to"} “${query.q}” in ${where}.`
      : `${rows.length.toLocaleString("en-US")} ${rows.length === 1 ? "deletion" : "deletions"} found in ${where}${outcome.truncated ? ` (the first ${SEARCH_LIMIT}; more match)` : ""}, newest first.`;

  return (
    <section aria-labelledby="results-heading" className="space-y-3">
      <h2 id="results-heading" className="text-lg font-semibold">
        Results
      </h2>
      <p role="status" aria-live="polite" className="text-sm text-slate-700">
        {summary}
      </p>
      {outcome.truncated ? (
        <MessagePanel tone="warning" title="More deletions match than are shown" headingLevel={3}>
          <p>Only the first {SEARCH_LIMIT} are listed. Use an exact key, a longer prefix or one service to narrow the search.</p>
        </MessagePanel>
      ) : null}
      {outcome.unreadable.length > 0 ? (
        <MessagePanel tone="warning" title={`${outcome.unreadable.length} index ${outcome.unreadable.length === 1 ? "entry" : "entries"} could not be read`} headingLevel={3}>
          <p>The results are complete otherwise. Rebuilding the index (npm run reindex) repairs damaged entries.</p>
        </MessagePanel>
      ) : null}
      {outcome.skipped.length > 0 ? (
        <p className="text-xs text-slate-600">Not searched: {outcome.skipped.map((s) => `${s.service} (${s.why})`).join("; ")}.</p>
      ) : null}
      {rows.length > 0 ? (
        <div className="overflow-x-auto rounded-md border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Archived deletions matching the search, newest first</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-semibold">Key</th>
                <th scope="col" className="px-3 py-2 font-semibold">Service</th>
                <th scope="col" className="px-3 py-2 font-semibold">Deleted at</th>
                <th scope="col" className="px-3 py-2 font-semibold">Type</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((d) => (
                <tr key={`${d.service}:${d.archiveKey}`} className="hover:bg-slate-50">
                  <th scope="row" className="px-3 py-2 text-left font-normal">
                    <Link href={recordHref(d.service, d.archiveKey)} className="font-mono break-all text-indigo-800 underline-offset-2 hover:underline">
                      {keyLabel(d)}
                    </Link>
                  </th>
                  <td className="px-3 py-2">{d.service}</td>
                  <td className="px-3 py-2 whitespace-nowrap tabular-nums">
                    {formatUtc(d.deletedAt)}
                    <span className="block text-xs text-slate-600">{formatRelative(d.deletedAt, now)}</span>
                  </td>
                  <td className="px-3 py-2">
                    <DeletionTypeBadge type={d.deletionType} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

export function SearchResultsSkeleton() {
  return (
    <LoadingRegion label="Searching" className="space-y-2">
      <Skeleton className="h-6 w-32" />
      <Skeleton className="h-4 w-80" />
      {Array.from({ length: 6 }, (_, i) => (
        <Skeleton key={i} className="h-9 w-full" />
      ))}
    </LoadingRegion>
  );
}
