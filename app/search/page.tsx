import { Suspense } from "react";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { listServices } from "@/lib/archive/archive-reader";
import { findService } from "@/lib/config/load";
import { principalFromParams } from "@/lib/attribution/principal-filter";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { SearchForm } from "@/components/search/search-form";
import { SearchResults, SearchResultsSkeleton } from "@/components/search/search-results";
import { parseParams, searchParamsSchema } from "@/components/routing/search-params";
import { archiveContext } from "@/lib/http/archive-context";
import { can } from "@/lib/auth/roles";
import { ContentSearch } from "@/components/search/content-search";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Search" };

export default async function SearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const services = listServices(config);
  const parsed = parseParams(searchParamsSchema, await searchParams);
  const values = parsed.ok
    ? { q: parsed.data.q ?? "", match: parsed.data.match, service: parsed.data.service, who: parsed.data.who, whoMatch: parsed.data.whoMatch }
    : { q: "", match: "exact" as const, service: "all" };
  const principal = parsed.ok ? principalFromParams(parsed.data) : undefined;
  const service = parsed.ok && parsed.data.service !== "all" ? findService(config, parsed.data.service) : undefined;
  const badService = parsed.ok && parsed.data.service !== "all" && !service;

  return (
    <>
      <PageHeader title="Search deletions">
        <p className="text-sm text-slate-600">Find every archived deletion of a partition key, or every deletion whose item held a value (an email address, a status) in a time window.</p>
      </PageHeader>
      <div className="space-y-6">
        <SearchForm services={services} values={{ ...values, service: badService ? "all" : values.service }} />
        {!parsed.ok ? (
          <BadRequestPanel message={parsed.message} />
        ) : badService ? (
          <BadRequestPanel message={`There is no service named "${parsed.data.service}". Pick one from the list.`} />
        ) : parsed.data.q ? (
          <Suspense key={`${parsed.data.q}\u0000${parsed.data.match}\u0000${parsed.data.service}\u0000${principal?.value ?? ""}\u0000${principal?.match ?? ""}`} fallback={<SearchResultsSkeleton />}>
            <SearchResults s3={s3} config={config} query={{ q: parsed.data.q, match: parsed.data.match, service: service ?? "all" }} principal={principal} now={new Date()} />
          </Suspense>
        ) : (
          <p className="text-sm text-slate-600">Enter a key to search.</p>
        )}
        <ContentSearch
          services={services.map((s) => s.name)}
          now={new Date().toISOString()}
          canBulkRestore={can(access.user.role, "bulk-restore")}
          canErase={can(access.user.role, "erasure")}
          canExport={can(access.user.role, "report:export")}
        />
      </div>
    </>
  );
}
