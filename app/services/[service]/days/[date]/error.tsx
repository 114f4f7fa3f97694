"use client";

import { RouteError } from "@/components/ui/route-error";

export default function DayError({ error, retry }: { error: unknown; retry: () => void }) {
  return <RouteError error={error} retry={retry} what="This day's deletions" />;
}
