import Form from "next/form";
import { Search } from "lucide-react";
import type { ServiceSummary } from "@/lib/archive/archive-reader";
import { CallerFilterFields } from "../attribution/caller-filter-fields";

const TYPE_WORDS = { S: "string", N: "number", B: "binary, entered as base64" } as const;

/**
 * A GET form: the query lives in the URL, so results can be linked and the back button works.
 * next/form submits it as a client-side navigation, so the page is not reloaded and focus stays
 * on the Search button while the results stream in below (and are announced).
 */
export function SearchForm({ services, values }: { services: ServiceSummary[]; values: { q: string; match: "exact" | "prefix"; service: string; who?: string | undefined; whoMatch?: "contains" | "equals" | undefined } }) {
  const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <Form action="/search" role="search" aria-label="Find deletions by key" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex min-w-64 flex-1 flex-col gap-1">
          <label htmlFor="search-q" className="text-sm font-medium">
            Partition key
          </label>
          <input
            id="search-q"
            name="q"
            type="search"
            defaultValue={values.q}
            maxLength={2048}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="search-q-hint"
            className={`${field} font-mono`}
          />
        </div>
        <fieldset className="flex flex-col gap-1">
          <legend className="mb-1 text-sm font-medium">Match</legend>
          <div className="flex gap-3 py-1.5 text-sm">
            <label className="flex items-center gap-1.5">
              <input type="radio" name="match" value="exact" defaultChecked={values.match === "exact"} />
              Exact key
            </label>
            <label className="flex items-center gap-1.5">
              <input type="radio" name="match" value="prefix" defaultChecked={values.match === "prefix"} />
              Starts with
            </label>
          </div>
        </fieldset>
        <div className="flex flex-col gap-1">
          <label htmlFor="search-service" className="text-sm font-medium">
            Service
          </label>
          <select id="search-service" name="service" defaultValue={values.service} className={field}>
            <option value="all">All services</option>
            {services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <CallerFilterFields
          idPrefix="search"
          label="Deleted by (role, caller or ARN)"
          placeholder="optional"
          who={values.who}
          whoMatch={values.whoMatch}
          fieldClassName={field}
          whoClassName="flex min-w-56 flex-1 flex-col gap-1"
        />
        <button type="submit" className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
          <Search aria-hidden="true" className="size-4" />
          Search
        </button>
      </div>
      <div id="search-q-hint" className="text-xs text-slate-600">
        <p>The partition key as stored, for example a customer id. Lookups use the by-key index, so they take the same time however large the archive is.</p>
        <ul className="mt-1 flex flex-wrap gap-x-4">
          {services.map((s) => (
            <li key={s.name}>
              {s.name}: <code className="font-mono">{s.partitionKey.name}</code> ({TYPE_WORDS[s.partitionKey.type]})
            </li>
          ))}
        </ul>
      </div>
    </Form>
  );
}
