import type { Metadata } from "next";
import { can } from "@/lib/auth/roles";
import { requirePageUser } from "@/lib/auth/page";
import { loadConfig } from "@/lib/config/load";
import { serviceFromParam } from "@/lib/http/archive-context";
import { toUserFacingError } from "@/lib/http/error-response";
import { buildProtectionReport } from "@/lib/protection/protection-report";
import { protectionClients, protectionReportOptions } from "@/lib/protection/protection-clients";
import { ServiceProtectionDetail } from "@/components/protection/protection-views";
import { RecheckButton } from "@/components/protection/recheck-button";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ErrorPanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Service protection" };

export default async function ServiceProtectionPage({ params }: { params: Promise<{ service: string }> }) {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const config = loadConfig();
  const service = serviceFromParam(config, (await params).service);
  const crumbs = [{ label: "Overview", href: "/" }, { label: "Protection", href: "/protection" }, { label: service.name }];
  // The whole report shares the fleet's cache; one service's part of it is a few cached describes.
  const only = { ...config, services: [service] };
  let report;
  try {
    report = await buildProtectionReport(protectionClients(config), only, protectionReportOptions(config));
  } catch (error) {
    return (
      <>
        <PageHeader title={`Protection of ${service.name}`} crumbs={crumbs} />
        <ErrorPanel title="Could not check protection" message={toUserFacingError(error).message} />
      </>
    );
  }
  const detail = report.services[0];
  return (
    <>
      <PageHeader title={`Protection of ${service.name}`} crumbs={crumbs}>
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          Checked {new Date(report.generatedAt).toISOString().replace("T", " ").slice(0, 19)} UTC (AWS answers are reused for up to 30 seconds).{" "}
          <RecheckButton service={service.name} />
        </p>
      </PageHeader>
      {detail ? <ServiceProtectionDetail service={detail} canFix={can(access.user.role, "protection:change")} /> : null}
    </>
  );
}
