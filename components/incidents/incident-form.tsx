"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Search } from "lucide-react";
import { formatUtc } from "@/components/format/time";
import { utcPickerToIso } from "@/components/pitr/pitr-time-picker";
import { localTimeText, useBrowserTimeZone } from "./local-time";
import { incidentHref } from "@/components/routing/links";
import type { IncidentPrincipal } from "@/lib/incidents/incident-params";

const input = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";

function TimeField({ id, label, value, onChange }: { id: string; label: string; value: string; onChange: (v: string) => void }) {
  const iso = utcPickerToIso(value);
  const zone = useBrowserTimeZone();
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">{label}</label>
      <input id={id} type="datetime-local" required step={60} className={input} value={value} onChange={(e) => onChange(e.target.value.slice(0, 16))} aria-describedby={`${id}-local`} />
      <p id={`${id}-local`} className="text-xs text-slate-600">{iso ? `${formatUtc(iso)}${zone ? `, that is ${localTimeText(iso, zone)}` : ""}` : "Read as UTC, not your local time."}</p>
    </div>
  );
}

/**
 * A UTC window to the minute, then who: the callers seen in that window (a role covers
 * all of its sessions). Submitting puts the choice in the URL, so a view can be shared.
 */
export function IncidentForm({
  from: initialFrom,
  to: initialTo,
  who: initialWho,
  principals,
  roles,
}: {
  from: string;
  to: string;
  who: string;
  principals: IncidentPrincipal[] | null;
  roles: { role: string; sessions: number; calls: number }[];
}) {
  const router = useRouter();
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [who, setWho] = useState(initialWho);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    router.push(incidentHref({ from, to, who }));
  };
  const known = principals !== null && (who === "" || roles.some((r) => `role:${r.role}` === who) || principals.some((p) => `principal:${p.label}` === who));
  return (
    <form onSubmit={submit} aria-label="Incident window" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <TimeField id="incident-from" label="From (UTC)" value={from} onChange={setFrom} />
        <TimeField id="incident-to" label="To (UTC, the whole minute)" value={to} onChange={setTo} />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="incident-who" className="text-sm font-medium">Who deleted</label>
        <select id="incident-who" className={`${input} max-w-full`} value={who} onChange={(e) => setWho(e.target.value)} disabled={principals === null}>
          <option value="">{principals === null ? "Choose a window first" : principals.length === 0 ? "No caller recorded in this window" : "Choose a role or a caller…"}</option>
          {roles.length > 0 ? (
            <optgroup label="Roles (every session)">
              {roles.map((r) => (
                <option key={r.role} value={`role:${r.role}`}>
                  {r.role} ({r.sessions} {r.sessions === 1 ? "session" : "sessions"}, {r.calls.toLocaleString("en-US")} deletes)
                </option>
              ))}
            </optgroup>
          ) : null}
          {principals && principals.length > 0 ? (
            <optgroup label="Callers">
              {principals.map((p) => (
                <option key={p.label} value={`principal:${p.label}`}>
                  {p.label} ({p.calls.toLocaleString("en-US")} deletes)
                </option>
              ))}
            </optgroup>
          ) : null}
          {!known && who ? <option value={who}>{who.replace(/^(role|principal):/, "")} (not seen in this window)</option> : null}
        </select>
        <p className="text-xs text-slate-600">The callers CloudTrail recorded deleting from the protected tables in the window; show the window first to list them.</p>
      </div>
      <button type="submit" className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
        <Search aria-hidden="true" className="size-4" />
        Show
      </button>
    </form>
  );
}
