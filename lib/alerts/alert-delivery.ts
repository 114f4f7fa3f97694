import "server-only";
import type { SNSClient } from "@aws-sdk/client-sns";
import pRetry, { AbortError } from "p-retry";
import { createSnsClient } from "../aws/clients";
import type { LazarusConfig } from "../config/schema";
import { ALERT_EVENT_LABELS, type Alert } from "./alert-types";

/**
 * Sends one alert to every configured destination: the SNS topic (`alerts.snsTopicArn`)
 * and the Slack-compatible webhook whose URL is in the server's environment
 * (LAZARUS_ALERT_WEBHOOK_URL: the URL is the credential, so it is never in the config
 * file or the client bundle). Each destination is retried with backoff on its own; a
 * destination that still fails is reported, never thrown.
 */

export const ALERT_WEBHOOK_ENV = "LAZARUS_ALERT_WEBHOOK_URL";
const WEBHOOK_TIMEOUT_MS = 5_000;

export interface RetryOptions {
  retries: number;
  minTimeout: number;
  maxTimeout: number;
}
export const DEFAULT_ALERT_RETRY: RetryOptions = { retries: 3, minTimeout: 500, maxTimeout: 5_000 };

export interface DeliveryTargets {
  snsTopicArn?: string;
  webhookUrl?: string;
}

export type DestinationOutcome = { destination: "sns" | "webhook"; ok: true; attempts: number } | { destination: "sns" | "webhook"; ok: false; attempts: number; error: string };

export function deliveryTargets(config: LazarusConfig, env: NodeJS.ProcessEnv = process.env): DeliveryTargets {
  const webhookUrl = env[ALERT_WEBHOOK_ENV]?.trim();
  return { ...(config.alerts.snsTopicArn ? { snsTopicArn: config.alerts.snsTopicArn } : {}), ...(webhookUrl ? { webhookUrl } : {}) };
}

/** The console's public address for links: `alerts.consoleUrl`, else NEXTAUTH_URL (the console's own). */
export function consoleBaseUrl(config: LazarusConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return config.alerts.consoleUrl ?? (env.NEXTAUTH_URL?.trim() || undefined);
}

export function alertLink(config: LazarusConfig, alert: Alert, env: NodeJS.ProcessEnv = process.env): string {
  const base = consoleBaseUrl(config, env);
  return base ? new URL(alert.path, base).toString() : alert.path;
}

/** Slack's incoming-webhook shape: `text` for notifications and clients without blocks, `blocks` for the message. */
export function webhookBody(alert: Alert, link: string): { text: string; blocks: unknown[] } {
  const text = `Lazarus: ${alert.title}`;
  return {
    text: `${text} ${link}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${ALERT_EVENT_LABELS[alert.event]}*: ${alert.title}` } },
      ...(alert.lines.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text: alert.lines.join("\n") } }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `<${link}|Open in Lazarus>` }] },
    ],
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : "error";
}

let snsClient: { region: string; client: Promise<SNSClient> } | undefined;
function sns(region: string): Promise<SNSClient> {
  if (snsClient?.region !== region) snsClient = { region, client: createSnsClient({ region, maxAttempts: 1 }) };
  return snsClient.client;
}

async function attempt(destination: "sns" | "webhook", retry: RetryOptions, send: () => Promise<void>): Promise<DestinationOutcome> {
  let attempts = 0;
  try {
    await pRetry(
      async () => {
        attempts += 1;
        await send();
      },
      { retries: retry.retries, minTimeout: retry.minTimeout, maxTimeout: retry.maxTimeout, randomize: true },
    );
    return { destination, ok: true, attempts };
  } catch (error) {
    return { destination, ok: false, attempts, error: errorText(error) };
  }
}

async function postWebhook(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return;
  const failure = new Error(`the webhook answered HTTP ${response.status}`);
  failure.name = "WebhookError";
  // A refused request (bad URL, revoked hook) will not succeed on retry; throttling and server errors may.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new AbortError(failure);
  throw failure;
}

export async function deliverAlert(config: LazarusConfig, alert: Alert, targets: DeliveryTargets = deliveryTargets(config), retry: RetryOptions = DEFAULT_ALERT_RETRY): Promise<DestinationOutcome[]> {
  const link = alertLink(config, alert);
  const sends: Promise<DestinationOutcome>[] = [];
  if (targets.snsTopicArn) {
    const topicArn = targets.snsTopicArn;
    const subject = `Lazarus: ${alert.title}`.replace(/[^\x20-\x7e]/g, " ").slice(0, 100);
    const message = [`${ALERT_EVENT_LABELS[alert.event]}: ${alert.title}`, ...alert.lines, "", link].join("\n");
    sends.push(
      attempt("sns", retry, async () => {
        const { PublishCommand } = await import("@aws-sdk/client-sns");
        await (await sns(config.region)).send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: subject,
            Message: message,
            MessageAttributes: { event: { DataType: "String", StringValue: alert.event }, ...(alert.service ? { service: { DataType: "String", StringValue: alert.service } } : {}) },
          }),
        );
      }),
    );
  }
  if (targets.webhookUrl) {
    const url = targets.webhookUrl;
    sends.push(attempt("webhook", retry, () => postWebhook(url, webhookBody(alert, link))));
  }
  return Promise.all(sends);
}
