import { Hourglass, CircleHelp, UserX } from "lucide-react";
import clsx from "clsx";

export type DeletionTypeLabel = "ttl" | "manual" | null | undefined;

const BADGES = {
  ttl: { text: "TTL", title: "Expired by DynamoDB's time to live", Icon: Hourglass, tone: "bg-amber-100 text-amber-900 ring-amber-300" },
  manual: { text: "Manual", title: "Deleted by a person or an application", Icon: UserX, tone: "bg-sky-100 text-sky-900 ring-sky-300" },
  unknown: { text: "Unknown", title: "Deletion type not known from the object name", Icon: CircleHelp, tone: "bg-slate-100 text-slate-800 ring-slate-300" },
} as const;

/** The text says the type; colour and icon only repeat it. */
export function DeletionTypeBadge({ type, className }: { type: DeletionTypeLabel; className?: string }) {
  const badge = BADGES[type ?? "unknown"];
  return (
    <span
      title={badge.title}
      className={clsx("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap", badge.tone, className)}
    >
      <badge.Icon aria-hidden="true" className="size-3.5" />
      {badge.text}
    </span>
  );
}
