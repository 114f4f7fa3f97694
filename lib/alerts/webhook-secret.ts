import "server-only";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { awsErrorName } from "../aws/aws-errors";
import { createSecretsManagerClient } from "../aws/clients";
import type { LazarusConfig } from "../config/schema";
import { TtlCache } from "../protection/ttl-cache";
import type { DeliveryTargets } from "./alert-delivery";

/**
 * The scheduled functions' way to the webhook. Its URL is its own credential, so it is
 * kept out of their environment (CloudFormation shows a function's environment in plain
 * text): they read it at run time from the Secrets Manager secret the config names
 * (`alerts.webhook.urlSecretName`, the same secret infra's EventBridge rule posts alarms
 * with), whose value is the URL itself.
 */

/** A warm function reads the secret once in this long; a rotated URL is in use within it. */
export const WEBHOOK_SECRET_TTL_MS = 5 * 60_000;

const webhookUrlSchema = z.url({ protocol: /^https?$/ });

class WebhookSecretError extends Error {
  override name = "WebhookSecretError";
}

const secretCache = new TtlCache(WEBHOOK_SECRET_TTL_MS);
let client: { region: string; client: Promise<SecretsManagerClient> } | undefined;

function secretsManager(region: string): Promise<SecretsManagerClient> {
  if (client?.region !== region) client = { region, client: createSecretsManagerClient({ region }) };
  return client.client;
}

/** The webhook URL held by the secret; failures are not cached, so the next run asks again. */
export function readWebhookUrl(config: LazarusConfig, secretName: string, cache: TtlCache = secretCache): Promise<string> {
  return cache.get(`webhook-secret:${config.region}:${secretName}`, async () => {
    const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const answer = await (await secretsManager(config.region)).send(new GetSecretValueCommand({ SecretId: secretName }));
    const parsed = webhookUrlSchema.safeParse(answer.SecretString?.trim());
    // Never the value in the message: it is the credential.
    if (!parsed.success) throw new WebhookSecretError(`the secret ${secretName} does not hold an http(s) URL`);
    return parsed.data;
  });
}

/**
 * Where a scheduled function sends: `alerts.snsTopicArn`, and the webhook when the config
 * names its secret. A secret that cannot be read is logged and leaves the topic alone;
 * without a topic nothing is sent and no alert state is written, so the next run tells
 * the change once the secret can be read again.
 */
export async function scheduledDeliveryTargets(config: LazarusConfig, cache?: TtlCache): Promise<DeliveryTargets> {
  const { snsTopicArn, webhook } = config.alerts;
  const topic = snsTopicArn ? { snsTopicArn } : {};
  if (!webhook) return topic;
  try {
    return { ...topic, webhookUrl: await readWebhookUrl(config, webhook.urlSecretName, cache) };
  } catch (error) {
    const reason = error instanceof WebhookSecretError ? error.message : (awsErrorName(error) ?? "error");
    console.error(JSON.stringify({ message: "alert webhook secret not read", secret: webhook.urlSecretName, error: reason }));
    return topic;
  }
}
