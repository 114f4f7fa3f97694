/**
 * What Lazarus tells people without being asked (docs/ALERTS.md). Isomorphic: the
 * config schema and the audit page name these.
 */
export const ALERT_EVENTS = ["protection-red", "dlq-grew", "drill-failed", "approval-requested", "erasure-ran", "seal-failed"] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export const ALERT_EVENT_LABELS: Record<AlertEvent, string> = {
  "protection-red": "Protection turned red",
  "dlq-grew": "DLQ grew",
  "drill-failed": "Restore drill failed",
  "approval-requested": "Approval requested",
  "erasure-ran": "Erasure ran",
  "seal-failed": "Sealing failed",
};

export interface Alert {
  event: AlertEvent;
  /** One line: the chat message's text and the SNS subject. Never record contents or erased keys. */
  title: string;
  /** A few lines of detail. */
  lines: string[];
  /** The console page to open, as a path ("/protection/usr-contact-svc"); made absolute with the console's public URL. */
  path: string;
  service?: string;
}
