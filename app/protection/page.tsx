import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { can } from "@/lib/auth/roles";
import { loadConfig } from "@/lib/config/load";
import { toUserFacingError } from "@/lib/http/error-response";
import { buildProtectionReport } from "@/lib/protection/protection-report";
import { protectionClients, protectionReportOptions } from "@/lib/protection/protection-clients";
import { ProtectionTable } from "@/components/protection/protection-views";
import { RecheckButton } from "@/components/protection/recheck-button";
import { TrafficLight } from "@/components/protection/traffic-light";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ErrorPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";

// Per request: the report reflects AWS as it is now (describe answers are cached for 30 s).
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Protection" };

export default async function ProtectionPage() {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const config = loadConfig();
  let report;
  try {
    report = await buildProtectionReport(protectionClients(config), config, protectionReportOptions(config));
  } catch (error) {
    return (
      <>
        <PageHeader title="Protection health" crumbs={[{ label: "Overview", href: "/" }, { label: "Protection" }]} />
        <ErrorPanel title="Could not check protection" message={toUserFacingError(error).message} />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Protection health" crumbs={[{ label: "Overview", href: "/" }, { label: "Protection" }]}>
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          Fleet: <TrafficLight light={report.status} /> checked {new Date(report.generatedAt).toISOString().replace("T", " ").slice(0, 19)} UTC (AWS answers are reused for up
          to 30 seconds). PITR coverage policy: {report.thresholds.pitrCoverageDays} days; recovery period policy: {report.thresholds.pitrRecoveryPeriodDays} days; seal lag amber past{" "}
          {report.thresholds.sealLagThresholdDays} days. <RecheckButton />
        </p>
      </PageHeader>
      <ProtectionTable report={report} canReplayDlq={can(access.user.role, "dlq")} />
      <p className="mt-4 text-sm text-slate-700">
        Open a service for each check&apos;s values, why it is red or amber, and the exact fix. The same report is available as JSON at{" "}
        <a href="/api/protection" className="font-mono text-indigo-700 underline">
          /api/protection
        </a>
        .
      </p>
    </>
  );
}
