import type { Metadata } from "next";
import { PitrHistory } from "@/components/pitr/pitr-history";
import { PitrStartForm } from "@/components/pitr/pitr-start-form";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageUser } from "@/lib/auth/page";
import { loadConfig } from "@/lib/config/load";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Point-in-time restore" };

export default async function PitrPage() {
  const access = await requirePageUser("pitr");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const services = loadConfig().services.map((s) => ({ name: s.name, table: s.table.name }));
  return (
    <>
      <PageHeader title="Point-in-time restore" crumbs={[{ label: "Overview", href: "/" }, { label: "Point-in-time restore" }]} />
      <div className="space-y-8">
        <PitrStartForm services={services} />
        <section aria-labelledby="history-heading" className="space-y-2">
          <h2 id="history-heading" className="text-lg font-semibold">Restores</h2>
          <PitrHistory />
        </section>
      </div>
    </>
  );
}
