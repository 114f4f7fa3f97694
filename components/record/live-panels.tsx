"use client";

import { useQuery } from "@tanstack/react-query";
import { can, type Role } from "@/lib/auth/roles";
import { compareQueryOptions } from "../query/archive-queries";
import { ComparePanel } from "./compare-panel";
import { RestorePanel } from "./restore-panel";

/** Compare and restore read the same comparison: the restore sends back the live item the user saw. */
export function LivePanels({ service, archiveKey, keyText, role }: { service: string; archiveKey: string; keyText: string; role: Role }) {
  const compare = useQuery(compareQueryOptions(service, archiveKey));
  return (
    <>
      <section aria-labelledby="compare-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="compare-heading" className="text-lg font-semibold">
          Compared with the live item
        </h2>
        <ComparePanel compare={compare} />
      </section>
      {can(role, "record:restore") ? (
        <section aria-labelledby="restore-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
          <h2 id="restore-heading" className="text-lg font-semibold">
            Restore
          </h2>
          <RestorePanel service={service} archiveKey={archiveKey} keyText={keyText} role={role} compare={compare} />
        </section>
      ) : null}
    </>
  );
}
