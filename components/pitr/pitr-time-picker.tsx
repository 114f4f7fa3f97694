"use client";

import { formatRelative, formatUtc } from "@/components/format/time";
import { MessagePanel } from "@/components/ui/message-panel";
import { restoreTimeProblem, wholeSecondBounds } from "@/lib/pitr/pitr-window";

/** A datetime-local value read as UTC ("2024-03-05T10:29" or with seconds) to "2024-03-05T10:29:59Z"; "" if it is not one. */
export function utcPickerToIso(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return "";
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return Number.isNaN(Date.parse(`${withSeconds}Z`)) ? "" : `${withSeconds}Z`;
}

/** The same instant in the browser's own time zone, so "UTC" is never misread. */
export function localText(iso: string): string {
  const date = new Date(iso);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const text = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" }).format(date);
  return `${text} in your time zone (${zone})`;
}

/** The server's own rule (lib/pitr/pitr-window.ts), so the warning and the refusal agree. */
export function isInsideWindow(iso: string, window: { earliest: string | null; latest: string | null }): boolean {
  if (!window.earliest || !window.latest) return true;
  return restoreTimeProblem("", { enabled: true, earliest: new Date(window.earliest), latest: new Date(window.latest) }, new Date(iso)) === undefined;
}

/** The whole seconds the picker offers, as datetime-local values; null when none fits or the window is unknown. */
export function pickerBounds(window: { earliest: string | null; latest: string | null }): { min: string; max: string } | null {
  const bounds = wholeSecondBounds({ earliest: window.earliest ? new Date(window.earliest) : null, latest: window.latest ? new Date(window.latest) : null });
  return bounds ? { min: bounds.first.toISOString().slice(0, 19), max: bounds.last.toISOString().slice(0, 19) } : null;
}

/** The restorable window in words: both ends in UTC, how long ago, and in local time. */
export function RestorableWindow({ earliest, latest, now }: { earliest: string | null; latest: string | null; now: Date }) {
  return (
    <div className="space-y-1 text-sm text-slate-700" data-testid="pitr-window">
      <p>
        Restorable from{" "}
        <time dateTime={earliest ?? ""} className="font-medium tabular-nums">
          {earliest ? formatUtc(earliest) : "an unknown time"}
        </time>
        {earliest ? ` (${formatRelative(earliest, now)})` : ""} to{" "}
        <time dateTime={latest ?? ""} className="font-medium tabular-nums">
          {latest ? formatUtc(latest) : "an unknown time"}
        </time>
        {latest ? ` (${formatRelative(latest, now)})` : ""}.
      </p>
      {earliest && latest ? (
        <p className="text-xs text-slate-600">
          In your time zone: {localText(earliest).replace(/ in your time zone.*/, "")} to {localText(latest)}.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The restore time: a date-time control read as UTC (to the second), the same instant in
 * local time beneath it, and a warning when it falls outside the restorable window (the
 * server would refuse it).
 */
export function PitrTimePicker({ value, onChange, window }: { value: string; onChange: (value: string) => void; window: { earliest: string | null; latest: string | null } | null }) {
  const iso = utcPickerToIso(value);
  const outside = iso !== "" && window !== null && !isInsideWindow(iso, window);
  const bounds = window ? pickerBounds(window) : null;
  const tooShort = window?.earliest && window.latest && !bounds ? { earliest: window.earliest, latest: window.latest } : null;
  return (
    <div className="space-y-2">
      <label htmlFor="pitr-time" className="text-sm font-medium">
        Date and time (UTC, to the second)
      </label>
      <input
        id="pitr-time"
        type="datetime-local"
        step={1}
        value={value}
        min={bounds?.min}
        max={bounds?.max}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby="pitr-time-local"
        className="mt-1 block w-full max-w-xs rounded-md border border-slate-300 px-3 py-2 text-sm"
      />
      <p id="pitr-time-local" className="text-xs text-slate-600">
        {iso ? `${formatUtc(iso)}, that is ${localText(iso)}.` : "The time is read as UTC, not your local time."}
      </p>
      {tooShort ? (
        <MessagePanel tone="warning" title="No whole second to restore to yet" headingLevel={3}>
          <p>
            The restorable window, from {formatUtc(tooShort.earliest)} to {formatUtc(tooShort.latest)}, is shorter than a second, and a restore time is
            named to the second. Choose the latest restorable time instead, or wait a moment for the window to grow.
          </p>
        </MessagePanel>
      ) : null}
      {outside ? (
        <MessagePanel tone="warning" title="Outside the restorable window" headingLevel={3} role="alert">
          <p>
            DynamoDB can restore this table only to a time from {window?.earliest ? formatUtc(window.earliest) : "?"} to {window?.latest ? formatUtc(window.latest) : "?"}; the
            restore would be refused. Choose a time inside the window.
          </p>
        </MessagePanel>
      ) : null}
    </div>
  );
}
