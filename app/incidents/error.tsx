"use client";

import { RouteError } from "@/components/ui/route-error";

export default function IncidentsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <RouteError error={error} retry={retry} what="The incident view" />;
}
