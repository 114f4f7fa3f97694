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

export function dayHref(service: string, date: string, filters?: { type?: string; prefix?: string }): string {
  return withQuery(`/services/${encodeURIComponent(service)}/days/${date}`, { type: filters?.type, prefix: filters?.prefix });
}

export function recordHref(service: string, archiveKey: string): string {
  return withQuery(`/services/${encodeURIComponent(service)}/record`, { key: archiveKey });
}

export function searchHref(query: { q?: string; match?: string; service?: string }): string {
  return withQuery("/search", query);
}

export function auditHref(date?: string, cursor?: string): string {
  return withQuery("/audit", { date, cursor });
}

export function serviceApiPath(service: string, rest: string): string {
  return `/api/services/${encodeURIComponent(service)}/${rest}`;
}
