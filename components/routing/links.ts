/** URLs of the console's pages, built in one place so every link encodes the same way. */

function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function serviceHref(service: string, at?: { year?: number; month?: number }): string {
  return withQuery(`/services/${encodeURIComponent(service)}`, { year: at?.year, month: at?.month });
}

export function dayHref(service: string, date: string, filters?: { type?: string | undefined; prefix?: string | undefined; who?: string | undefined; whoMatch?: string | undefined }): string {
  return withQuery(`/services/${encodeURIComponent(service)}/days/${date}`, {
    type: filters?.type,
    prefix: filters?.prefix,
    who: filters?.who,
    whoMatch: filters?.who ? filters.whoMatch : undefined,
  });
}

/** `back`: the list the record was opened from (search results, a day, a report), for "back to results". */
export function recordHref(service: string, archiveKey: string, back?: string): string {
  return withQuery(`/services/${encodeURIComponent(service)}/record`, { key: archiveKey, back: back ? safeBackPath(back) : undefined });
}

const BACK_SECTIONS = [
  { prefix: "/search", label: "Back to the search results", nav: "/search" },
  { prefix: "/reports", label: "Back to the report", nav: "/reports" },
  { prefix: "/audit", label: "Back to the audit log", nav: "/audit" },
  { prefix: "/incidents", label: "Back to the incident view", nav: "/incidents" },
  { prefix: "/services/", label: "Back to the day's deletions", nav: "/" },
] as const;

/**
 * A list of this console a record page may link back to, or undefined: only same-site
 * paths of the sections above, so a crafted link cannot send anyone elsewhere.
 */
export function safeBackPath(value: string | null | undefined): string | undefined {
  if (!value || value.length > 2048 || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return undefined;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  return BACK_SECTIONS.some((s) => value === s.prefix || value.startsWith(`${s.prefix}?`) || (s.prefix.endsWith("/") && value.startsWith(s.prefix) && value.includes("/days/")))
    ? value
    : undefined;
}

/** The link text for going back to `back`, and the main navigation item it belongs to. */
export function backSection(back: string): { label: string; nav: string } {
  const section = BACK_SECTIONS.find((s) => back.startsWith(s.prefix)) ?? BACK_SECTIONS[4];
  return { label: section.label, nav: section.nav };
}

export function searchHref(query: { q?: string; match?: string; service?: string; who?: string | undefined; whoMatch?: string | undefined }): string {
  return withQuery("/search", { ...query, whoMatch: query.who ? query.whoMatch : undefined });
}

export function auditHref(date?: string, cursor?: string): string {
  return withQuery("/audit", { date, cursor });
}

export function serviceApiPath(service: string, rest: string): string {
  return `/api/services/${encodeURIComponent(service)}/${rest}`;
}

export function incidentHref(query: { from?: string; to?: string; who?: string }): string {
  return withQuery("/incidents", query);
}
