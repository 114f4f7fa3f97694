import { Suspense } from "react";
import Link from "next/link";
import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { ServiceStats, ServiceStatsSkeleton } from "@/components/overview/service-stats";
import { PageHeader } from "@/components/ui/page-header";
import { serviceHref } from "@/components/routing/links";
import { archiveContext } from "@/lib/http/archive-context";

// Per request: the page reads the session and the archive as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const access = await requirePageUser("archive:read");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const { config, s3 } = archiveContext();
  const now = new Date();
  return (
    <>
      <PageHeader title="Overview">
        <p className="text-sm text-slate-600">
          Deletions archived from each service in <code className="font-mono">s3://{config.archive.bucket}/{config.archive.prefix}</code>, by UTC day.
        </p>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-2">
        {config.services.map((service) => {
          const headingId = `service-${service.name}`;
          return (
            <section key={service.name} aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
              <div className="mb-3">
                <h2 id={headingId} className="text-lg font-semibold">
                  <Link href={serviceHref(service.name)} className="underline-offset-2 hover:underline">
                    {service.name}
                  </Link>
                </h2>
                <p className="text-sm text-slate-600">
                  {service.description ? `${service.description} · ` : ""}table <code className="font-mono">{service.table.name}</code>
                </p>
              </div>
              <Suspense fallback={<ServiceStatsSkeleton name={service.name} />}>
                <ServiceStats s3={s3} config={config} service={service} now={now} />
              </Suspense>
            </section>
          );
        })}
      </div>
    </>
  );
}
