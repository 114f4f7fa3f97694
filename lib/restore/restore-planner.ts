import "server-only";
import type { AttributeMap } from "../archive/attribute-value";
import type { ServiceConfig } from "../config/schema";
import { compareItems, type ItemComparison } from "../diff/item-diff";
import { itemFingerprint } from "./live-item";
import { readTtlState, type TtlState } from "./ttl-choice";

/**
 * What restoring an archived item would do: how it differs from the live item,
 * which live item the user is looking at (the fingerprint an overwrite must send
 * back), and whether the item's TTL would delete it again.
 *
 * Server-only because the fingerprint is a SHA-256 from node:crypto. The parts a
 * browser needs (the TTL choices, their schema, applyTtlChoice) live in the
 * isomorphic ./ttl-choice and are re-exported here.
 */
export { applyTtlChoice, readTtlState, ttlChoiceProblem, ttlChoiceSchema, type TtlChoice, type TtlState } from "./ttl-choice";

export interface RestorePlan {
  comparison: ItemComparison;
  liveFingerprint: string;
  ttl: TtlState | null;
}

export function planRestore(input: { service: ServiceConfig; oldImage: AttributeMap; live: AttributeMap | null; now: Date }): RestorePlan {
  return {
    comparison: compareItems(input.oldImage, input.live),
    liveFingerprint: itemFingerprint(input.live),
    ttl: readTtlState(input.oldImage, input.service.table.ttlAttribute, input.now),
  };
}
