import { Validations, type App } from "aws-cdk-lib";
import { Table, AttributeType } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createLazarusApp, streamArnContextKey } from "../lib/app-context";
import { buildLazarus, type LazarusStacks } from "../lib/lazarus-app";
import { TEST_NOW, serviceAt, shippedConfigWithServices, tempOutdir, testConfig } from "./fixtures";

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin rather than an Aspect, so its
 * findings are not Annotations: an unacknowledged error or warning makes
 * app.synth() throw with the report, and validateScope() returns the findings
 * of the same pack directly.
 */
function synthWithNag(config: LazarusConfig, context: Record<string, unknown> = {}, mutate: (stacks: LazarusStacks) => void = () => {}) {
  const app: App = createLazarusApp({ outdir: tempOutdir(), context: { "aws:cdk:bundling-stacks": [], ...context } });
  const stacks = buildLazarus(app, config, { now: TEST_NOW });
  mutate(stacks);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return app;
}

/** A config synthesized as deployed is checked by more than one test: synthesize it once. */
const synthesizedWithNag = new Map<LazarusConfig, Map<string, App>>();
function sharedSynthWithNag(config: LazarusConfig, context: Record<string, unknown> = {}): App {
  const byContext = synthesizedWithNag.get(config) ?? new Map<string, App>();
  synthesizedWithNag.set(config, byContext);
  let app = byContext.get(JSON.stringify(context));
  if (!app) byContext.set(JSON.stringify(context), (app = synthWithNag(config, context)));
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
const withEveryOption = testConfig((raw) => {
  const archive = raw.archive as Record<string, unknown>;
  archive.secondCopy = {
    replication: {
      destinationBucket: "test-archive-replica",
      destinationAccount: "444455556666",
      destinationKmsKeyArn: "arn:aws:kms:eu-west-1:444455556666:key/11111111-2222-3333-4444-555555555555",
    },
    backup: { retentionDays: 30, vaultLock: { mode: "compliance", changeableForDays: 3 } },
  };
  archive.keyAdministrators = ["arn:aws:iam::111122223333:role/key-admins"];
  archive.retiredServices = [{ name: "old-svc", retiredOn: "2026-11-01" }];
  raw.alerts = {
    email: ["ops@example.com"],
    snsTopicArn: "arn:aws:sns:eu-west-1:111122223333:pager",
    snsTopicKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    webhook: { urlSecretName: "lazarus/alerts-webhook" },
  };
  // The scheduled functions then read the webhook's secret and use the topic's key.
  raw.drills = { services: [{ service: "contact-svc" }] };
  (serviceAt(raw, 1).archiver as Record<string, unknown>).reservedConcurrency = 5;
  raw.search = { engine: "athena" };
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
    ["40 services in several archivers stacks", shippedConfigWithServices(40), {}],
    ["a replica, a locked backup vault, key administrators, every alarm destination (an encrypted topic), drills, Athena search", withEveryOption, {}],
  ])("leave no unacknowledged error or warning for %s", (_name, config, context) => {
    const app = sharedSynthWithNag(config, context);
    expect(findings(app)).toEqual([]);
  });

  it("are acknowledged only with a specific reason, and wildcards one resource at a time", () => {
    const acks = acknowledgments(sharedSynthWithNag(withLockAndImport, importContext));
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
      synthWithNag(testConfig(), {}, (stacks) => {
        const archiver = stacks.archivers[0]!.services[0]!;
        const bucket = Bucket.fromBucketName(archiver, "Archive", "test-archive");
        archiver.function.addToRolePolicy(new PolicyStatement({ actions: ["s3:GetObject"], resources: [bucket.arnForObjects("*")] }));
      }),
    ).toThrow(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::test-archive\/\*\]/);
  });

  it("fail the synth on a warning too, such as a table without PITR", () => {
    expect(() =>
      synthWithNag(testConfig(), {}, (stacks) => {
        new Table(stacks.foundation, "Unprotected", { partitionKey: { name: "id", type: AttributeType.STRING } });
      }),
    ).toThrow(/WARNING The DynamoDB table does not have Point-in-time Recovery enabled[\s\S]*Lazarus\/Unprotected/);
  });
});
