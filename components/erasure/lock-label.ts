import type { LockState } from "@/lib/erasure/erasure-request";
import { formatUtc } from "@/components/format/time";

export function lockLabel(lock: LockState): string {
  if (lock.state === "none") return "Not locked";
  if (lock.state === "legal-hold") return "Legal hold";
  return `${lock.mode === "COMPLIANCE" ? "Compliance" : "Governance"} retention until ${formatUtc(lock.until)}${lock.legalHold ? " + legal hold" : ""}`;
}
