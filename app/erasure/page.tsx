import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page";
import { ErasureConsole } from "@/components/erasure/erasure-console";
import { ForbiddenPanel } from "@/components/ui/forbidden-panel";
import { PageHeader } from "@/components/ui/page-header";
import { loadConfig } from "@/lib/config/load";
import { handedOverKeys } from "@/lib/erasure/erasure-request";

// Per request: the page reads the session.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Erasure" };

export default async function ErasurePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const access = await requirePageUser("erasure");
  if (!access.ok) return <ForbiddenPanel message={access.message} />;
  const config = loadConfig();
  // Subjects' keys handed over from a content search; the form only shows them, nothing runs until asked.
  const handedOver = handedOverKeys((await searchParams).key);
  const initialKey = handedOver[0] ?? "";
  return (
    <>
      <PageHeader title="Erasure of archived personal data">
        <p className="text-sm text-slate-600">
          Find every archived deletion of a subject&apos;s key, then erase the records or redact chosen attributes. Object Lock and legal holds are
          respected; every step is written to the audit log without the key itself.
        </p>
      </PageHeader>
      <ErasureConsole services={config.services.map((s) => s.name)} initialKey={initialKey} handedOver={handedOver} user={{ email: access.user.email, name: access.user.name, role: access.user.role }} />
    </>
  );
}
