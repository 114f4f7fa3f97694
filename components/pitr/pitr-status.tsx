import clsx from "clsx";
import type { PitrTableStatus } from "@/lib/pitr/pitr-types";

export function formatElapsed(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

export function StatusBadge({ status }: { status: PitrTableStatus }) {
  return (
    <span
      className={clsx(
        "inline-block rounded px-2 py-0.5 text-xs font-semibold",
        status === "ACTIVE" ? "bg-green-100 text-green-900" : status === "CREATING" || status === "UPDATING" ? "bg-amber-100 text-amber-950" : "bg-red-100 text-red-900",
      )}
    >
      {status}
    </span>
  );
}
