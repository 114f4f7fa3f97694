import { describe, expect, it } from "vitest";
import { ERASURE_RECHECK_FUNCTION_NAME } from "../lib/erasure-recheck-schedule";
import { actionsOf, logicalIdOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig } from "./fixtures";

const byName = (r: { Properties: Record<string, unknown> }) => r.Properties.FunctionName === ERASURE_RECHECK_FUNCTION_NAME;

function recheckStatements(template: ReturnType<typeof synthStack>["template"]) {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const attached = (p: { Properties: Record<string, unknown> }) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref === roleId);
  return [...resourcesOfType(template, "AWS::IAM::Policy"), ...resourcesOfType(template, "AWS::IAM::ManagedPolicy")]
    .filter(([, p]) => attached(p))
    .flatMap(([, p]) => statementsOf(p));
}

describe("erasure re-check schedule", () => {
  const config = testConfig();
  const { template } = synthStack(config);

  it("runs the re-check function hourly from an EventBridge rule", () => {
    const fnId = logicalIdOf(template, "AWS::Lambda::Function", byName);
    const targets = (r: { Properties: Record<string, unknown> }) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${fnId}"`);
    const [, rule] = onlyResource(template, "AWS::Events::Rule", (r) => r.Properties.ScheduleExpression !== undefined && targets(r));
    expect(rule.Properties.ScheduleExpression).toBe("rate(1 hour)");
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { "Fn::GetAtt": [fnId, "Arn"] } })]);
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
    expect(fn.Properties).toMatchObject({ Timeout: 900, Architectures: ["arm64"] });
  });

  it("may delete only versions of the services' records, sealed days, job files, failed batches, discarded copies and day leases, and write only the ledger, the audit log, sealed days, job files, failed batches, discarded copies and day leases", () => {
    const statements = recheckStatements(template);
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
    const on = (action: string, effect = "Allow") =>
      statements
        .filter((s) => (s.Effect ?? "Allow") === effect && actionsOf(s).includes(action))
        .flatMap(resourcesOf)
        .map(renderArn)
        .sort();
    const archive = `\${${bucketId}.Arn}`;
    // By pattern across services, so the policy is the same size for 1 service or 200.
    const records = [`${archive}/deleted/*/????/??/??/*`, `${archive}/deleted/*/_by-key/*`];
    const jobs = [`${archive}/deleted/_jobs/bulk-restore/*`, `${archive}/deleted/_jobs/pitr/*`];
    const failureBatches = on("s3:DeleteObjectVersion").filter((arn) => arn.endsWith("/aws/lambda/*"));
    expect(failureBatches).toHaveLength(1);
    // The days it edits are held under their leases, so a seal of one waits.
    const leases = `${archive}/deleted/_leases/*`;
    // A late record already sealed is blanked in its bundle part, and the day's manifest and month summary rewritten.
    const sealed = `${archive}/deleted/*/????/??/_sealed/*`;
    // Copies of batches discarded from the DLQ page are failed batches too (lib/erasure/erasure-plan.ts failureCopyLocations).
    const discarded = `${archive}/deleted/_discarded/*`;
    expect(on("s3:DeleteObjectVersion")).toEqual([...records, sealed, ...jobs, ...failureBatches, leases, discarded].sort());
    expect(on("s3:PutObject")).toEqual([`${archive}/deleted/_audit/*`, `${archive}/deleted/_erasures/*`, sealed, ...jobs, ...failureBatches, leases, discarded].sort());
    expect(on("s3:GetObject")).toContain(discarded);
    expect(on("s3:PutObjectTagging")).toEqual([sealed]);
    // The record patterns also match console state: the ledger and the audit log are kept by an explicit deny.
    expect(on("s3:DeleteObjectVersion", "Deny")).toEqual([`${archive}/deleted/_audit/*`, `${archive}/deleted/_erasures/*`]);
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
  });
});
