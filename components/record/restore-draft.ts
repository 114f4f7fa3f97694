import type { ComparePlan, RestoreMode, TtlChoice } from "../query/api-types";
import { formatUtc } from "../format/time";

/** What the restore form holds until it is sent. `ttlAction` starts unset: the TTL choice is always made on purpose. */
export interface RestoreDraft {
  mode: RestoreMode;
  ttlAction: TtlChoice["action"] | null;
  extendUntil: string;
  otherTable: boolean;
  targetTable: string;
}

export const EMPTY_DRAFT: RestoreDraft = { mode: "no-clobber", ttlAction: null, extendUntil: "", otherTable: false, targetTable: "" };

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A datetime-local value ("2030-01-31T12:00"), read as UTC, to ISO; undefined if it is not one. */
export function utcInputToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export interface DraftProblems {
  ttl?: string;
  extendUntil?: string;
  targetTable?: string;
}

/** Why the draft cannot be sent yet, per field. */
export function problemsOf(draft: RestoreDraft, plan: ComparePlan, now: Date): DraftProblems {
  const problems: DraftProblems = {};
  if (plan.ttl && draft.ttlAction === null) problems.ttl = `Choose what to do with ${plan.ttl.attribute}: keep it, remove it or extend it.`;
  if (plan.ttl && draft.ttlAction === "extend") {
    const iso = utcInputToIso(draft.extendUntil);
    if (!iso) problems.extendUntil = "Enter the new expiry date and time (UTC).";
    else if (Date.parse(iso) <= now.getTime()) problems.extendUntil = "The new expiry must be in the future.";
  }
  if (draft.otherTable) {
    if (!TABLE_NAME.test(draft.targetTable)) problems.targetTable = "Enter a DynamoDB table name (3–255 of A–Z a–z 0–9 _ . -).";
    else if (draft.targetTable === plan.table) problems.targetTable = `That is the service's own table; untick "another table" to restore into it.`;
  }
  return problems;
}

/** The TTL choice the draft stands for; "keep" only when the item has no TTL attribute or the user chose it. */
export function ttlChoiceOf(draft: RestoreDraft, plan: ComparePlan): TtlChoice {
  if (plan.ttl && draft.ttlAction === "extend") return { action: "extend", until: utcInputToIso(draft.extendUntil) ?? "" };
  if (plan.ttl && draft.ttlAction === "drop") return { action: "drop" };
  return { action: "keep" };
}

export function ttlText(choice: TtlChoice, attribute: string): string {
  if (choice.action === "keep") return `keep ${attribute} as archived`;
  if (choice.action === "drop") return `remove ${attribute} (the item will not expire)`;
  return `set ${attribute} to ${formatUtc(choice.until)}`;
}
