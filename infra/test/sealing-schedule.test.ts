import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/load";
import { SEALING_ERRORS_ALARM, SEALING_FUNCTION_NAME, SEALING_LAG_ALARM } from "../lib/sealing-schedule";
import { actionsOf, logicalIdOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig, type Statement } from "./fixtures";

const TOPIC = "arn:aws:sns:eu-west-1:${AWS::AccountId}:lazarus-alarms-test-archive";
const byName = (r: { Properties: Record<string, unknown> }) => r.Properties.FunctionName === SEALING_FUNCTION_NAME;

function sealingStatements(template: ReturnType<typeof synthStack>["template"]): Statement[] {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return resourcesOfType(template, "AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => statementsOf(p));
}

describe("the sealing schedule", () => {
  const config = testConfig();
  const { template } = synthStack(config);
  const fnId = logicalIdOf(template, "AWS::Lambda::Function", byName);
  const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
  const archive = `\${${bucketId}.Arn}`;

  it("runs the sealing function daily a little after midnight UTC, one run at a time, with time and memory for a busy day", () => {
    const [, rule] = onlyResource(template, "AWS::Events::Rule", (r) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${fnId}"`));
    expect(rule.Properties.ScheduleExpression).toBe("cron(30 0 * * ? *)");
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
    expect(fn.Properties).toMatchObject({ Timeout: 900, MemorySize: 3008, ReservedConcurrentExecutions: 1, Architectures: ["arm64"] });
    // A failed or timed-out run is retried, and each retry carries on where the last stopped.
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", { FunctionName: { Ref: fnId }, MaximumRetryAttempts: 2 });
  });

  it("runs at the configured time of day, and refuses a time that is not HH:MM", () => {
    const later = synthStack(testConfig((raw) => (raw.seal = { runAtUtc: "03:15" })));
    const id = logicalIdOf(later.template, "AWS::Lambda::Function", byName);
    const [, rule] = onlyResource(later.template, "AWS::Events::Rule", (r) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${id}"`));
    expect(rule.Properties.ScheduleExpression).toBe("cron(15 3 * * ? *)");
    expect(() => testConfig((raw) => (raw.seal = { runAtUtc: "3:15" }))).toThrow(ConfigError);
    expect(() => testConfig((raw) => (raw.seal = { runAtUtc: "24:00" }))).toThrow(/HH:MM/);
  });

  it("may delete only the services' dated records, sealed layout and day leases, and write only the sealed layout, index entries and day leases", () => {
    const statements = sealingStatements(template);
    const allowed = statements.filter((s) => s.Effect === "Allow");
    const on = (action: string) => [...new Set(allowed.filter((s) => actionsOf(s).includes(action)).flatMap(resourcesOf).map(renderArn))].sort();
    const dated = `${archive}/deleted/*/????/??/??/*`;
    const sealed = `${archive}/deleted/*/????/??/_sealed/*`;
    const leases = `${archive}/deleted/_leases/*`;
    expect(on("s3:GetObject")).toEqual([dated, sealed, leases].sort());
    expect(on("s3:DeleteObjectVersion")).toEqual([dated, sealed, leases].sort());
    expect(on("s3:DeleteObject")).toEqual([dated, sealed, leases].sort());
    expect(on("s3:PutObject")).toEqual([sealed, `${archive}/deleted/*/_by-key/*`, leases].sort());
    // Bundles are written with their tag, which the lifecycle tiers by.
    expect(on("s3:PutObjectTagging")).toEqual([sealed]);
    const listing = allowed.find((s) => actionsOf(s).includes("s3:ListBucketVersions"))!;
    expect(listing.Condition).toEqual({ StringLike: { "s3:prefix": ["deleted/?*"] } });
    // The console's own state (audit log, erasure ledger, exports, jobs) is out of reach, whatever the patterns match.
    const denied = statements.filter((s) => s.Effect === "Deny");
    expect(denied.flatMap(resourcesOf).map(renderArn)).toEqual(expect.arrayContaining(["_approvals", "_attribution", "_audit", "_drills", "_erasures", "_exports", "_jobs"].map((f) => `${archive}/deleted/${f}/*`)));
    const listingDeny = denied.find((s) => actionsOf(s).includes("s3:ListBucket"))!;
    expect(listingDeny.Condition).toEqual({
      StringLike: { "s3:prefix": ["_alerts", "_approvals", "_attribution", "_audit", "_discarded", "_drills", "_erasures", "_exports", "_jobs"].map((folder) => `deleted/${folder}*`) },
    });
    // Except the day leases, which it holds while it seals a day.
    expect(denied.flatMap(resourcesOf).map(renderArn)).not.toContain(leases);
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"]) expect(on(action)).toContain(leases);
    expect(denied.flatMap(actionsOf)).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion", "s3:ListBucket"]));
    // The lag metric, in its own namespace only.
    const metric = allowed.find((s) => actionsOf(s).includes("cloudwatch:PutMetricData"))!;
    expect(metric.Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "Lazarus/Sealing" } });
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
    expect(statements.flatMap(actionsOf)).not.toContain("s3:BypassGovernanceRetention");
  });

  it("alarms on failed runs and on a seal lag past the threshold, treating a day without a lag value as lag", () => {
    const alarm = (name: string) => onlyResource(template, "AWS::CloudWatch::Alarm", (a) => a.Properties.AlarmName === name)[1];
    const lag = alarm(SEALING_LAG_ALARM);
    expect(lag.Properties).toMatchObject({
      Namespace: "Lazarus/Sealing",
      MetricName: "SealLagDays",
      Dimensions: [{ Name: "Archive", Value: "test-archive" }],
      Statistic: "Maximum",
      Period: 86_400,
      Threshold: 2,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "breaching",
    });
    const errors = alarm(SEALING_ERRORS_ALARM);
    expect(errors.Properties).toMatchObject({ MetricName: "Errors", Namespace: "AWS/Lambda", Threshold: 1, TreatMissingData: "notBreaching" });
    for (const a of [lag, errors]) expect((a.Properties.AlarmActions as unknown[]).map(renderArn)).toEqual([TOPIC]);
    const custom = synthStack(testConfig((raw) => (raw.seal = { lagThresholdDays: 5 }))).template;
    expect(onlyResource(custom, "AWS::CloudWatch::Alarm", (a) => a.Properties.AlarmName === SEALING_LAG_ALARM)[1].Properties.Threshold).toBe(5);
  });

  it("shows each service's seal lag and the sealing runs on the fleet dashboard", () => {
    const [, dashboard] = onlyResource(template, "AWS::CloudWatch::Dashboard");
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain("Seal lag, days");
    for (const s of config.services) expect(body).toMatch(new RegExp(`SealLagDays\\W+Archive\\W+test-archive\\W+Service\\W+${s.name}\\W`));
    expect(body).toContain(SEALING_LAG_ALARM);
    expect(body).toContain(SEALING_ERRORS_ALARM);
  });

  it("is not deployed where a default Object Lock retention keeps every record in its object", () => {
    const locked = synthStack(testConfig((raw) => ((raw.archive as Record<string, unknown>).objectLock = { enabled: true, mode: "GOVERNANCE", retentionDays: 30 }))).template;
    expect(resourcesOfType(locked, "AWS::Lambda::Function").filter(([, f]) => byName(f))).toEqual([]);
    expect(JSON.stringify(onlyResource(locked, "AWS::CloudWatch::Dashboard")[1].Properties.DashboardBody)).not.toContain("Seal lag");
    // Locking only the audit log leaves records erasable, and sealable.
    const auditOnly = synthStack(testConfig((raw) => ((raw.archive as Record<string, unknown>).objectLock = { enabled: true, mode: "GOVERNANCE", retentionDays: null }))).template;
    expect(resourcesOfType(auditOnly, "AWS::Lambda::Function").filter(([, f]) => byName(f))).toHaveLength(1);
  });

  it("with an alert topic, may publish to it, keep its own alert state only with conditional writes, and append alert audit entries, nothing more", () => {
    const pager = "arn:aws:sns:eu-west-1:123456789012:pager";
    const alerting = synthStack(testConfig((raw) => (raw.alerts = { email: ["ops@example.com"], snsTopicArn: pager }))).template;
    const archiveArn = `\${${logicalIdOf(alerting, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive")}.Arn}`;
    const statements = sealingStatements(alerting);
    const allowing = (action: string, arn: string) => statements.filter((s) => s.Effect === "Allow" && actionsOf(s).includes(action) && resourcesOf(s).map(renderArn).includes(arn));
    const state = `${archiveArn}/deleted/_alerts/sealing.json`;
    const audit = `${archiveArn}/deleted/_audit/*`;
    expect(statements.filter((s) => actionsOf(s).includes("sns:Publish")).flatMap(resourcesOf)).toEqual([pager]);
    expect(allowing("s3:GetObject", state)).toHaveLength(1);
    expect(allowing("s3:PutObject", state).map((s) => s.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }, { Null: { "s3:if-match": "false" } }]);
    expect(allowing("s3:PutObject", audit).map((s) => s.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }]);
    // The record patterns also match audit keys: reading, tagging and deleting entries stay denied.
    const auditDeny = statements.find((s) => s.Effect === "Deny" && resourcesOf(s).map(renderArn).includes(audit))!;
    expect(actionsOf(auditDeny).sort()).toEqual(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:PutObjectTagging"]);
    // Every other console state stays denied; the alert folder may be listed (S3 answers 404 for a state never written only then).
    const denied = statements.filter((s) => s.Effect === "Deny").flatMap(resourcesOf).map(renderArn);
    expect(denied).toEqual(expect.arrayContaining(["_approvals", "_erasures", "_exports", "_jobs", "_discarded"].map((f) => `${archiveArn}/deleted/${f}/*`)));
    const listingDeny = statements.find((s) => s.Effect === "Deny" && actionsOf(s).includes("s3:ListBucket"))!;
    expect(JSON.stringify(listingDeny.Condition)).not.toContain("_alerts");
    expect(JSON.stringify(listingDeny.Condition)).toContain("deleted/_audit*");
    // Without a topic a sealing run has nowhere to send, and the role gets none of it.
    const quiet = sealingStatements(template);
    expect(quiet.flatMap(actionsOf)).not.toContain("sns:Publish");
    expect(quiet.flatMap(resourcesOf).map(renderArn).filter((r) => r.includes("_alerts/"))).toEqual([`${archive}/deleted/_alerts/*`]);
    expect(quiet.filter((s) => resourcesOf(s).map(renderArn).includes(`${archive}/deleted/_alerts/*`)).map((s) => s.Effect)).toEqual(["Deny"]);
  });
});
