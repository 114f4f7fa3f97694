import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/load";
import { SEALING_FUNCTION_NAME } from "../lib/sealing-schedule";
import { actionsOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig, tierPolicies, type Statement } from "./fixtures";

/**
 * The scheduled functions' alert destinations in IAM (docs/ALERTS.md): the webhook's URL is
 * read from its one Secrets Manager secret by the sealing and drill functions only; and a
 * topic encrypted with a customer managed key is usable by every publisher through SNS.
 */

const SECRET = "lazarus/alerts-webhook";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:pager";
const TOPIC_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const DRILL_FUNCTION = "lazarus-drills";

type Template = ReturnType<typeof synthStack>["template"];

/** Every statement attached to the role of the named function. */
function functionStatements(template: Template, functionName: string): Statement[] {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", (r) => r.Properties.FunctionName === functionName);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const attached = (p: { Properties: Record<string, unknown> }) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref === roleId);
  return [...resourcesOfType(template, "AWS::IAM::Policy"), ...resourcesOfType(template, "AWS::IAM::ManagedPolicy")].filter(([, p]) => attached(p)).flatMap(([, p]) => statementsOf(p));
}

/** Every policy statement of the stack, whoever holds it. */
function allStatements(template: Template): Statement[] {
  return [...resourcesOfType(template, "AWS::IAM::Policy"), ...resourcesOfType(template, "AWS::IAM::ManagedPolicy")].flatMap(([, p]) => statementsOf(p));
}

const granting = (statements: Statement[], prefix: string) => statements.filter((s) => s.Effect === "Allow" && actionsOf(s).some((a) => a.startsWith(prefix)));

describe("a webhook as the only alert destination", () => {
  const { template } = synthStack(
    testConfig((raw) => {
      raw.drills = { services: [{ service: "contact-svc" }] };
      raw.alerts = { webhook: { urlSecretName: SECRET } };
    }),
  );

  it.each([SEALING_FUNCTION_NAME, DRILL_FUNCTION])("%s may read that one secret, and keep its alert state", (functionName) => {
    const statements = functionStatements(template, functionName);
    const reads = granting(statements, "secretsmanager:");
    expect(reads.flatMap(actionsOf)).toEqual(["secretsmanager:GetSecretValue"]);
    // Secrets Manager's six random characters, and nothing else after the name.
    expect(reads.flatMap(resourcesOf).map(renderArn)).toEqual([`arn:aws:secretsmanager:eu-west-1:\${AWS::AccountId}:secret:${SECRET}-??????`]);
    expect(reads[0]!.Condition).toBeUndefined();
    expect(statements.flatMap(actionsOf)).not.toContain("sns:Publish");
    const stateWrites = statements.filter((s) => s.Effect === "Allow" && actionsOf(s).includes("s3:PutObject") && resourcesOf(s).map(renderArn).some((r) => r.includes("/_alerts/")));
    expect(stateWrites.map((s) => s.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }, { Null: { "s3:if-match": "false" } }]);
  });

  it("grants the secret to no other role, and puts no webhook URL in any function's environment", () => {
    const holders = allStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
    expect(holders).toHaveLength(2);
    for (const tier of ["read-only", "restore", "compliance", "admin"]) {
      const console = tierPolicies(template, tier, "eu-west-1").flatMap(([, p]) => statementsOf(p));
      expect(console.flatMap(actionsOf).filter((a) => a.startsWith("secretsmanager:")), tier).toEqual([]);
    }
    for (const [, fn] of resourcesOfType(template, "AWS::Lambda::Function")) {
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toMatch(/webhook|hooks\./i);
    }
  });

  it("gets no secret without a webhook", () => {
    const quiet = synthStack(testConfig((raw) => (raw.drills = { services: [{ service: "contact-svc" }] }))).template;
    expect(allStatements(quiet).flatMap(actionsOf).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
  });
});

describe("an alert topic encrypted with a customer managed key", () => {
  const { template } = synthStack(
    testConfig((raw) => {
      raw.drills = { services: [{ service: "contact-svc" }] };
      raw.alerts = { email: ["ops@example.com"], snsTopicArn: TOPIC, snsTopicKmsKeyArn: TOPIC_KEY };
    }),
  );
  const keyGrant = (statements: Statement[]) => statements.filter((s) => s.Effect === "Allow" && resourcesOf(s).includes(TOPIC_KEY));
  const expected = { actions: ["kms:Decrypt", "kms:GenerateDataKey*"], condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } } };

  it.each([SEALING_FUNCTION_NAME, DRILL_FUNCTION])("%s may use the key, only through SNS", (functionName) => {
    const grants = keyGrant(functionStatements(template, functionName));
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!).sort()).toEqual(expected.actions);
    expect(grants[0]!.Condition).toEqual(expected.condition);
  });

  it.each(["restore", "compliance", "admin"])("the console's %s tier, which publishes alerts, may use the key only through SNS", (tier) => {
    const grants = keyGrant(tierPolicies(template, tier, "eu-west-1").flatMap(([, p]) => statementsOf(p)));
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!).sort()).toEqual(expected.actions);
    expect(grants[0]!.Condition).toEqual(expected.condition);
  });

  it("read-only, which sends no alerts, gets nothing of it; nor does any role without the key in the config", () => {
    expect(keyGrant(tierPolicies(template, "read-only", "eu-west-1").flatMap(([, p]) => statementsOf(p)))).toEqual([]);
    const plain = synthStack(testConfig((raw) => (raw.alerts = { email: ["ops@example.com"], snsTopicArn: TOPIC }))).template;
    expect(allStatements(plain).flatMap(actionsOf).filter((a) => a === "kms:GenerateDataKey*")).toEqual([]);
  });

  it("refuses a key without the topic it encrypts, and an alias instead of a key ARN", () => {
    expect(() => testConfig((raw) => (raw.alerts = { email: ["ops@example.com"], snsTopicKmsKeyArn: TOPIC_KEY }))).toThrow(ConfigError);
    expect(() => testConfig((raw) => (raw.alerts = { snsTopicArn: TOPIC, snsTopicKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/pager" }))).toThrow(/KMS key ARN/);
  });
});
