import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertOnChange, sendAlert, type AlertContext } from "@/lib/alerts/alerts";
import { alertApprovalRequested, alertDrillOutcome, alertProtectionReport } from "@/lib/alerts/event-alerts";
import { ALERT_WEBHOOK_ENV } from "@/lib/alerts/alert-delivery";
import { requestApprovalIfNeeded } from "@/lib/approvals/approvals";
import { listAuditEntries, type AuditEntry } from "@/lib/audit/audit-log";
import type { SessionUser } from "@/lib/auth/roles";
import { createS3Client, createSnsClient, createSqsClient } from "@/lib/aws/clients";
import { parseConfig } from "@/lib/config/load";
import type { LazarusConfig } from "@/lib/config/schema";
import { consoleClients } from "@/lib/http/clients";
import type { Check, Light, ProtectionReport } from "@/lib/protection/protection-types";
import { TtlCache } from "@/lib/protection/ttl-cache";
import { z } from "zod";
import { motoEnv, uniqueName } from "../support/aws";

/**
 * Alerts against a real local HTTP server (the webhook) and moto (SNS delivering to a
 * subscribed SQS queue): Slack-compatible JSON with a link to the page, once per change
 * of state, retried with backoff, and a failing webhook that never fails the action.
 */

interface Received {
  body: { text: string; blocks?: unknown[] };
}

let server: Server;
let webhookUrl: string;
let received: Received[] = [];
/** How the receiver answers the next requests: a list of statuses, then 200. */
let answers: number[] = [];
let s3: S3Client;
let sqs: SQSClient;
let config: LazarusConfig;
let topicArn: string;
let queueUrl: string;

const FAST = { retries: 3, minTimeout: 20, maxTimeout: 100 };
const admin: SessionUser = { id: "u-admin", email: "ada@example.com", name: "Ada Admin", role: "admin" };

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function context(extra: Partial<AlertContext> = {}): AlertContext {
  return { s3, config, targets: { webhookUrl }, retry: FAST, ...extra };
}

function check(id: Check["id"], label: string, status: Light, summary: string): Check {
  return { id, label, status, summary, facts: [], findings: [] };
}

function report(service: string, status: Light): ProtectionReport {
  return {
    generatedAt: new Date().toISOString(),
    status,
    thresholds: {} as ProtectionReport["thresholds"],
    services: [{ service, table: `${service}-table`, status, checks: [check("pitr", "Point-in-time recovery", status, status === "red" ? "DISABLED" : "ENABLED")] }],
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function alertAuditEntries(): Promise<AuditEntry[]> {
  const now = new Date();
  const day = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
  return (await listAuditEntries(s3, config, { day, limit: 1000 })).entries.filter((e) => e.action === "alert");
}

beforeAll(async () => {
  const { region } = motoEnv();
  s3 = createS3Client({ region });
  sqs = createSqsClient({ region });
  const sns = await createSnsClient({ region });
  const bucket = uniqueName("alerts-archive");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  topicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName("lazarus-alerts") }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("alerts-inbox") }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: "" },
    alerts: { snsTopicArn: topicArn, consoleUrl: "https://lazarus.example.com" },
    approvals: { protectionChange: true },
    services: [{ name: "orders-svc", table: { name: uniqueName("alerts-orders"), partitionKey: { name: "PK", type: "S" } }, archiver: { functionName: "archiver-orders" } }],
  });

  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      received.push({ body: JSON.parse(text) as Received["body"] });
      response.statusCode = answers.shift() ?? 200;
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/lazarus`;
});

afterAll(async () => {
  delete process.env[ALERT_WEBHOOK_ENV];
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answers = [];
});

describe("alerts", () => {
  it("tell the webhook once when protection turns red, in Slack's shape with a link to the page", async () => {
    const service = uniqueName("svc");
    const depths = new Map([[service, 0]]);
    await alertProtectionReport(context(), report(service, "green"), depths);
    expect(received).toHaveLength(0);

    await alertProtectionReport(context(), report(service, "red"), depths);
    expect(received).toHaveLength(1);
    const body = received[0]!.body;
    expect(body.text).toContain(`${service} (${service}-table) is at risk: Point-in-time recovery turned red`);
    expect(body.text).toContain(`https://lazarus.example.com/protection/${service}`);
    expect(JSON.stringify(body.blocks)).toContain(`<https://lazarus.example.com/protection/${service}|Open in Lazarus>`);

    // Still red, or a describe call failing for a moment: nothing new to tell.
    await alertProtectionReport(context(), report(service, "red"), depths);
    await alertProtectionReport(context(), report(service, "unknown"), depths);
    expect(received).toHaveLength(1);
    // Green, then red again: a new change, a new alert.
    await alertProtectionReport(context(), report(service, "green"), depths);
    await alertProtectionReport(context(), report(service, "red"), depths);
    expect(received).toHaveLength(2);
  });

  it("tell when the DLQ grows, not while it stays or shrinks", async () => {
    const service = uniqueName("svc");
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, 0]]));
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, 2]]));
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, 2]]));
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, null]]));
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, 1]]));
    await alertProtectionReport(context(), report(service, "amber"), new Map([[service, 3]]));
    expect(received.map((r) => r.body.text.replace(/ https:.*$/, ""))).toEqual([
      `Lazarus: ${service}: 2 failed batches in the DLQ (was 0)`,
      `Lazarus: ${service}: 3 failed batches in the DLQ (was 1)`,
    ]);
    expect(received[0]!.body.text).toContain("https://lazarus.example.com/dlq");
  });

  it("read the alert state once for checks in a row, as the protection report caches its describe calls", async () => {
    const service = uniqueName("svc");
    const counted = createS3Client({ region: config.region });
    const requests: string[] = [];
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? "";
        if (key.includes("_alerts/")) requests.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize", name: "countAlertStateRequests" },
    );
    const stateCache = new TtlCache(30_000);
    const check = (light: Light, depth: number) => alertProtectionReport(context({ s3: counted, stateCache }), report(service, light), new Map([[service, depth]]));

    await check("green", 0);
    await check("green", 0);
    await check("green", 0);
    // The first check reads the state and stores the service's; the next two change nothing and ask S3 nothing.
    expect(requests).toEqual(["GetObjectCommand", "PutObjectCommand"]);

    // A change within the cache's time is still told, written against the ETag the cache holds.
    requests.length = 0;
    await check("red", 0);
    expect(requests).toEqual(["PutObjectCommand"]);
    expect(received.map((r) => r.body.text)).toEqual([expect.stringContaining(`${service} (${service}-table) is at risk`)]);

    // Another instance (no cache) changed it meanwhile: the cached ETag fails, the state is read again, nothing is told twice.
    await alertProtectionReport(context(), report(service, "green"), new Map([[service, 0]]));
    requests.length = 0;
    await check("green", 0);
    expect(requests).toEqual(["PutObjectCommand", "GetObjectCommand"]);
    expect(received).toHaveLength(1);
  });

  it("send one alert when two instances see the same change at once", async () => {
    const subject = `drills/${uniqueName("svc")}`;
    const schema = z.strictObject({ outcome: z.string() });
    const alert = { event: "drill-failed" as const, title: "drill failed", lines: [], path: "/drills" };
    const both = await Promise.all([0, 1].map(() => alertOnChange(context(), subject, schema, () => ({ outcome: "failed" }), () => [alert])));
    expect(both.flat()).toHaveLength(1);
    expect(received).toHaveLength(1);
  });

  it("tell a drill's failure once, and again only after a pass", async () => {
    const service = uniqueName("svc");
    const drill = (passed: boolean, n: number) => alertDrillOutcome(context(), { service, drillId: `d-${n}`, passed, reasons: ["item count 90 outside 95-105"], path: `/drills/${service}` });
    await drill(false, 1);
    await drill(false, 2);
    await drill(true, 3);
    await drill(false, 4);
    expect(received.map((r) => r.body.text.replace(/ https:.*$/, ""))).toEqual([`Lazarus: The restore drill of ${service} failed`, `Lazarus: The restore drill of ${service} failed`]);
  });

  it("retry a failing webhook with backoff and audit the delivery", async () => {
    answers = [503, 500];
    const [outcome] = await sendAlert(context(), { event: "erasure-ran", title: `retry ${uniqueName("t")}`, lines: [], path: "/audit" });
    expect(outcome).toMatchObject({ destination: "webhook", ok: true, attempts: 3 });
    expect(received).toHaveLength(3);

    answers = [404];
    const [refused] = await sendAlert(context(), { event: "erasure-ran", title: "gone hook", lines: [], path: "/audit" });
    // A refused URL does not get better by asking again.
    expect(refused).toMatchObject({ ok: false, attempts: 1 });
    const audit = await alertAuditEntries();
    expect(audit.find((e) => e.message?.includes("gone hook"))).toMatchObject({ outcome: "failed", details: { event: "erasure-ran" } });
  });

  it("never fail or hold the action when the webhook keeps failing: the request is made, the failure audited", async () => {
    process.env[ALERT_WEBHOOK_ENV] = webhookUrl;
    answers = Array.from({ length: 10 }, () => 500);
    const { s3: _s3, ...rest } = consoleClients(config);
    const clients = { ...rest, s3 };
    const started = Date.now();
    const requested = await requestApprovalIfNeeded(clients, config, admin, { kind: "protection-change", input: { service: "orders-svc", fix: "enable-pitr" } });
    expect(requested?.outcome).toBe("approval-requested");
    // The request answered before the webhook's retries (0.5 s, 1 s, 2 s) were over.
    expect(Date.now() - started).toBeLessThan(3_000);
    const failed = await waitFor("the failed alert's audit entry", async () => (await alertAuditEntries()).find((e) => e.details?.path === requested!.request.url && e.outcome === "failed"));
    expect(failed.details?.destinations).toEqual(expect.arrayContaining([expect.objectContaining({ destination: "webhook", ok: false, attempts: 4 }), expect.objectContaining({ destination: "sns", ok: true })]));
    delete process.env[ALERT_WEBHOOK_ENV];
  });

  it("publish to the SNS topic, read back from a subscribed queue", async () => {
    const request = {
      id: "20261206T180000.000Z-0123456789ab",
      kind: "dlq-discard",
      summary: { title: "Discard a failed batch of 3 records from orders-svc", lines: [], service: "orders-svc" },
      requestedBy: admin,
      expiresAt: "2026-12-07T18:00:00.000Z",
    } as unknown as Parameters<typeof alertApprovalRequested>[1];
    expect(await alertApprovalRequested(context({ targets: { snsTopicArn: topicArn } }), request)).toBe(true);
    // Once per request: asking again sends nothing.
    expect(await alertApprovalRequested(context({ targets: { snsTopicArn: topicArn } }), request)).toBe(false);
    const messages = await waitFor("the SNS message in the queue", async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const found = (out.Messages ?? []).map((m) => JSON.parse(m.Body!) as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> });
      const mine = found.filter((m) => m.Message.includes(request.id));
      return mine.length > 0 ? mine : undefined;
    });
    expect(messages).toHaveLength(1);
    // SNS subjects stop at 100 characters; the message has the whole title.
    expect(messages[0]!.Subject).toBe("Lazarus: ada@example.com asks for a second person: Discard a failed batch of 3 records from orders-s");
    expect(messages[0]!.Message).toContain("Discard a failed batch of 3 records from orders-svc");
    expect(messages[0]!.Message).toContain(`https://lazarus.example.com/approvals/${request.id}`);
    expect(messages[0]!.MessageAttributes?.event?.Value).toBe("approval-requested");
  });
});
