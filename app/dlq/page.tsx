import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { dlqClients } from "@/lib/dlq/clients";
import { listFailures } from "@/lib/dlq/dlq-service";
import { loadConfig } from "@/lib/config/load";
import { DlqView } from "@/components/dlq/dlq-view";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { PageHeader } from "@/components/ui/page-header";

// Per request: the destinations are read as they are now.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Failed batches (DLQ)" };

export default async function DlqPage() {
  const access = await requirePageUser("dlq");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const config = loadConfig();
  const initial = await listFailures(dlqClients(config), config, undefined);
  return (
    <>
      <PageHeader title="Failed batches (DLQ)" crumbs={[{ label: "Overview", href: "/" }, { label: "Failed batches" }]}>
        <p className="max-w-3xl text-sm text-slate-700">
          Batches of stream records the archiver gave up on, per service, from each mapping&apos;s on-failure destination. Replay runs the archiver on a
          batch&apos;s records again; a failure is deleted only when every record is archived (or erased). Listing does not consume anything.
        </p>
      </PageHeader>
      <DlqView initial={initial} />
    </>
  );
}
