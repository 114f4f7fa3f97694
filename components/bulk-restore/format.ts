/** Display helpers for the bulk-restore pages. Isomorphic and pure. */

export function formatEta(seconds: number | null): string {
  if (seconds === null) return "estimating…";
  if (seconds <= 0) return "done";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatRate(itemsPerSecond: number | null): string {
  if (itemsPerSecond === null) return "—";
  return `${itemsPerSecond >= 10 ? Math.round(itemsPerSecond) : itemsPerSecond.toFixed(1)} items/s`;
}

/** The archive-keys the day page's selection sends; a link for "everything matching this filter". */
export function bulkRestoreFilterHref(input: { service: string; date: string; type?: string | undefined; prefix?: string | undefined }): string {
  const query = new URLSearchParams({ service: input.service, from: input.date, to: input.date });
  if (input.type) query.set("type", input.type);
  if (input.prefix) query.set("prefix", input.prefix);
  return `/bulk-restore?${query}`;
}
