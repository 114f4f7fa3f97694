import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/load";
import { archiverSize } from "../lib/archiver-sizing";
import { expectedAlarmNames } from "../../lib/protection/protection-rules";
import { NEAR_TIMEOUT_SHARE } from "../lib/archiver-alarms";
import { SERVICE_ALARM_CHECKS } from "../lib/fleet-dashboard";
import { logicalIdOf, onlyResource, renderArn, resourcesOfType, synthStack, testConfig, type Resource } from "./fixtures";

const TOPIC = "arn:aws:sns:eu-west-1:${AWS::AccountId}:lazarus-alarms-test-archive";
const EXISTING = "arn:aws:sns:eu-west-1:111122223333:pager";

/** One synth with an email destination serves every test that only reads it. */
const main = synthStack(testConfig());
const alarmsOf = (template = main.services) => resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([, a]) => a);
const named = (name: string, template = main.services): Resource => onlyResource(template, "AWS::CloudWatch::Alarm", (a) => a.Properties.AlarmName === name)[1];

describe("alarm destinations", () => {
  it("are required: a config without one is refused, saying which settings give one", () => {
    const config = testConfig((raw) => delete raw.alerts);
    expect(() => synthStack(config)).toThrow(ConfigError);
    expect(() => synthStack(config)).toThrow(/alarms have nowhere to go.*"email".*"snsTopicArn".*"webhook".*-c lazarus:alarmEmail=/s);
    // The context value alone is enough, as before.
    expect(synthStack(config, { context: { "lazarus:alarmEmail": "ops@example.com" } }).template.findResources("AWS::SNS::Topic")).not.toEqual({});
    expect(() => synthStack(config, { context: { "lazarus:alarmEmail": "not-an-email" } })).toThrow(/must be an email address/);
  });

  it("are reached by every alarm of every stack: the foundation's encrypted topic, with the email subscribed", () => {
    const [topicId, topic] = onlyResource(main.template, "AWS::SNS::Topic");
    expect(topic.Properties).toMatchObject({ TopicName: "lazarus-alarms-test-archive", KmsMasterKeyId: expect.anything() });
    main.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com", TopicArn: { Ref: topicId } });
    const all = [...alarmsOf(), ...alarmsOf(main.template)];
    expect(all.length).toBeGreaterThan(10);
    for (const alarm of all) expect((alarm.Properties.AlarmActions as unknown[]).map(renderArn), String(alarm.Properties.AlarmName)).toEqual([TOPIC]);
  });

  it("can be an existing topic alone, which every alarm then publishes to", () => {
    const { template, services } = synthStack(testConfig((raw) => (raw.alerts = { snsTopicArn: EXISTING })));
    expect(template.findResources("AWS::SNS::Topic")).toEqual({});
    for (const alarm of [...alarmsOf(services), ...alarmsOf(template)]) expect(alarm.Properties.AlarmActions).toEqual([EXISTING]);
  });

  it("can be a webhook, fed every Lazarus alarm's state change as Slack-compatible JSON", () => {
    const { template } = synthStack(testConfig((raw) => (raw.alerts = { webhook: { urlSecretName: "lazarus/webhook" } })));
    const [, rule] = onlyResource(template, "AWS::Events::Rule", (r) => r.Properties.EventPattern !== undefined);
    expect(rule.Properties.EventPattern).toEqual({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      detail: { alarmName: [{ prefix: "lazarus-" }] },
    });
    const target = (rule.Properties.Targets as Array<{ InputTransformer: { InputTemplate: string } }>)[0]!;
    expect(target.InputTransformer.InputTemplate).toMatch(/^\{"text":"Lazarus: <detail-alarmName> is <detail-state-value>/);
    const [, destination] = onlyResource(template, "AWS::Events::ApiDestination");
    expect(JSON.stringify(destination.Properties.InvocationEndpoint)).toContain("{{resolve:secretsmanager:lazarus/webhook:SecretString:::}}");
  });
});

describe("archiver alarms", () => {
  it("exist for every check of every service, named lazarus-{service}-{check}", () => {
    const names = alarmsOf().map((a) => String(a.Properties.AlarmName));
    for (const service of ["contact-svc", "order-svc"]) for (const check of SERVICE_ALARM_CHECKS) expect(names).toContain(`lazarus-${service}-${check}`);
    expect(names).toContain("lazarus-contact-svc-dlq-depth");
    expect(names).not.toContain("lazarus-order-svc-dlq-depth");
  });

  it("are the ones the console's protection page looks for, no more and no fewer", () => {
    const created = new Set([...alarmsOf(), ...alarmsOf(main.template)].map((a) => String(a.Properties.AlarmName)));
    const config = testConfig();
    for (const service of config.services) for (const name of expectedAlarmNames(service)) expect(created, name).toContain(name);
    const expected = new Set(config.services.flatMap(expectedAlarmNames));
    for (const name of created) if (name.startsWith(`lazarus-${config.services[0]!.name}-`)) expect(expected, name).toContain(name);
  });

  it("keep the configured iterator-age and error thresholds", () => {
    expect(named("lazarus-contact-svc-iterator-age").Properties).toMatchObject({ MetricName: "IteratorAge", Statistic: "Maximum", Threshold: 900_000, TreatMissingData: "notBreaching" });
    expect(named("lazarus-contact-svc-archiver-errors").Properties).toMatchObject({ MetricName: "Errors", Threshold: 3, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
  });

  it("catch sustained throttling, any failed delivery to the on-failure destination, and batches near the timeout", () => {
    expect(named("lazarus-contact-svc-throttles").Properties).toMatchObject({ MetricName: "Throttles", Threshold: 1, EvaluationPeriods: 3 });
    expect(named("lazarus-contact-svc-destination-delivery-failures").Properties).toMatchObject({
      MetricName: "DestinationDeliveryFailures",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(named("lazarus-contact-svc-near-timeout").Properties).toMatchObject({
      MetricName: "Duration",
      Statistic: "Maximum",
      Threshold: archiverSize(250).timeoutSeconds * 1000 * NEAR_TIMEOUT_SHARE,
    });
  });

  it("see a stopped mapping: deletions in the table with no iterator age at all", () => {
    const metrics = named("lazarus-contact-svc-stalled").Properties.Metrics as Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] }; Stat: string } }>;
    const expression = metrics.find((m) => m.Expression)!.Expression!;
    expect(expression).toMatch(/IF\(FILL\(invoked, 0\) == 0 AND \(FILL\(ttl, 0\) > 0 OR FILL\(deletes, 0\) >= 10\), 1, 0\)/);
    const byId = Object.fromEntries(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!]));
    expect(byId.invoked).toMatchObject({ Metric: { MetricName: "IteratorAge" }, Stat: "SampleCount" });
    expect(byId.ttl).toMatchObject({ Metric: { MetricName: "TimeToLiveDeletedItemCount", Dimensions: [{ Name: "TableName", Value: "contact" }] } });
    expect(byId.deletes).toMatchObject({ Metric: { MetricName: "SuccessfulRequestLatency" }, Stat: "SampleCount" });
  });

  it("count partial batch failures from the archiver's log, which the Errors metric never sees", () => {
    const logGroupId = logicalIdOf(main.services, "AWS::Logs::LogGroup", (r) => r.Properties.LogGroupName === "/aws/lambda/archiver-contact");
    const [, filter] = onlyResource(main.services, "AWS::Logs::MetricFilter", (r) => (r.Properties.LogGroupName as { Ref: string }).Ref === logGroupId);
    expect(String(filter.Properties.FilterPattern)).toContain('$.level = "ERROR"');
    expect(String(filter.Properties.FilterPattern)).toContain("archiver batch processed");
    expect(filter.Properties.MetricTransformations).toEqual([
      { MetricNamespace: "Lazarus/Archiver", MetricName: "FailedRecords-contact-svc", MetricValue: "1", DefaultValue: 0 },
    ]);
    expect(named("lazarus-contact-svc-failed-records").Properties).toMatchObject({ Namespace: "Lazarus/Archiver", MetricName: "FailedRecords-contact-svc", EvaluationPeriods: 3 });
  });

  it("watch writes to each S3 failure bucket, once per bucket", () => {
    expect(named("lazarus-test-failed-batches-failed-batches", main.template).Properties).toMatchObject({
      Namespace: "AWS/S3",
      MetricName: "PutRequests",
      Dimensions: expect.arrayContaining([{ Name: "FilterId", Value: "failed-batches" }]),
      Threshold: 0,
    });
  });
});

describe("fleet dashboard", () => {
  it("shows every alarm and every archiver's metrics on one dashboard", () => {
    const [, dashboard] = onlyResource(main.template, "AWS::CloudWatch::Dashboard");
    expect(dashboard.Properties.DashboardName).toBe("lazarus-test-archive");
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const alarm of alarmsOf()) expect(body).toContain(`alarm:${String(alarm.Properties.AlarmName)}`);
    for (const fn of ["archiver-contact", "archiver-order"]) expect(body).toContain(fn);
    for (const metric of ["IteratorAge", "Throttles", "DestinationDeliveryFailures", "FailedRecords-contact-svc", "ApproximateNumberOfMessagesVisible"]) expect(body).toContain(metric);
  });
});
