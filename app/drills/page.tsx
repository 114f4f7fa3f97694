import type { Metadata } from "next";
import { can } from "@/lib/auth/roles";
import { requirePageUser } from "@/lib/auth/page";
import { listDrillHistory } from "@/lib/drills/drill-history";
import { archiveContext } from "@/lib/http/archive-context";
import { DrillResult } from "@/components/drills/drill-result";
import { DrillTrendChartLazy } from "@/components/drills/drill-trend-chart-lazy";
import { EvidenceDownload } from "@/components/drills/evidence-download";
import { RunDrillButton } from "@/components/drills/run-drill-button";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { MessagePanel } from "@/components/ui/message-panel";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Drills" };

/** Newest shown first in the list; the charts read left to right in time. */
const LIST_LIMIT = 10;

export default async function DrillsPage() {
  const access = await requirePageUser("drills");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const history = await listDrillHistory(s3, config);
  const canRun = can(access.user.role, "drills:run");
  return (
    <>
      <PageHeader title="Restore drills" crumbs={[{ label: "Overview", href: "/" }, { label: "Drills" }]}>
        <p className="max-w-3xl text-sm text-slate-700">
          A drill restores a table to its latest restorable time into a scratch table, times it until ACTIVE (RTO), compares item counts, puts a random sample of recently archived
          records into it and reads them back, records how far behind the restorable window is (RPO), and deletes the scratch table.
        </p>
      </PageHeader>
      <div className="space-y-8">
        <section aria-labelledby="evidence" className="space-y-2">
          <h2 id="evidence" className="text-lg font-semibold">
            Evidence
          </h2>
          <EvidenceDownload now={new Date()} />
        </section>
        {history.length === 0 ? (
          <MessagePanel tone="info" title="No drills configured">
            <p>
              This console&apos;s configuration has no <code>drills</code> block, so no table is drilled. Add one per service (docs/DRILLS.md).
            </p>
          </MessagePanel>
        ) : null}
        {history.map((h) => {
          const points = h.reports.map((r) => ({ at: r.startedAt, passed: r.passed }));
          const passed = h.reports.filter((r) => r.passed).length;
          const newest = [...h.reports].reverse().slice(0, LIST_LIMIT);
          return (
            <section key={h.service} aria-labelledby={`drills-${h.service}`} className="space-y-3">
              <div>
                <h2 id={`drills-${h.service}`} className="text-lg font-semibold">
                  {h.service}
                </h2>
                <p className="text-sm break-words text-slate-600">
                  Table <code className="font-mono">{h.table}</code>, {h.settings.schedule}, sample of {h.settings.sampleSize} from {h.settings.sampleDays} days, item count within{" "}
                  {h.settings.itemCountTolerancePercent}%, RTO at most {h.settings.maxRtoMinutes} min. {h.reports.length === 0 ? "No drill yet." : `${passed} of ${h.reports.length} passed.`}
                </p>
              </div>
              {canRun ? <RunDrillButton service={h.service} /> : null}
              {h.reports.length > 0 ? (
                <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
                  <DrillTrendChartLazy
                    data={points.map((p, i) => ({ ...p, seconds: h.reports[i]!.restore.rtoSeconds === null ? null : Math.round(h.reports[i]!.restore.rtoSeconds!) }))}
                    name="RTO"
                    color="#0369a1"
                    limitSeconds={h.settings.maxRtoMinutes * 60}
                    caption={`RTO per drill of ${h.service}, in seconds; dashed: the maximum allowed; a gap: never ACTIVE`}
                  />
                  <DrillTrendChartLazy
                    data={points.map((p, i) => ({ ...p, seconds: h.reports[i]!.pitr.rpoSeconds === null ? null : Math.round(h.reports[i]!.pitr.rpoSeconds!) }))}
                    name="RPO"
                    color="#d97706"
                    caption={`RPO per drill of ${h.service}, in seconds`}
                  />
                </div>
              ) : null}
              <div className="space-y-2">
                <h3 className="text-base font-semibold">History</h3>
                {newest.length === 0 ? <p className="text-sm text-slate-600">No drill has run yet.</p> : newest.map((r) => <DrillResult key={r.id} report={r} />)}
              </div>
            </section>
          );
        })}
      </div>
    </>
  );
}
