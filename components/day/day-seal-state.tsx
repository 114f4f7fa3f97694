import clsx from "clsx";
import { Archive, CircleHelp, FolderOpen } from "lucide-react";
import type { DaySealState } from "@/lib/archive/day-seal-state";
import { formatCount, formatUtc } from "@/components/format/time";

const STYLE = {
  sealed: { Icon: Archive, label: "Sealed", className: "bg-indigo-50 text-indigo-950 ring-indigo-300" },
  open: { Icon: FolderOpen, label: "Open", className: "bg-emerald-50 text-emerald-950 ring-emerald-300" },
  unreadable: { Icon: CircleHelp, label: "Seal state unknown", className: "bg-amber-50 text-amber-950 ring-amber-300" },
} as const;

/** Says whether the day's records sit in sealed bundles or are still one object each, and since when. */
export function DaySealStateView({ state }: { state: DaySealState }) {
  const { Icon, label, className } = STYLE[state.state];
  let detail: string;
  if (state.state === "sealed") {
    detail = `on ${formatUtc(state.sealedAt)}: ${formatCount(state.records)} ${state.records === 1 ? "record" : "records"} in gzip bundles, read through the day's manifest.`;
  } else if (state.state === "open") {
    detail = state.isDue
      ? "Its records are still one object each; the day is closed and the next sealing run bundles them."
      : `Its records are one object each until the day is sealed, from ${formatUtc(state.sealableFrom)}.`;
  } else {
    detail = state.problem;
  }
  return (
    <section aria-label="Storage of this day" data-seal-state={state.state} className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
      <span className={clsx("inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 font-medium ring-1", className)}>
        <Icon aria-hidden="true" className="size-4 shrink-0" />
        {label}
      </span>
      <span className="min-w-0 break-words">{detail}</span>
    </section>
  );
}
