import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import type { SessionUser } from "./roles";

/**
 * A monitoring system cannot sign in through OIDC, so routes that allow it (the
 * protection report) also accept `Authorization: Bearer $LAZARUS_MONITORING_TOKEN`.
 * The token stands for this read-only principal; every other route ignores it.
 */
export const MONITORING_PRINCIPAL: SessionUser = { id: "monitoring-token", email: "", name: "Monitoring token", role: "viewer" };

export type MonitoringTokenCheck = "absent" | "valid" | "invalid";

/** Compared as SHA-256 digests, in constant time, so neither length nor prefix leaks. */
export function checkMonitoringToken(headers: Headers, expected: string | null): MonitoringTokenCheck {
  const header = headers.get("authorization");
  if (header === null) return "absent";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || expected === null) return "invalid";
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(match[1]!), digest(expected)) ? "valid" : "invalid";
}
