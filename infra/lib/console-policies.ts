import { Stack } from "aws-cdk-lib";
import { ManagedPolicy } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ConfigError } from "../../lib/config/load";
import { consoleGrants } from "./console-grants";
import { ConsoleResources, type ConsoleResourcesProps } from "./console-resources";
import { CONSOLE_TIERS, TIER_DESCRIPTIONS, type ConsoleTier } from "./console-tiers";
import { packPolicies } from "./policy-packing";
import { MANAGED_POLICY_MAX_CHARS, PolicySizeEstimator } from "./policy-size";

export { CONSOLE_KEY_SEGMENTS, CONSOLE_TIERS, type ConsoleTier } from "./console-tiers";
export { CONSOLE_POLICY_TARGET_CHARS } from "./policy-packing";

export type ConsolePoliciesProps = ConsoleResourcesProps;

/** Managed policies one IAM role can have attached by default (a quota increase allows 20). */
export const ROLE_MANAGED_POLICY_LIMIT = 10;

/**
 * The console's IAM role gets one of four tiers: read-only, restore, compliance
 * (erasure, exports) and admin (DLQ replay, bulk restore, PITR, protection fixes),
 * each including the one before. The console runs as one identity, so the attached
 * tier caps every signed-in user; the app's roles decide within it.
 *
 * What the statements name is in console-resources.ts, what each tier may do in
 * console-grants.ts, and how a tier is split into managed policies of at most 6,144
 * characters in policy-packing.ts. The first policy of a tier keeps the name
 * `lazarus-console-{tier}-{region}` (and its construct ID, so existing deployments
 * keep it); the next ones are `-2`, `-3`, ... A role must attach every policy of its tier.
 */
export class ConsolePolicies extends Construct {
  readonly readOnly: ManagedPolicy[];
  readonly restore: ManagedPolicy[];
  readonly compliance: ManagedPolicy[];
  readonly admin: ManagedPolicy[];
  /** Each policy's size as estimated at synth time (characters, white space not counted). */
  readonly estimatedSizes = new Map<ManagedPolicy, number>();

  constructor(scope: Construct, id: string, props: ConsolePoliciesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Stable names, so a role, user or IAM Identity Center permission set can refer to them by name;
    // the region keeps two regional deployments in one account apart (IAM names are account-wide).
    const region = stack.region;
    const resources = new ConsoleResources(this, props);
    const estimator = new PolicySizeEstimator(stack);
    const packed = new Map(CONSOLE_TIERS.map((tier) => [tier, packPolicies(consoleGrants(resources, tier), estimator)]));

    const over = CONSOLE_TIERS.filter((tier) => packed.get(tier)!.length > ROLE_MANAGED_POLICY_LIMIT).at(-1);
    if (over) {
      throw new ConfigError(
        `The console's ${over} tier needs ${packed.get(over)!.length} managed policies for the ${props.services.length} services in the config ` +
          `(IAM limits a policy to ${MANAGED_POLICY_MAX_CHARS.toLocaleString("en-US")} characters, and each table is named in it), but an IAM role can attach at most ` +
          `${ROLE_MANAGED_POLICY_LIMIT}. Deploy the services from more than one config (each in its own account or region, as the policy ` +
          `names are per account and region), or shorten the table names, which the policies repeat.`,
      );
    }

    // The first policy's construct ID, name and description never change: CloudFormation would have to replace a named policy.
    const policies = (construct: string, tier: ConsoleTier) =>
      packed.get(tier)!.map((draft) => {
        const n = draft.number;
        const statements = draft.statements();
        const managed = new ManagedPolicy(this, n === 1 ? construct : `${construct}${n}`, {
          managedPolicyName: `lazarus-console-${tier}-${region}${n === 1 ? "" : `-${n}`}`,
          description: n === 1 ? TIER_DESCRIPTIONS[tier] : `${TIER_DESCRIPTIONS[tier]} (part ${n}: attach it with the other parts)`,
          statements,
        });
        resources.acknowledgeWildcards(managed, statements);
        this.estimatedSizes.set(managed, draft.size);
        return managed;
      });
    this.readOnly = policies("ReadOnly", "read-only");
    this.restore = policies("Restore", "restore");
    this.compliance = policies("Compliance", "compliance");
    this.admin = policies("Admin", "admin");
  }

  /** A tier's policies, first to last; a role attaches all of them. */
  tier(tier: ConsoleTier): ManagedPolicy[] {
    return { "read-only": this.readOnly, restore: this.restore, compliance: this.compliance, admin: this.admin }[tier];
  }
}
