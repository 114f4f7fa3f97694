/**
 * The restorable window check, done by the console itself (moto does not validate
 * windows, and a clear message beats DynamoDB's). Isomorphic and pure.
 */
export interface RestorableWindow {
  enabled: boolean;
  earliest: Date | null;
  latest: Date | null;
}

/** Why `time` (whole seconds, or "latest") cannot be restored to, or undefined when it can. */
export function restoreTimeProblem(table: string, window: RestorableWindow, time: Date | "latest"): string | undefined {
  if (!window.enabled) {
    return `point-in-time recovery is not enabled on ${table}, so it cannot be restored to a point in time (aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true; restores then reach back to the moment it was enabled)`;
  }
  if (time === "latest") return undefined;
  if (!window.earliest || !window.latest) return `DynamoDB did not report a restorable window for ${table}`;
  const show = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  // The window's ends carry milliseconds; a whole second is inside only if it is not before the earliest instant.
  if (time.getTime() < window.earliest.getTime() || time.getTime() > window.latest.getTime()) {
    return `${show(time)} is outside ${table}'s restorable window (${window.earliest.toISOString()} to ${window.latest.toISOString()}); pick a time inside it or "latest"`;
  }
  return undefined;
}

/**
 * The whole seconds a restore can name: the earliest end rounded up to its second, the
 * latest rounded down. Null when the window is not known or no whole second fits in it
 * (a table whose recovery was enabled less than a second before the latest end).
 */
export function wholeSecondBounds(window: { earliest: Date | null; latest: Date | null }): { first: Date; last: Date } | null {
  if (!window.earliest || !window.latest) return null;
  const first = new Date(Math.ceil(window.earliest.getTime() / 1000) * 1000);
  const last = new Date(Math.floor(window.latest.getTime() / 1000) * 1000);
  return first.getTime() <= last.getTime() ? { first, last } : null;
}
