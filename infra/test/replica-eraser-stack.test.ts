import { Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/load";
import { createLazarusApp } from "../lib/app-context";
import { buildLazarus } from "../lib/lazarus-app";
import { REPLICA_ERASER_ALARM_NAME, REPLICA_ERASER_FUNCTION_NAME } from "../lib/replica-eraser-stack";
import { actionsOf, onlyResource, renderArn, resourcesOf, resourcesOfType, statementsOf, synthStack, TEST_NOW, tempOutdir, testConfig, type Statement } from "./fixtures";

const REPLICA = "test-archive-replica";
const REPLICA_ACCOUNT = "210987654321";
const REPLICA_KEY = `arn:aws:kms:eu-west-1:${REPLICA_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function configWith(eraser: Record<string, unknown> | undefined, edit: (raw: Record<string, unknown>) => void = () => {}) {
  return testConfig((raw) => {
    (raw.archive as Record<string, unknown>).secondCopy = {
      replication: { destinationBucket: REPLICA, destinationAccount: REPLICA_ACCOUNT, destinationKmsKeyArn: REPLICA_KEY, ...(eraser ? { eraser } : {}) },
    };
    edit(raw);
  });
}

const config = configWith({ sweepAtUtc: "02:30", failureBucketReplicas: { "test-failed-batches": "test-failed-batches-replica" } });

describe("replica eraser stack", () => {
  const { stacks } = synthStack(config);
  const template = Template.fromStack(stacks.replicaEraser!);
  const [fnId, fn] = onlyResource(template, "AWS::Lambda::Function", (r) => r.Properties.FunctionName === REPLICA_ERASER_FUNCTION_NAME);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const statements: Statement[] = resourcesOfType(template, "AWS::IAM::Policy")
    .filter(([, p]) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => statementsOf(p));
  const on = (action: string, effect = "Allow") =>
    statements
      .filter((s) => (s.Effect ?? "Allow") === effect && actionsOf(s).includes(action))
      .flatMap(resourcesOf)
      .map(renderArn)
      .sort();
  const replica = `arn:aws:s3:::${REPLICA}`;
  const failures = "arn:aws:s3:::test-failed-batches-replica";

  it("is its own stack, in the replica's account, and only when the config asks for it", () => {
    expect(stacks.replicaEraser?.account).toBe(REPLICA_ACCOUNT);
    expect(stacks.replicaEraser?.region).toBe("eu-west-1");
    expect(synthStack(configWith(undefined)).stacks.replicaEraser).toBeUndefined();
    // The archive account's stacks do not change for it (but for the hashes of bundles that carry the config).
    const withoutBundleHashes = (t: Template) => JSON.stringify(t.toJSON()).replace(/"S3Key":"[0-9a-f]{64}\.zip"/g, "");
    expect(withoutBundleHashes(Template.fromStack(stacks.foundation))).toBe(withoutBundleHashes(Template.fromStack(synthStack(configWith(undefined)).stacks.foundation)));
  });

  it("runs when a ledger entry is created in the replica bucket, and daily at sweepAtUtc", () => {
    const targetsFn = (r: { Properties: Record<string, unknown> }) => JSON.stringify(r.Properties.Targets ?? []).includes(`"${fnId}"`);
    const [, onEntry] = onlyResource(template, "AWS::Events::Rule", (r) => r.Properties.EventPattern !== undefined && targetsFn(r));
    expect(onEntry.Properties.EventPattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [REPLICA] }, object: { key: [{ prefix: "deleted/_erasures/" }] } },
    });
    const [, sweep] = onlyResource(template, "AWS::Events::Rule", (r) => r.Properties.ScheduleExpression !== undefined && targetsFn(r));
    expect(sweep.Properties.ScheduleExpression).toBe("cron(30 2 * * ? *)");
    expect(fn.Properties).toMatchObject({ Timeout: 900, Architectures: ["arm64"], ReservedConcurrentExecutions: 1 });
  });

  it("may delete only versions of records, index entries, sealed days, job files and replicated failed batches; writes only sealed days, its markers, the audit log and failed batches", () => {
    const records = [`${replica}/deleted/*/????/??/??/*`, `${replica}/deleted/*/_by-key/*`];
    const sealed = `${replica}/deleted/*/????/??/_sealed/*`;
    expect(on("s3:DeleteObjectVersion")).toEqual([...records, sealed, `${replica}/deleted/_jobs/*`, `${failures}/aws/lambda/*`].sort());
    expect(on("s3:GetObjectVersion")).toContain(`${replica}/deleted/_jobs/*`);
    expect(on("s3:PutObject")).toEqual([`${replica}/deleted/_audit/*`, `${replica}/deleted/_replica-erasures/*`, sealed, `${failures}/aws/lambda/*`].sort());
    expect(on("s3:GetObject")).toContain(`${replica}/deleted/_erasures/*`);
    // The record patterns also match the console's state: the ledger, the audit log and the markers are kept by an explicit deny.
    expect(on("s3:DeleteObjectVersion", "Deny")).toEqual([`${replica}/deleted/_audit/*`, `${replica}/deleted/_erasures/*`, `${replica}/deleted/_replica-erasures/*`]);
    const kms = statements.find((s) => actionsOf(s).includes("kms:Decrypt"))!;
    expect(resourcesOf(kms)).toEqual([REPLICA_KEY]);
    expect(kms.Condition).toEqual({ StringEquals: { "kms:ViaService": { "Fn::Join": ["", ["s3.", { Ref: "AWS::Region" }, ".amazonaws.com"]] } } });
    const all = statements.flatMap(actionsOf);
    for (const action of all) expect(action).not.toContain("*");
    expect(all).not.toContain("s3:BypassGovernanceRetention");
  });

  it("alarms on any failed run, to a topic in the replica account", () => {
    const [, alarm] = onlyResource(template, "AWS::CloudWatch::Alarm", (r) => r.Properties.AlarmName === REPLICA_ERASER_ALARM_NAME);
    expect(alarm.Properties).toMatchObject({ MetricName: "Errors", Namespace: "AWS/Lambda", Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", Dimensions: [{ Name: "FunctionName", Value: { Ref: fnId } }] });
    const [topicId, topic] = onlyResource(template, "AWS::SNS::Topic");
    expect(topic.Properties.TopicName).toBe(`lazarus-alarms-${REPLICA}`);
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it("refuses an eraser whose alarm would reach nobody", () => {
    const silent = configWith({}, (raw) => {
      raw.alerts = { snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:pager" };
    });
    expect(() => synthStack(silent)).toThrow(ConfigError);
    expect(() => synthStack(silent)).toThrow(/alerts.email/);
  });

  it("passes cdk-nag", () => {
    const app = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [] } });
    buildLazarus(app, config, { now: TEST_NOW });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
