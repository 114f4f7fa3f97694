"use client";

import { RouteError } from "@/components/ui/route-error";

export default function DrillsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <RouteError error={error} retry={retry} what="The restore drills" />;
}
