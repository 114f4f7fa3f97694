import { Validations, type App } from "aws-cdk-lib";
import { Table, AttributeType } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp, streamArnContextKey } from "../lib/app-context";
import { LazarusStack } from "../lib/lazarus-stack";
import { serviceAt, shippedConfigWithServices, tempOutdir, testConfig } from "./fixtures";

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin rather than an Aspect, so its
 * findings are not Annotations: an unacknowledged error or warning makes
 * app.synth() throw with the report, and validateScope() returns the findings
 * of the same pack directly.
 */
function synthWithNag(config: LazarusConfig, context: Record<string, unknown> = {}, mutate: (stack: LazarusStack) => void = () => {}) {
  const app: App = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [], ...context } });
  const stack = new LazarusStack(app, "Lazarus", { config, env: { region: config.region } });
  mutate(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return app;
}

function findings(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations.map(
    (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
  );
}

/** Every acknowledgment in the tree, as recorded by Validations.acknowledge(). */
function acknowledgments(app: App): Array<{ id: string; reason: string; at: string }> {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ""), reason, at: c.node.path }))),
  );
}

const shippedConfig = loadConfigFile(new URL("../../lazarus.config.json", import.meta.url).pathname);
const withLockAndImport = testConfig((raw) => {
  (raw.archive as Record<string, unknown>).objectLock = { enabled: true };
  (serviceAt(raw, 0).table as Record<string, unknown>).managed = false;
});
const importContext = {
  [streamArnContextKey("contact-svc")]: "arn:aws:dynamodb:eu-west-1:111122223333:table/contact/stream/2024-01-15T00:00:00.000",
  "lazarus:alarmEmail": "ops@example.com",
};

describe("cdk-nag AwsSolutions checks", () => {
  it.each([
    ["the shipped lazarus.config.json", shippedConfig, {}],
    ["SQS and S3 failure destinations with custom lifecycle", testConfig(), {}],
    ["Object Lock, an imported table and an alarm topic", withLockAndImport, importContext],
    ["12 services, whose console tiers take several policies each", shippedConfigWithServices(12), {}],
  ])("leave no unacknowledged error or warning for %s", (_name, config, context) => {
    const app = synthWithNag(config, context);
    expect(findings(app)).toEqual([]);
  });

  it("are acknowledged only with a specific reason, and wildcards one resource at a time", () => {
    const acks = acknowledgments(synthWithNag(withLockAndImport, importContext));
    expect(acks.map((a) => a.id)).toEqual(
      expect.arrayContaining(["AwsSolutions-S1", "AwsSolutions-SQS3", "AwsSolutions-IAM5[Resource::*]", "CloudFormation-Validate::W9003"]),
    );
    for (const a of acks) {
      expect(a.reason.length, `${a.id} at ${a.at}`).toBeGreaterThan(60);
      expect(a.id, a.at).not.toBe("AwsSolutions-IAM5");
    }
  });

  it("fail the synth for a wildcard nobody justified", () => {
    expect(() =>
      synthWithNag(testConfig(), {}, (stack) => {
        stack.services[0]!.function.addToRolePolicy(new PolicyStatement({ actions: ["s3:GetObject"], resources: [stack.storage.bucket.arnForObjects("*")] }));
      }),
    ).toThrow(/AwsSolutions-IAM5\[Resource::<ArchiveBucket[0-9A-F]+\.Arn>\/\*\]/);
  });

  it("fail the synth on a warning too, such as a table without PITR", () => {
    expect(() =>
      synthWithNag(testConfig(), {}, (stack) => {
        new Table(stack, "Unprotected", { partitionKey: { name: "id", type: AttributeType.STRING } });
      }),
    ).toThrow(/WARNING The DynamoDB table does not have Point-in-time Recovery enabled[\s\S]*Lazarus\/Unprotected/);
  });
});
