import { formatDistanceStrict } from "date-fns";

/**
 * Times are shown in UTC everywhere: archive folders are UTC days, and a support
 * agent and a customer in different zones must read the same time.
 */
export function formatUtc(value: Date | string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return "invalid date";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function formatUtcTime(value: Date | string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return "invalid time";
  return date.toISOString().slice(11, 19);
}

/** "3 days ago"; `now` is a parameter so server and tests agree on the result. */
export function formatRelative(value: Date | string, now: Date): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return "";
  return formatDistanceStrict(date, now, { addSuffix: true });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export function monthName(month: number): string {
  return MONTH_NAMES[month - 1] ?? String(month);
}

/** Today's date in UTC as YYYY-MM-DD. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}
