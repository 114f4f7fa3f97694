import { PutItemCommand, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { dayManifestKey } from "@/lib/archive/sealed-format";
import { ALERT_WEBHOOK_ENV } from "@/lib/alerts/alert-delivery";
import { scheduledDeliveryTargets } from "@/lib/alerts/webhook-secret";
import { createDynamoDBClient, createSecretsManagerClient } from "@/lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import { TtlCache } from "@/lib/protection/ttl-cache";
import { startAlertReceiver } from "../../scripts/demo/alert-receiver";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";
import { removeRecord } from "../support/stream-events";

/**
 * The scheduled functions' alerts to the webhook, against moto's Secrets Manager and a
 * real local HTTP receiver: with only `alerts.webhook` in their bundled config (no topic,
 * and no webhook URL in the environment), the sealing and drill handlers read the URL
 * from the named secret and post a failed run once per change of state.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let receiver: { url: string; stop: () => Promise<void> };
let texts: string[] = [];
let secretName: string;
let sealingHandler: typeof import("../../infra/sealing/handler").handler;
let drillHandler: typeof import("../../infra/drills/handler").handler;
const older = { year: 2024, month: 5, day: 9 };
const lambdaContext = { getRemainingTimeInMillis: () => 900_000 };

/** Alerts the receiver got since the last call. */
function posted(): string[] {
  const out = texts;
  texts = [];
  return out;
}

beforeAll(async () => {
  const { region } = motoEnv();
  delete process.env[ALERT_WEBHOOK_ENV];
  receiver = await startAlertReceiver((line) => texts.push(line));
  secretName = uniqueName("lazarus/alerts-webhook");
  const secrets = await createSecretsManagerClient({ region });
  await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: receiver.url }));

  const dynamodb = createDynamoDBClient({ region });
  const fixture = await sealingFixture("scheduled-webhook");
  s3 = fixture.s3;
  const table = uniqueName("scheduled-webhook-sessions");
  await createPkSkTable(dynamodb, table);
  await dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  for (let i = 0; i < 3; i++) await dynamodb.send(new PutItemCommand({ TableName: table, Item: { PK: { S: `LIVE#${i}` }, SK: { S: "SESSION" } } }));
  service = { ...fixture.service, table: { ...fixture.service.table, name: table } };
  config = {
    ...fixture.config,
    services: [service],
    // No topic: the webhook is the only destination.
    alerts: { email: [], events: fixture.config.alerts.events, webhook: { urlSecretName: secretName }, consoleUrl: "https://lazarus.example.com" },
    drills: { scratchTablePrefix: "lazarus-drill-", functionName: "lazarus-drills", services: [{ service: service.name, schedule: "rate(7 days)", sampleSize: 1, sampleDays: 7, itemCountTolerancePercent: 0, maxRtoMinutes: 1 }] },
  };
  await archiveAll(s3, config, service, deletionsOfDay(older, 5, "OLD"));
  // Both bundles carry the config this way (infra/lib/sealing-schedule.ts, drill-schedule.ts).
  (globalThis as { LAZARUS_CONFIG_JSON?: string }).LAZARUS_CONFIG_JSON = JSON.stringify(config);
  ({ handler: sealingHandler } = await import("../../infra/sealing/handler"));
  ({ handler: drillHandler } = await import("../../infra/drills/handler"));
});

afterAll(async () => {
  await receiver?.stop();
});

describe("the sealing function's webhook alerts", () => {
  it("posts a failed run once, nothing while it keeps failing, nothing when it recovers", async () => {
    const manifest = dayManifestKey(config.archive.prefix, service.name, older);
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: manifest, Body: "not a manifest" }));
    await expect(sealingHandler({}, lambdaContext)).rejects.toThrow(/sealing left 1 day/);
    const first = posted();
    expect(first).toHaveLength(1);
    expect(first[0]).toContain("Lazarus: Sealing left 1 day and 0 services unsealed");
    expect(first[0]).toContain("https://lazarus.example.com/protection");

    await expect(sealingHandler({}, lambdaContext)).rejects.toThrow(/sealing left 1 day/);
    expect(posted()).toEqual([]);

    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: manifest }));
    await expect(sealingHandler({}, lambdaContext)).resolves.toMatchObject({ daysSealed: 1, failedDays: 0 });
    expect(posted()).toEqual([]);
  });
});

describe("the drill function's webhook alerts", () => {
  it("posts a failed drill once, and again only after a drill passed in between", async () => {
    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/no archived records/);
    expect(posted()).toEqual([expect.stringContaining(`Lazarus: The restore drill of ${service.name} failed https://lazarus.example.com/drills#drills-${service.name}`)]);

    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/failed/);
    expect(posted()).toEqual([]);

    const keys = { PK: { S: "RECENT#1" }, SK: { S: "SESSION" } };
    const archived = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: { ...keys, n: { N: "1" } }, at: new Date(Date.now() - 60_000) }));
    if (archived.status !== "archived") throw new Error(`fixture not archived: ${archived.status}`);
    await expect(drillHandler({ service: service.name }, lambdaContext)).resolves.toMatchObject({ passed: true });
    expect(posted()).toEqual([]);

    await s3.send(new DeleteObjectCommand({ Bucket: config.archive.bucket, Key: archived.archiveKey }));
    await expect(drillHandler({ service: service.name }, lambdaContext)).rejects.toThrow(/failed/);
    expect(posted()).toEqual([expect.stringContaining(`The restore drill of ${service.name} failed`)]);
  });
});

describe("a webhook secret that cannot be used", () => {
  it("sends nowhere and logs the secret's name, never its value", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const missing = { ...config, alerts: { ...config.alerts, webhook: { urlSecretName: uniqueName("lazarus/no-such-secret") } } };
      expect(await scheduledDeliveryTargets(missing, new TtlCache(60_000))).toEqual({});

      const notUrl = uniqueName("lazarus/not-a-url");
      const secrets = await createSecretsManagerClient({ region: config.region });
      await secrets.send(new CreateSecretCommand({ Name: notUrl, SecretString: "hooks.example.com/T000/B000/secret-part" }));
      const withTopic = { ...config, alerts: { ...config.alerts, snsTopicArn: "arn:aws:sns:us-east-1:123456789012:pager", webhook: { urlSecretName: notUrl } } };
      expect(await scheduledDeliveryTargets(withTopic, new TtlCache(60_000))).toEqual({ snsTopicArn: "arn:aws:sns:us-east-1:123456789012:pager" });

      const logged = errors.mock.calls.map((c) => String(c[0]));
      expect(logged.some((l) => l.includes("alert webhook secret not read") && l.includes(notUrl))).toBe(true);
      expect(logged.join("\n")).not.toContain("secret-part");
    } finally {
      errors.mockRestore();
    }
  });

  it("reads the secret once while its answer is fresh", async () => {
    const cache = new TtlCache(60_000);
    expect(await scheduledDeliveryTargets(config, cache)).toEqual({ webhookUrl: receiver.url });
    const secrets = await createSecretsManagerClient({ region: config.region });
    const { PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    await secrets.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: "https://hooks.example.com/rotated" }));
    try {
      expect(await scheduledDeliveryTargets(config, cache)).toEqual({ webhookUrl: receiver.url });
      expect(await scheduledDeliveryTargets(config, new TtlCache(60_000))).toEqual({ webhookUrl: "https://hooks.example.com/rotated" });
    } finally {
      await secrets.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: receiver.url }));
    }
  });
});
