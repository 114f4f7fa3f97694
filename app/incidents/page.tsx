import { Suspense } from "react";
import type { Metadata } from "next";
import { can } from "@/lib/auth/roles";
import { requirePageUser } from "@/lib/auth/page";
import { readIncidentPage, whoText, type IncidentQuery } from "@/lib/incidents/incident-params";
import { queryIncident } from "@/lib/incidents/incident-query";
import { archiveContext } from "@/lib/http/archive-context";
import { toUserFacingError } from "@/lib/http/error-response";
import { IncidentForm } from "@/components/incidents/incident-form";
import { IncidentResults } from "@/components/incidents/incident-results";
import { incidentHref } from "@/components/routing/links";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { BadRequestPanel, ErrorPanel, MessagePanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";
import { TableSkeleton } from "@/components/ui/skeleton";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Incident view" };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function IncidentsPage({ searchParams }: Props) {
  const access = await requirePageUser("incidents");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config } = archiveContext();
  const params = await searchParams;
  const { query, problem } = readIncidentPage(params);
  const header = (
    <PageHeader title="Incident view" crumbs={[{ label: "Overview", href: "/" }, { label: "Incident view" }]}>
      <p className="text-sm text-slate-600">
        What one caller (an IAM role, every session of it, or one session or user) deleted across services in a time window, from CloudTrail data events
        joined to the archive; then put exactly those records back.
      </p>
    </PageHeader>
  );
  if (!config.attribution.enabled) {
    return (
      <>
        {header}
        <MessagePanel tone="warning" title="Attribution is off" headingLevel={2}>
          <p>Lazarus records who deleted what only with `attribution.enabled` in its configuration (docs/ATTRIBUTION.md).</p>
        </MessagePanel>
      </>
    );
  }
  return (
    <>
      {header}
      {problem ? (
        <div className="space-y-4">
          <IncidentForm from="" to="" who="" principals={null} roles={[]} />
          <BadRequestPanel message={problem} />
        </div>
      ) : !query ? (
        <IncidentForm from="" to="" who="" principals={null} roles={[]} />
      ) : (
        <Suspense key={JSON.stringify(query)} fallback={<TableSkeleton rows={6} columns={5} label="Reading who deleted what" />}>
          <IncidentBody query={query} canBulkRestore={can(access.user.role, "bulk-restore")} />
        </Suspense>
      )}
    </>
  );
}

async function IncidentBody({ query, canBulkRestore }: { query: IncidentQuery; canBulkRestore: boolean }) {
  const { config, s3 } = archiveContext();
  let result;
  try {
    result = await queryIncident(s3, config, query);
  } catch (error) {
    return (
      <div className="space-y-4">
        <IncidentForm from={query.from} to={query.to} who={query.who ?? ""} principals={null} roles={[]} />
        <ErrorPanel title="Could not read who deleted what" message={toUserFacingError(error).message} />
      </div>
    );
  }
  const who = result.who ? whoText(result.who) : "";
  const whoLabel = result.who ? (result.who.kind === "role" ? `the role ${result.who.role}` : result.who.label) : "";
  return (
    <div className="space-y-6">
      <IncidentForm from={query.from} to={query.to} who={query.who ?? ""} principals={result.principals} roles={result.roles} />
      {!result.who ? (
        <p className="text-sm text-slate-600" role="status">
          {result.principals.length === 0
            ? "CloudTrail recorded no delete on the protected tables in this window."
            : `${result.principals.length} ${result.principals.length === 1 ? "caller" : "callers"} deleted in this window: choose one, or a role, and show.`}
        </p>
      ) : result.records.length === 0 ? (
        <MessagePanel tone="info" title="No deletions" headingLevel={2}>
          <p>No archived deletion in this window is joined to a call by {whoLabel}.</p>
        </MessagePanel>
      ) : (
        <>
          <p className="text-sm" role="status">
            {result.records.length.toLocaleString("en-US")} deletions by {whoLabel} from {result.window.start.slice(0, 16).replace("T", " ")} to{" "}
            {result.window.end.slice(0, 19).replace("T", " ")} UTC, in {result.tables.join(", ")}.
          </p>
          {result.truncated ? (
            <MessagePanel tone="warning" title="More deletions than one view lists" headingLevel={2}>
              <p>Only the first {result.records.length.toLocaleString("en-US")} are listed; narrow the window.</p>
            </MessagePanel>
          ) : null}
          <IncidentResults
            records={result.records}
            perMinute={result.perMinute}
            tables={result.tables}
            who={whoLabel}
            back={incidentHref({ from: query.from, to: query.to, who })}
            canBulkRestore={canBulkRestore}
          />
        </>
      )}
    </div>
  );
}
