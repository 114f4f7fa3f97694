import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { PolicySizeEstimator, StatementJson } from "./policy-size";

/** Each policy of a tier is packed to at most this many estimated characters: IAM allows 6,144. */
export const CONSOLE_POLICY_TARGET_CHARS = 5_500;

/**
 * A part of a statement that goes into a policy whole: some actions on the resources
 * of one group (shared, a service, a failure bucket, an alarm). Within a policy the
 * grants of one Sid become one statement, so they must agree on the actions and the
 * conditions; those limited to list prefixes name the same bucket.
 */
export interface Grant {
  sid: string;
  actions: string[];
  resources: string[];
  /** Object prefixes (`s3:prefix`, matched with a trailing `*`) the listing is limited to. */
  listPrefixes?: string[];
  conditions?: Record<string, Record<string, unknown>>;
  /** A guard: denies the actions on the resources, whatever else allows them. */
  deny?: boolean;
}

/**
 * Packs a tier's grant groups into policies: each group into the first policy it
 * fits in, else a new one; a group no empty policy holds goes grant by grant.
 */
export function packPolicies({ groups, sids }: { groups: readonly Grant[][]; sids: readonly string[] }, estimator: PolicySizeEstimator): PolicyDraft[] {
  const policies: PolicyDraft[] = [];
  const place = (grants: readonly Grant[]): boolean => {
    if (policies.some((p) => p.add(grants))) return true;
    const fresh = new PolicyDraft(policies.length + 1, estimator, sids);
    if (!fresh.add(grants)) return false;
    policies.push(fresh);
    return true;
  };
  for (const group of groups) {
    if (place(group)) continue;
    for (const grant of group) {
      if (!place([grant])) {
        throw new Error(`The console's ${grant.sid} grant on ${grant.resources.join(", ")} alone exceeds ${CONSOLE_POLICY_TARGET_CHARS} characters`);
      }
    }
  }
  return policies;
}

/** A statement being packed: the grants of one Sid in one policy, merged. */
interface Merged extends Grant {
  size?: number;
}

/** One managed policy of a tier being packed, numbered from 1. */
export class PolicyDraft {
  private merged = new Map<string, Merged>();
  size: number;

  constructor(
    readonly number: number,
    private readonly estimator: PolicySizeEstimator,
    /** The order statements are written in: that of the code granting them. */
    private readonly sids: readonly string[],
  ) {
    this.size = estimator.documentSize([]);
  }

  /** Adds the grants if the policy stays within the target size, and says whether it did. */
  add(grants: readonly Grant[]): boolean {
    const next = new Map(this.merged);
    for (const grant of grants) next.set(grant.sid, merge(next.get(grant.sid), grant));
    const size = this.estimator.documentSize([...next.values()].map((m) => (m.size ??= this.estimator.statementSize(this.json(m)))));
    if (size > CONSOLE_POLICY_TARGET_CHARS) return false;
    this.merged = next;
    this.size = size;
    return true;
  }

  statements(): PolicyStatement[] {
    const rank = (m: Merged) => this.sids.indexOf(m.sid);
    return [...this.merged.values()].sort((a, b) => rank(a) - rank(b)).map((m) => {
      const { Sid: sid, Effect: effect, Action: actions, Resource: resources, Condition: conditions } = this.json(m);
      return new PolicyStatement({ sid, effect: effect === "Deny" ? Effect.DENY : Effect.ALLOW, actions, resources, ...(conditions ? { conditions } : {}) });
    });
  }

  /** Sids are unique across a tier: a statement of policy -2 has Sid `{Sid}2`. */
  private json(m: Merged): StatementJson {
    const conditions = m.listPrefixes
      ? { ...m.conditions, StringLike: { ...m.conditions?.StringLike, "s3:prefix": m.listPrefixes.map((p) => `${p}*`) } }
      : m.conditions;
    return {
      Sid: this.number === 1 ? m.sid : `${m.sid}${this.number}`,
      Effect: m.deny ? "Deny" : "Allow",
      Action: m.actions,
      Resource: m.resources,
      ...(conditions ? { Condition: conditions } : {}),
    };
  }
}

/** The statement with the grant's resources and list prefixes added; the grants of one Sid must otherwise agree. */
function merge(into: Merged | undefined, grant: Grant): Merged {
  if (!into) return { ...grant };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const conflict =
    !same(into.actions, grant.actions) ||
    !same(into.conditions, grant.conditions) ||
    into.deny !== grant.deny ||
    (into.listPrefixes === undefined) !== (grant.listPrefixes === undefined) ||
    // Prefixes of one bucket joined to the resources of another would grant both on both.
    (grant.listPrefixes !== undefined && !same(into.resources, grant.resources));
  if (conflict) throw new Error(`The console's ${grant.sid} grants differ in their actions or conditions and cannot share a statement`);
  const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
  return {
    ...into,
    resources: union(into.resources, grant.resources),
    ...(into.listPrefixes && grant.listPrefixes ? { listPrefixes: union(into.listPrefixes, grant.listPrefixes) } : {}),
    size: undefined,
  };
}
