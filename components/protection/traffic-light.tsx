import clsx from "clsx";
import { CircleCheck, CircleHelp, CircleX, TriangleAlert } from "lucide-react";
import { LIGHT_LABEL, type Light } from "@/lib/protection/protection-types";

const STYLES: Record<Light, { Icon: typeof CircleCheck; className: string }> = {
  green: { Icon: CircleCheck, className: "bg-emerald-50 text-emerald-900 ring-emerald-300" },
  amber: { Icon: TriangleAlert, className: "bg-amber-50 text-amber-950 ring-amber-300" },
  red: { Icon: CircleX, className: "bg-red-50 text-red-900 ring-red-300" },
  unknown: { Icon: CircleHelp, className: "bg-slate-100 text-slate-800 ring-slate-300" },
};

/**
 * What a screen reader says for a light: its severity, then the summary when there is one
 * ("Needs attention: Enabled, on failure → SQS"), so that an amber light never sounds like
 * a green one with a similar summary.
 */
export function spokenLight(light: Light, label?: string): string {
  return label === undefined || label === LIGHT_LABEL[light] ? LIGHT_LABEL[light] : `${LIGHT_LABEL[light]}: ${label}`;
}

/**
 * Colour, icon and words: the status never depends on colour alone. With a summary, the
 * severity the colour and icon show is spoken as hidden text; the icon stays hidden so the
 * severity is not said twice.
 */
export function TrafficLight({ light, label }: { light: Light; label?: string }) {
  const { Icon, className } = STYLES[light];
  const hasOwnWords = label !== undefined && label !== LIGHT_LABEL[light];
  return (
    <span data-light={light} className={clsx("relative inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-sm font-medium ring-1", className)}>
      <Icon aria-hidden="true" className="size-4 shrink-0" />
      {hasOwnWords ? <span className="sr-only">{LIGHT_LABEL[light]}: </span> : null}
      {label ?? LIGHT_LABEL[light]}
    </span>
  );
}
