"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * The browser's time zone, or null while the server renders and the page hydrates: the
 * server's zone is not the reader's, and text that differs between the two breaks hydration.
 */
export function useBrowserTimeZone(): string | null {
  return useSyncExternalStore(noSubscription, () => Intl.DateTimeFormat().resolvedOptions().timeZone, () => null);
}

export function localTimeText(iso: string, zone: string | null): string {
  if (zone === null) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: zone }).format(date)} in your time zone (${zone})`;
}
