import "server-only";
import Link from "next/link";
import type { S3Client } from "@aws-sdk/client-s3";
import type { NamedKey } from "@/lib/archive/archive-reader";
import { keyOfType, SEARCH_LIMIT, searchDeletions, type SearchOutcome, type SearchQuery } from "@/lib/archive/deletion-search";
import { erasedOn, findErasure } from "@/lib/erasure/erasure-ledger";
import type { FoundDeletion } from "@/lib/archive/key-lookup";
import type { LazarusConfig } from "@/lib/config/schema";
import { toUserFacingError } from "@/lib/http/error-response";
import { suggestKeys, type KeySuggestion } from "@/lib/search/key-suggestions";
import { formatRelative, formatUtc } from "../format/time";
import { recordHref, searchHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { deletedByText } from "../day/deleted-by-cell";
import { callerVerdict, countVerdict, deletedByForDeletions, type CallerCounts, type DeletedByCell } from "@/lib/attribution/day-attribution";
import { principalQuery, type PrincipalFilter } from "@/lib/attribution/principal-filter";
import { ErrorPanel, MessagePanel } from "../ui/message-panel";
import { Skeleton, LoadingRegion } from "../ui/skeleton";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { Announce } from "../ui/status-region";

export function namedKeyText(key: NamedKey): string {
  if (key.hashed) return `${key.encoded.split("~")[0] || ""}… (hashed)`;
  const value = key.value;
  return "S" in value ? value.S : "N" in value ? value.N : value.B;
}

function keyLabel(d: FoundDeletion): string {
  return d.sortKey ? `${namedKeyText(d.partitionKey)} · ${namedKeyText(d.sortKey)}` : namedKeyText(d.partitionKey);
}

/**
 * For an exact key, whether the erasure ledger holds it (one GET per service): an erased
 * key finds nothing, and the page should say why rather than "no deletions".
 */
async function erasuresOf(s3: S3Client, config: LazarusConfig, query: SearchQuery): Promise<{ service: string; day: string }[]> {
  if (query.match !== "exact") return [];
  const services = query.service === "all" ? config.services : [query.service];
  const found = await Promise.all(
    services.map(async (service) => {
      const key = keyOfType(query.q, service.table.partitionKey.type);
      if (!key) return null;
      // The search itself answers even if the ledger cannot be read; the note is the extra.
      const erasure = await findErasure(s3, config, service, key).catch(() => null);
      return erasure ? { service: service.name, day: erasedOn(erasure) } : null;
    }),
  );
  return found.filter((e) => e !== null);
}

export async function SearchResults({ s3, config, query, principal, now }: { s3: S3Client; config: LazarusConfig; query: SearchQuery; principal?: PrincipalFilter | undefined; now: Date }) {
  let outcome: SearchOutcome;
  let erasures: { service: string; day: string }[];
  try {
    [outcome, erasures] = await Promise.all([searchDeletions(s3, config, query), erasuresOf(s3, config, query)]);
  } catch (error) {
    const facing = toUserFacingError(error);
    const title = facing.status === 400 ? "Cannot search for that" : "Search failed";
    return (
      <div>
        <Announce message={`${title}: ${facing.message}`} />
        <ErrorPanel title={title} message={facing.message} />
      </div>
    );
  }
  // Nothing under the key as typed: offer the keys it may stand for ("c-1001" → "CONTACT#c-1001").
  const suggestions: KeySuggestion[] =
    outcome.deletions.length === 0 ? await suggestKeys(s3, config, query.q, query.service === "all" ? config.services : [query.service]).catch(() => []) : [];
  const back = searchHref({ q: query.q, match: query.match, service: query.service === "all" ? "all" : query.service.name, ...principalQuery(principal) });
  const found = [...outcome.deletions].sort((a, b) => b.deletedAt.getTime() - a.deletedAt.getTime());
  // Who deleted each: one LIST per service-day of the results; without a caller filter the results stand without it.
  let deletedBy = new Map<string, DeletedByCell>();
  if (config.attribution.enabled || principal) {
    try {
      deletedBy = await deletedByForDeletions(s3, config, found, now);
    } catch (error) {
      if (principal) return <ErrorPanel title="Could not filter by caller" message={toUserFacingError(error).message} />;
    }
  }
  const counts: CallerCounts = { examined: 0, matched: 0, notYetKnown: 0, noCaller: 0 };
  const rows = principal
    ? found.filter((d) => {
        const verdict = callerVerdict(deletedBy.get(d.archiveKey), d.deletionType, principal);
        countVerdict(counts, verdict);
        return verdict === "matched";
      })
    : found;
  const where = query.service === "all" ? `${outcome.searched.length} of ${config.services.length} services` : query.service.name;
  const n = (v: number) => v.toLocaleString("en-US");
  const deletions = (v: number) => `${n(v)} ${v === 1 ? "deletion" : "deletions"}`;
  const truncated = outcome.truncated ? ` (the first ${SEARCH_LIMIT}; more match)` : "";
  const summary =
    found.length === 0
      ? `No archived deletions of a key ${query.match === "prefix" ? "starting with" : "equal to"} “${query.q}” in ${where}.`
      : principal
        ? `${n(rows.length)} of ${deletions(found.length)} found in ${where}${truncated} ${rows.length === 1 ? "matches" : "match"} the caller filter “${principal.value}”${rows.length > 0 ? ", newest first" : ""}.`
        : `${deletions(found.length)} found in ${where}${truncated}, newest first.`;

  return (
    <section aria-labelledby="results-heading" className="space-y-3">
      <h2 id="results-heading" className="text-lg font-semibold">
        Results
      </h2>
      {/* Said through the page-wide live region: this paragraph arrives with the results, too late to be a live region itself. */}
      <Announce message={summary} />
      <p className="text-sm text-slate-700">{summary}</p>
      {principal && (counts.notYetKnown > 0 || counts.noCaller > 0) ? (
        <p className="text-sm text-slate-700">
          Not shown:{" "}
          {[
            counts.notYetKnown > 0 ? `${deletions(counts.notYetKnown)} not yet attributed (CloudTrail delivers a call within minutes; look again later)` : "",
            counts.noCaller > 0 ? `${n(counts.noCaller)} manual ${counts.noCaller === 1 ? "deletion has" : "deletions have"} no known caller` : "",
          ]
            .filter(Boolean)
            .join("; ")}
          .
        </p>
      ) : null}
      {suggestions.length > 0 ? (
        <div className="rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm">
          <p className="font-medium">Did you mean</p>
          <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
            {suggestions.map((s) => (
              <li key={`${s.service}:${s.partitionKey}`}>
                <Link href={searchHref({ q: s.partitionKey, match: "exact", service: s.service })} className="font-mono break-all text-indigo-800 underline underline-offset-2">
                  {s.partitionKey}
                </Link>{" "}
                <span className="text-xs text-slate-600">in {s.service}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {erasures.map((e) => (
        <MessagePanel key={e.service} title={`Erased on ${e.day} in ${e.service}`} headingLevel={3}>
          <p>
            The archived deletions of “{query.q}” in {e.service} up to that day were erased at the subject&apos;s request: they cannot be found, read or restored.
            {rows.some((d) => d.service === e.service) ? " The deletions listed below came later." : ""}
          </p>
        </MessagePanel>
      ))}
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
        <ScrollRegion label="Search results" className="rounded-md border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Archived deletions matching the search, newest first</caption>
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-semibold">Key</th>
                <th scope="col" className="hidden px-3 py-2 font-semibold sm:table-cell">Service</th>
                <th scope="col" className="hidden px-3 py-2 font-semibold sm:table-cell">Deleted at</th>
                <th scope="col" className="px-3 py-2 font-semibold">Type</th>
                {config.attribution.enabled || principal ? <th scope="col" className="px-3 py-2 font-semibold">Deleted by</th> : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((d) => (
                <tr key={`${d.service}:${d.archiveKey}`} className="hover:bg-slate-50">
                  <th scope="row" className="px-3 py-2 text-left font-normal">
                    <Link href={recordHref(d.service, d.archiveKey, back)} className="font-mono break-all text-indigo-800 underline-offset-2 hover:underline">
                      {keyLabel(d)}
                    </Link>
                    {/* A phone has room for the key and its type only: the rest goes under the key. */}
                    <span className="block text-xs text-slate-600 tabular-nums sm:hidden">
                      {d.service} · {formatUtc(d.deletedAt)} · {formatRelative(d.deletedAt, now)}
                    </span>
                  </th>
                  <td className="hidden px-3 py-2 sm:table-cell">{d.service}</td>
                  <td className="hidden px-3 py-2 whitespace-nowrap tabular-nums sm:table-cell">
                    {formatUtc(d.deletedAt)}
                    <span className="block text-xs text-slate-600">{formatRelative(d.deletedAt, now)}</span>
                  </td>
                  <td className="px-3 py-2">
                    <DeletionTypeBadge type={d.deletionType} />
                  </td>
                  {config.attribution.enabled || principal ? (
                    <td className="px-3 py-2 break-all" title={deletedByText(deletedBy.get(d.archiveKey)).title}>
                      {deletedByText(deletedBy.get(d.archiveKey)).text}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
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
