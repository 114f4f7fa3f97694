"use client";

import { useId, useState, type FormEvent } from "react";
import { Search } from "lucide-react";
import type { ErasureQuery } from "@/lib/erasure/erasure-request";
import { busyButtonProps } from "../ui/focus-management";

/** Which subject: a partition key (exact or prefix) in some or all services. */
export function ErasureSearchForm({
  services,
  searching,
  onSearch,
  initialKey = "",
  handedOver = [],
}: {
  services: string[];
  searching: boolean;
  onSearch: (query: ErasureQuery) => void;
  initialKey?: string;
  /** Several subjects' keys handed over from a content search: each is found and erased on its own. */
  handedOver?: string[];
}) {
  const ids = { key: useId(), match: useId(), handedOver: useId() };
  const [key, setKey] = useState(initialKey);
  const [match, setMatch] = useState<"exact" | "prefix">("exact");
  const [chosenServices, setChosenServices] = useState<string[]>([]);

  function search(event: FormEvent) {
    event.preventDefault();
    if (key.length === 0 || searching) return;
    onSearch({ match, key, ...(chosenServices.length > 0 ? { services: chosenServices } : {}) });
  }

  const form = (
    <form onSubmit={search} aria-label="Find a subject's archived records" className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3">
      <div className="flex min-w-0 flex-1 basis-64 flex-col gap-1">
        <label htmlFor={ids.key} className="text-sm font-medium">
          Partition key
        </label>
        <input
          id={ids.key}
          name="key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          autoComplete="off"
          spellCheck={false}
          className="rounded-md border border-slate-300 px-2.5 py-1.5 font-mono text-sm"
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={ids.match} className="text-sm font-medium">
          Match
        </label>
        <select id={ids.match} value={match} onChange={(e) => setMatch(e.target.value as "exact" | "prefix")} className="rounded-md border border-slate-300 px-2.5 py-1.5 text-sm">
          <option value="exact">Exact key</option>
          <option value="prefix">Key prefix</option>
        </select>
      </div>
      <fieldset className="flex flex-col gap-1">
        <legend className="text-sm font-medium">Services (none chosen: all)</legend>
        <div className="flex flex-wrap gap-3 pt-1">
          {services.map((s) => (
            <label key={s} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={chosenServices.includes(s)}
                onChange={(e) => setChosenServices((prev) => (e.target.checked ? [...prev, s] : prev.filter((x) => x !== s)))}
              />
              {s}
            </label>
          ))}
        </div>
      </fieldset>
      <button type="submit" {...busyButtonProps(searching)} className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 aria-disabled:opacity-60">
        <Search aria-hidden="true" className="size-4" />
        {searching ? "Searching…" : "Find records"}
      </button>
    </form>
  );
  if (handedOver.length < 2) return form;
  return (
    <div className="space-y-3">
      <section aria-labelledby={ids.handedOver} className="rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm">
        <h2 id={ids.handedOver} className="font-medium">
          {handedOver.length} subjects handed over from a content search
        </h2>
        <p className="text-slate-700">Each subject is found, confirmed and erased on its own, with its own audit entries. Pick one to find its records.</p>
        <ul className="mt-2 flex flex-wrap gap-2">
          {handedOver.map((k) => (
            <li key={k} className="min-w-0">
              <button
                type="button"
                aria-pressed={key === k}
                onClick={() => {
                  setKey(k);
                  setMatch("exact");
                  if (!searching) onSearch({ match: "exact", key: k, ...(chosenServices.length > 0 ? { services: chosenServices } : {}) });
                }}
                className="rounded-md border border-indigo-300 bg-white px-2 py-1 font-mono text-xs break-all hover:bg-indigo-100 aria-pressed:bg-indigo-700 aria-pressed:text-white"
              >
                {k}
              </button>
            </li>
          ))}
        </ul>
      </section>
      {form}
    </div>
  );
}
