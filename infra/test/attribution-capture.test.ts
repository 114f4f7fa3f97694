import { describe, expect, it } from "vitest";
import { DELETE_CAPABLE_CALLS } from "../../lib/attribution/cloudtrail-event";
import { ConfigError } from "../../lib/config/load";
import { actionsOf, logicalIdOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig, type Statement } from "./fixtures";

const FUNCTION = "lazarus-attribution";
const byName = (r: { Properties: Record<string, unknown> }) => r.Properties.FunctionName === FUNCTION;

function roleStatements(template: ReturnType<typeof synthStack>["template"]): Statement[] {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return resourcesOfType(template, "AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => statementsOf(p));
}

describe("attribution capture", () => {
  const { template } = synthStack(testConfig((raw) => (raw.attribution = { enabled: true })));

  it("creates a trail that logs only the delete-capable calls on the protected tables, and no management events", () => {
    const [, trail] = onlyResource(template, "AWS::CloudTrail::Trail");
    expect(trail.Properties.EventSelectors).toBeUndefined();
    const selectors = trail.Properties.AdvancedEventSelectors as Array<{ FieldSelectors: Array<{ Field: string; Equals: unknown[] }> }>;
    expect(selectors).toHaveLength(1);
    const fields = Object.fromEntries(selectors[0]!.FieldSelectors.map((f) => [f.Field, f.Equals]));
    expect(fields.eventCategory).toEqual(["Data"]);
    expect(fields["resources.type"]).toEqual(["AWS::DynamoDB::Table"]);
    expect(fields.eventName).toEqual([...DELETE_CAPABLE_CALLS]);
    expect(fields["resources.ARN"]!.map(renderArn)).toEqual([
      "arn:aws:dynamodb:eu-west-1:${AWS::AccountId}:table/contact",
      "arn:aws:dynamodb:eu-west-1:${AWS::AccountId}:table/order",
    ]);
  });

  it("routes successful delete-capable calls from EventBridge to the function, with retries and a dead-letter queue", () => {
    const fnId = logicalIdOf(template, "AWS::Lambda::Function", byName);
    const [, rule] = onlyResource(template, "AWS::Events::Rule", (r) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${fnId}"`));
    expect(rule.Properties.EventPattern).toEqual({
      source: ["aws.dynamodb"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { eventSource: ["dynamodb.amazonaws.com"], eventName: [...DELETE_CAPABLE_CALLS], errorCode: [{ exists: false }] },
    });
    const [target] = rule.Properties.Targets as Array<{ RetryPolicy: unknown; DeadLetterConfig: unknown }>;
    expect(target!.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 });
    expect(target!.DeadLetterConfig).toBeDefined();
  });

  it("may only add objects under _attribution/ in the archive bucket, and read the erasure ledger", () => {
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties?.BucketName === "test-archive");
    const s3 = roleStatements(template).filter((s) => s.Effect === "Allow" && actionsOf(s).some((a) => a.startsWith("s3:")));
    const on = (action: string) => s3.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf).map(renderArn);
    expect([...new Set(s3.flatMap(actionsOf))].sort()).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    expect(on("s3:PutObject")).toEqual([`\${${bucketId}.Arn}/deleted/_attribution/*`]);
    expect(on("s3:GetObject")).toEqual([`\${${bucketId}.Arn}/deleted/_erasures/*`]);
    const listing = s3.find((s) => actionsOf(s).includes("s3:ListBucket"))!;
    expect(listing.Condition).toEqual({ StringLike: { "s3:prefix": ["deleted/_erasures/*"] } });
  });

  it("uses an existing trail instead of creating one, and is absent when attribution is off", () => {
    const existing = synthStack(
      testConfig((raw) => (raw.attribution = { enabled: true, trail: { type: "existing", trailArn: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-data-events" } })),
    ).template;
    expect(resourcesOfType(existing, "AWS::CloudTrail::Trail")).toEqual([]);
    onlyResource(existing, "AWS::Lambda::Function", byName);
    const off = synthStack(testConfig()).template;
    expect(resourcesOfType(off, "AWS::Lambda::Function").filter(([, r]) => byName(r))).toEqual([]);
    expect(() => testConfig((raw) => (raw.attribution = { enabled: true, trail: { type: "existing", trailArn: "my-trail" } }))).toThrow(ConfigError);
  });
});
