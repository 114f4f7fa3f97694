"use client";

import { RouteError } from "@/components/ui/route-error";

export default function BulkRestoreError({ error, retry }: { error: unknown; retry: () => void }) {
  return <RouteError error={error} retry={retry} what="Bulk restore" />;
}
