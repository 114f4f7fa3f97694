import { describe, expect, it } from "vitest";
import { DRILL_ERRORS_ALARM, RESTORE_TARGET_ACTIONS } from "../lib/drill-schedule";
import { actionsOf, logicalIdOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, testConfig } from "./fixtures";

const byName = (r: { Properties: Record<string, unknown> }) => r.Properties.FunctionName === "lazarus-drills";

const withDrills = () =>
  testConfig((raw) => {
    raw.drills = {
      services: [
        { service: "contact-svc", schedule: "rate(7 days)", maxRtoMinutes: 12 },
        { service: "order-svc", schedule: "cron(0 3 ? * MON *)" },
      ],
    };
  });

function drillStatements(template: ReturnType<typeof synthStack>["template"]) {
  const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const attached = (p: { Properties: Record<string, unknown> }) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref === roleId);
  return [...resourcesOfType(template, "AWS::IAM::Policy"), ...resourcesOfType(template, "AWS::IAM::ManagedPolicy")].filter(([, p]) => attached(p)).flatMap(([, p]) => statementsOf(p));
}

describe("restore drill schedule", () => {
  const { template } = synthStack(withDrills());
  const statements = drillStatements(template);
  const on = (action: string) =>
    statements
      .filter((s) => (s.Effect ?? "Allow") === "Allow" && actionsOf(s).includes(action))
      .flatMap(resourcesOf)
      .map(renderArn)
      .sort();

  it("is absent without a drills block", () => {
    const plain = synthStack(testConfig()).template;
    expect(resourcesOfType(plain, "AWS::Lambda::Function").filter(([, f]) => byName(f))).toEqual([]);
  });

  it("runs one function from one EventBridge rule per drilled service, on that service's schedule, naming the service", () => {
    const fnId = logicalIdOf(template, "AWS::Lambda::Function", byName);
    const rules = resourcesOfType(template, "AWS::Events::Rule").filter(([, r]) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${fnId}"`));
    const bySchedule = Object.fromEntries(rules.map(([, r]) => [r.Properties.ScheduleExpression, JSON.parse(((r.Properties.Targets as Array<{ Input: string }>)[0]!).Input)]));
    expect(bySchedule).toEqual({ "rate(7 days)": { service: "contact-svc" }, "cron(0 3 ? * MON *)": { service: "order-svc" } });
    const [, fn] = onlyResource(template, "AWS::Lambda::Function", byName);
    expect(fn.Properties).toMatchObject({ Timeout: 900, Architectures: ["arm64"] });
  });

  it("restores only the drilled tables, only into scratch-prefix tables, and deletes only those", () => {
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:\${AWS::AccountId}:table/${name}`;
    expect(on("dynamodb:RestoreTableToPointInTime")).toEqual([table("contact"), table("order")]);
    expect(on("dynamodb:DeleteTable")).toEqual([table("lazarus-drill-*")]);
    // Scan also counts the live table's items.
    for (const action of RESTORE_TARGET_ACTIONS) expect(on(action), action).toEqual(action === "dynamodb:Scan" ? [table("contact"), table("lazarus-drill-*"), table("order")] : [table("lazarus-drill-*")]);
    expect(on("dynamodb:ListTables")).toEqual(["*"]);
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
    expect(on("dynamodb:UpdateTable")).toEqual([]);
  });

  it("reads the services' records and writes only drill reports and the audit log", () => {
    const bucketId = logicalIdOf(template, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive");
    const archive = `\${${bucketId}.Arn}`;
    expect(on("s3:PutObject")).toEqual([`${archive}/deleted/_audit/*`, `${archive}/deleted/_drills/*`]);
    expect(on("s3:DeleteObject")).toEqual([]);
    expect(on("s3:GetObject")).toEqual([`${archive}/deleted/*/????/??/??/*`, `${archive}/deleted/*/????/??/_sealed/*`, `${archive}/deleted/*/_by-key/*`, `${archive}/deleted/_drills/*`].sort());
  });

  it("with an alert topic, may publish to it and keep the drills' alert state only with conditional writes; nothing without one", () => {
    expect(statements.flatMap(actionsOf)).not.toContain("sns:Publish");
    const pager = "arn:aws:sns:eu-west-1:123456789012:pager";
    const alerting = synthStack(
      testConfig((raw) => {
        raw.drills = { services: [{ service: "contact-svc" }] };
        raw.alerts = { email: ["ops@example.com"], snsTopicArn: pager };
      }),
    ).template;
    const archive = `\${${logicalIdOf(alerting, "AWS::S3::Bucket", (r) => r.Properties.BucketName === "test-archive")}.Arn}`;
    const granted = drillStatements(alerting);
    const state = `${archive}/deleted/_alerts/drills/*`;
    expect(granted.filter((s) => actionsOf(s).includes("sns:Publish")).flatMap(resourcesOf)).toEqual([pager]);
    const puts = granted.filter((s) => actionsOf(s).includes("s3:PutObject") && resourcesOf(s).map(renderArn).includes(state));
    expect(puts.map((s) => s.Condition)).toEqual([{ Null: { "s3:if-none-match": "false" } }, { Null: { "s3:if-match": "false" } }]);
    expect(granted.filter((s) => actionsOf(s).includes("s3:GetObject")).flatMap(resourcesOf).map(renderArn)).toContain(state);
    // Only the drills' state: not protection's, approvals' or erasures'.
    expect(granted.flatMap(resourcesOf).map(renderArn).filter((r) => r.includes("_alerts"))).toEqual([state, state, state]);
  });

  it("alarms on a failed drill", () => {
    const [, alarm] = onlyResource(template, "AWS::CloudWatch::Alarm", (r) => r.Properties.AlarmName === DRILL_ERRORS_ALARM);
    expect(alarm.Properties).toMatchObject({ MetricName: "Errors", Threshold: 1, AlarmActions: [expect.anything()] });
  });
});
