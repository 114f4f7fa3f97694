import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { appendAuditEntry } from "../audit/audit-log";
import { isPreconditionFailed } from "../aws/aws-errors";
import { getJson, putJson, type Versioned } from "../aws/s3-json";
import type { LazarusConfig } from "../config/schema";
import type { TtlCache } from "../protection/ttl-cache";
import { deliverAlert, deliveryTargets, DEFAULT_ALERT_RETRY, type DeliveryTargets, type DestinationOutcome, type RetryOptions } from "./alert-delivery";
import { ALERT_EVENT_LABELS, type Alert } from "./alert-types";

/**
 * Alerts are sent once per change of state, never on every check: what was last sent
 * is kept in the archive bucket,
 *
 *   {prefix}_alerts/{subject}.json
 *
 * and changed only with a conditional write (If-Match on the ETag read, If-None-Match
 * for a new subject). Of two console instances (or a console and a Lambda) seeing the
 * same change, one write lands and only that one sends. Each send is audited (action
 * "alert"); a destination that fails after its retries is logged and audited, and never
 * fails the action or check that raised it.
 */

export const ALERTS_SEGMENT = "_alerts";

export interface AlertContext {
  s3: S3Client;
  config: LazarusConfig;
  targets?: DeliveryTargets;
  retry?: RetryOptions;
  /**
   * Keeps the state read (and written) for the cache's TTL, so a check that changes
   * nothing costs no S3 request: the protection report passes its describe cache.
   */
  stateCache?: TtlCache;
}

const SUBJECT = /^[a-z0-9-]+(\/[A-Za-z0-9._:-]{1,200})?$/;

export function alertStateKey(archivePrefix: string, subject: string): string {
  if (!SUBJECT.test(subject)) throw new Error(`not an alert subject: ${subject}`);
  return `${archivePrefix}${ALERTS_SEGMENT}/${subject}.json`;
}

const SYSTEM_ACTOR = { id: "lazarus-alerts", email: "alerts@lazarus.invalid", name: "Lazarus alerts" };

function targetsOf(context: AlertContext): DeliveryTargets {
  return context.targets ?? deliveryTargets(context.config);
}

/** Whether the config asks for this kind of alert and names somewhere to send it. */
export function isAlerting(context: AlertContext, alert: Pick<Alert, "event">): boolean {
  const targets = targetsOf(context);
  return context.config.alerts.events.includes(alert.event) && Boolean(targets.snsTopicArn || targets.webhookUrl);
}

/** Delivers and audits one alert; returns each destination's outcome. */
export async function sendAlert(context: AlertContext, alert: Alert): Promise<DestinationOutcome[]> {
  const outcomes = await deliverAlert(context.config, alert, targetsOf(context), context.retry ?? DEFAULT_ALERT_RETRY);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) console.error(JSON.stringify({ message: "alert not delivered", event: alert.event, failed }));
  await appendAuditEntry(context.s3, context.config, {
    operationId: randomUUID(),
    actor: SYSTEM_ACTOR,
    action: "alert",
    outcome: failed.length === 0 ? "succeeded" : "failed",
    ...(alert.service ? { service: alert.service } : {}),
    message: `${ALERT_EVENT_LABELS[alert.event]}: ${alert.title}`.slice(0, 2000),
    details: { event: alert.event, path: alert.path, destinations: outcomes },
  }).catch((error: unknown) => console.error(JSON.stringify({ message: "alert audit entry not written", event: alert.event, error: error instanceof Error ? error.name : "error" })));
  return outcomes;
}

const onceMarker = z.strictObject({ schemaVersion: z.literal(1), event: z.string(), sentAt: z.iso.datetime() });

/** For events that happen once (an approval request, an erasure): the first to write the marker sends. */
export async function alertOnce(context: AlertContext, subject: string, alert: Alert, now = new Date()): Promise<boolean> {
  if (!isAlerting(context, alert)) return false;
  try {
    await putJson(context.s3, context.config.archive.bucket, alertStateKey(context.config.archive.prefix, subject), onceMarker.parse({ schemaVersion: 1, event: alert.event, sentAt: now.toISOString() }), { ifNoneMatch: true });
  } catch (error) {
    if (isPreconditionFailed(error)) return false;
    throw error;
  }
  await sendAlert(context, alert);
  return true;
}

/**
 * For states that change (a service's protection, a drill's outcome): the state is kept
 * when it differs from the one stored, and `alertsFor(previous, next)` says what the
 * change is worth telling. A lost race means another instance stored (and told) it.
 */
export async function alertOnChange<S>(
  context: AlertContext,
  subject: string,
  schema: z.ZodType<S>,
  next: (previous: S | null) => S,
  alertsFor: (previous: S | null, next: S) => Alert[],
): Promise<Alert[]> {
  // Nothing to send to: no state either, so a console without alerts makes no extra S3 calls.
  const targets = targetsOf(context);
  if (!targets.snsTopicArn && !targets.webhookUrl) return [];
  const bucket = context.config.archive.bucket;
  const key = alertStateKey(context.config.archive.prefix, subject);
  const cache = context.stateCache;
  const cacheKey = `alert-state:${bucket}:${key}`;
  const read = () => getJson(context.s3, bucket, key, schema);
  for (let tries = 0; tries < 3; tries++) {
    const stored = await (cache ? cache.get<Versioned<S> | null>(cacheKey, read) : read());
    const previous = stored?.value ?? null;
    const state = next(previous);
    if (previous !== null && JSON.stringify(previous) === JSON.stringify(state)) return [];
    let etag: string;
    try {
      etag = await putJson(context.s3, bucket, key, state, stored ? { ifMatch: stored.etag } : { ifNoneMatch: true });
    } catch (error) {
      // Another instance changed it since it was read (or cached): read it again.
      cache?.invalidate(cacheKey);
      if (isPreconditionFailed(error)) continue;
      throw error;
    }
    if (cache) {
      cache.invalidate(cacheKey);
      void cache.get(cacheKey, () => Promise.resolve<Versioned<S>>({ value: state, etag }));
    }
    const alerts = alertsFor(previous, state).filter((a) => isAlerting(context, a));
    for (const alert of alerts) await sendAlert(context, alert);
    return alerts;
  }
  return [];
}

/** Runs alerting after an action has answered: its outcome never waits for, or fails with, a webhook. */
export function alertInBackground(what: string, work: () => Promise<unknown>): void {
  void work().catch((error: unknown) => console.error(JSON.stringify({ message: "alerting failed", what, error: error instanceof Error ? `${error.name}: ${error.message}` : "error" })));
}
