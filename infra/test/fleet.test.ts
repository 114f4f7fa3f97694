import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp } from "../lib/app-context";
import { CONSOLE_TIERS } from "../lib/console-tiers";
import { FOUNDATION_STACK_ID, STACK_RESOURCE_LIMIT, archiversStackId, archiversStackIndex, servicesByStack } from "../lib/fleet";
import { buildLazarus } from "../lib/lazarus-app";
import { ROLE_MANAGED_POLICY_LIMIT } from "../lib/console-policies";
import { MANAGED_POLICY_MAX_CHARS } from "../lib/policy-size";
import { TEST_NOW, deployedValue, shippedConfigWithServices, tempOutdir, tierPolicies, type Resource } from "./fixtures";
import { ERASURE_RECHECK_FUNCTION_NAME } from "../lib/erasure-recheck-schedule";
import { SEALING_FUNCTION_NAME } from "../lib/sealing-schedule";

/** IAM's limit on the inline policies of one role, together (white space not counted). */
const ROLE_INLINE_POLICY_MAX_CHARS = 10_240;

interface Synthesized {
  config: LazarusConfig;
  /** Every stack's template by stack name, from one synth of the whole app. */
  templates: Map<string, { Resources: Record<string, Resource> }>;
}

/** Each fleet size is synthesized once for the whole file: a 200-service app is the slowest thing here. */
const synthesized = new Map<number, Synthesized>();
function fleetOf(count: number): Synthesized {
  const cached = synthesized.get(count);
  if (cached) return cached;
  // With Athena search on, so its table (every service in its projection) and the tiers' grants count too.
  const shipped = shippedConfigWithServices(count);
  const config = { ...shipped, search: { ...shipped.search, engine: "athena" as const } };
  const app = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [] } });
  buildLazarus(app, config, { now: TEST_NOW });
  const assembly = app.synth();
  const templates = new Map(assembly.stacks.map((s) => [s.stackName, s.template as { Resources: Record<string, Resource> }]));
  const result = { config, templates };
  synthesized.set(count, result);
  return result;
}

const SIZES = [1, 40, 200] as const;
const sealingPolicySizes = new Map<number, number>();

describe.each(SIZES)("a fleet of %i services", (count) => {
  // A 200-service synth took 94 s of a test's 120 in a whole CI run: it gets an allowance of its own.
  beforeAll(() => void fleetOf(count), 300_000);

  it("deploys as a foundation stack and archivers stacks, every one under CloudFormation's resource limit", () => {
    const { config, templates } = fleetOf(count);
    const expected = [FOUNDATION_STACK_ID, ...servicesByStack(config).map((g) => archiversStackId(g.index))];
    expect([...templates.keys()].sort()).toEqual(expected.sort());
    for (const [name, template] of templates) {
      expect(Object.keys(template.Resources).length, name).toBeLessThan(STACK_RESOURCE_LIMIT);
    }
    // Every service's archiver is deployed exactly once, and the fleet's one erasure re-check beside them.
    const functions = [...templates.values()].flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === "AWS::Lambda::Function"));
    expect(functions.map((f) => f.Properties.FunctionName).sort()).toEqual(
      [...config.services.map((s) => s.archiver.functionName), ERASURE_RECHECK_FUNCTION_NAME, SEALING_FUNCTION_NAME, config.attribution.functionName, ...(config.drills ? [config.drills.functionName] : [])].sort(),
    );
  });

  it("keeps every console tier within the managed policies a role can attach, each within IAM's size limit", () => {
    const { config, templates } = fleetOf(count);
    const foundation = Template.fromJSON(templates.get(FOUNDATION_STACK_ID)!);
    const deployed = deployedValue(foundation, config.region);
    for (const tier of CONSOLE_TIERS) {
      const policies = tierPolicies(foundation, tier, config.region);
      expect(policies.length, tier).toBeGreaterThan(0);
      expect(policies.length, tier).toBeLessThanOrEqual(ROLE_MANAGED_POLICY_LIMIT);
      for (const [id, policy] of policies) {
        const size = JSON.stringify(deployed(policy.Properties.PolicyDocument)).replace(/\s/g, "").length;
        expect(size, `${tier} ${id}`).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      }
    }
  });

  it("grants the managed tables by tag, so no tier names them one by one, and keeps the sealing role's policy the same size", () => {
    const { config, templates } = fleetOf(count);
    const foundation = Template.fromJSON(templates.get(FOUNDATION_STACK_ID)!);
    const deployed = deployedValue(foundation, config.region);
    for (const tier of CONSOLE_TIERS) {
      const text = tierPolicies(foundation, tier, config.region).map(([, p]) => JSON.stringify(deployed(p.Properties.PolicyDocument))).join("");
      for (const s of config.services) expect(text, `${tier} ${s.table.name}`).not.toContain(`:table/${s.table.name}"`);
      expect(text).toContain('"aws:ResourceTag/lazarus:archive"');
    }
    const resources = templates.get(FOUNDATION_STACK_ID)!.Resources;
    const sealing = Object.values(resources).find((r) => r.Type === "AWS::Lambda::Function" && r.Properties.FunctionName === SEALING_FUNCTION_NAME)!;
    const roleId = (sealing.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0];
    const inline = Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy" && (r.Properties.Roles as Array<{ Ref: string }>).some((x) => x.Ref === roleId));
    const size = inline.map((p) => JSON.stringify(p.Properties.PolicyDocument).length).reduce((a, b) => a + b, 0);
    sealingPolicySizes.set(count, size);
    expect(size).toBeLessThan(ROLE_INLINE_POLICY_MAX_CHARS);
    if (count === 200) expect(size).toBe(sealingPolicySizes.get(1));
  });

  it("keeps every archiver role within IAM's inline policy limit and without managed policies", () => {
    const { templates } = fleetOf(count);
    for (const [name, template] of templates) {
      if (name === FOUNDATION_STACK_ID) continue;
      const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === "AWS::IAM::Role");
      for (const [roleId, role] of roles) {
        expect(role.Properties.ManagedPolicyArns, roleId).toBeUndefined();
        const inline = Object.values(template.Resources).filter(
          (r) => r.Type === "AWS::IAM::Policy" && (r.Properties.Roles as Array<{ Ref: string }>).some((x) => x.Ref === roleId),
        );
        // References count as written ({"Fn::GetAtt":[...]}), which is longer than most ARNs they stand for.
        const size = inline.map((p) => JSON.stringify(p.Properties.PolicyDocument).length).reduce((a, b) => a + b, 0);
        expect(size, `${name} ${roleId}`).toBeLessThan(ROLE_INLINE_POLICY_MAX_CHARS);
      }
    }
  });

  it("keeps every role of the foundation stack within IAM's inline and managed policy limits", () => {
    const { config, templates } = fleetOf(count);
    const resources = templates.get(FOUNDATION_STACK_ID)!.Resources;
    const deployed = deployedValue(Template.fromJSON(templates.get(FOUNDATION_STACK_ID)!), config.region);
    const attachedTo = (roleId: string, type: string) =>
      Object.entries(resources).filter(([, r]) => r.Type === type && ((r.Properties.Roles ?? []) as Array<{ Ref: string }>).some((x) => x.Ref === roleId));
    for (const [roleId, role] of Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::Role")) {
      const inline = attachedTo(roleId, "AWS::IAM::Policy").map(([, p]) => JSON.stringify(p.Properties.PolicyDocument).length);
      expect(inline.reduce((a, b) => a + b, 0), roleId).toBeLessThan(ROLE_INLINE_POLICY_MAX_CHARS);
      const managed = attachedTo(roleId, "AWS::IAM::ManagedPolicy");
      for (const [id, policy] of managed) {
        expect(JSON.stringify(deployed(policy.Properties.PolicyDocument)).replace(/\s/g, "").length, `${roleId} ${id}`).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      }
      expect(managed.length + ((role.Properties.ManagedPolicyArns ?? []) as unknown[]).length, roleId).toBeLessThanOrEqual(ROLE_MANAGED_POLICY_LIMIT);
    }
  });
});

describe("a fleet of 200 services with every table named by ARN", () => {
  it("keeps every console tier within the managed policies a role can attach (imported tables, or consoleTableAccess \"name\")", () => {
    const shipped = shippedConfigWithServices(200);
    const config = parseConfig({ ...shipped, fleet: { ...shipped.fleet, consoleTableAccess: "name" } }, "200 services, tables by name");
    const app = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [] } });
    const { foundation } = buildLazarus(app, config, { now: TEST_NOW });
    const counts = CONSOLE_TIERS.map((tier) => foundation.consolePolicies.tier(tier).length);
    for (const count of counts) expect(count).toBeLessThanOrEqual(ROLE_MANAGED_POLICY_LIMIT);
  });
});

describe("archivers stacks", () => {
  it("keep each service in its stack whatever else is added, removed or reordered", () => {
    const config = shippedConfigWithServices(40);
    const before = new Map(config.services.map((s) => [s.name, archiversStackIndex(s, config.fleet.stacks)]));
    const changed = parseConfig(
      { ...config, approvals: undefined, drills: undefined, services: [...config.services.slice(5).reverse(), { ...config.services[0]!, name: "new-svc", table: { ...config.services[0]!.table, name: "new" }, archiver: { ...config.services[0]!.archiver, functionName: "archiver-new" } }] },
      "changed config",
    );
    for (const s of changed.services) if (before.has(s.name)) expect(archiversStackIndex(s, changed.fleet.stacks), s.name).toBe(before.get(s.name));
  });

  it("go where the config says when a service names its stack", () => {
    const config = shippedConfigWithServices(3);
    const pinned = parseConfig({ ...config, services: config.services.map((s) => ({ ...s, stack: 7 })) }, "pinned");
    expect(servicesByStack(pinned).map((g) => g.index)).toEqual([7]);
    expect(archiversStackId(7)).toBe("Lazarus-Archivers-07");
    expect(() => parseConfig({ ...config, services: config.services.map((s) => ({ ...s, stack: 16 })) }, "out of range")).toThrow(/must be below fleet\.stacks \(16\)/);
  });

  it("refuse a stack over the resource limit, saying how to split it", () => {
    const config = shippedConfigWithServices(40);
    const crowded = parseConfig({ ...config, services: config.services.map((s) => ({ ...s, stack: 0 })) }, "crowded");
    const app = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [] } });
    expect(() => buildLazarus(app, crowded, { now: TEST_NOW })).toThrow(/Stack Lazarus-Archivers-00 would hold \d+ resources; CloudFormation allows 500\. Give some of its services another "stack"/);
  });
});
