import "server-only";
import { z } from "zod";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { toUserFacingError } from "../http/error-response";
import { requireService } from "../http/inputs";
import type { DlqClients } from "./clients";
import type { DlqListResponse, ReplayResult, ServiceFailures } from "./failure-record";
import { listServiceFailures, type ListOptions } from "./failure-source";
import { replayFailure, type ReplayOptions } from "./replay";
import { discardFailure, type DiscardResult, type DlqDiscardBody } from "./discard";

/** What the DLQ routes and page share: request schemas and the calls. */

export const dlqListQuerySchema = z.object({ service: z.string().min(1).max(63).optional() }).strict();

export const dlqReplayBodySchema = z
  .object({
    service: z.string().min(1).max(63),
    /** The SQS message id or the S3 object key, as the listing gave it. */
    failureId: z.string().min(1).max(1024),
  })
  .strict();

export type DlqReplayBody = z.infer<typeof dlqReplayBodySchema>;

function destinationMissing(service: ServiceConfig, error: unknown): { status: number; code: string; message: string } | undefined {
  const name = error instanceof Error ? error.name : "";
  const d = service.onFailure;
  if (d.type === "sqs" && /QueueDoesNotExist|NonExistentQueue/.test(name)) {
    return { status: 404, code: "queue-not-found", message: `The SQS queue "${d.queueName}" does not exist in this AWS account and region: the mapping's failures have nowhere to go.` };
  }
  if (d.type === "s3" && name === "NoSuchBucket") {
    return { status: 404, code: "bucket-not-found", message: `The S3 bucket "${d.bucket}" does not exist: the mapping's failures have nowhere to go.` };
  }
  return undefined;
}

/** One service's destination; an unreadable destination is reported on its row, not as a page error. */
async function failuresOf(clients: DlqClients, config: LazarusConfig, service: ServiceConfig, options: ListOptions): Promise<ServiceFailures> {
  try {
    return await listServiceFailures(clients, config, service, options);
  } catch (error) {
    const mapped = destinationMissing(service, error) ?? toUserFacingError(error);
    if (mapped.status === 500) console.error("listing the on-failure destination failed", { service: service.name, error });
    return {
      service: service.name,
      table: service.table.name,
      destination: service.onFailure,
      failures: [],
      truncated: false,
      error: { code: mapped.code, message: mapped.message },
    };
  }
}

export async function listFailures(clients: DlqClients, config: LazarusConfig, serviceName: string | undefined, options: ListOptions = {}): Promise<DlqListResponse> {
  const services = serviceName ? [requireService(config, serviceName)] : config.services;
  const now = options.now ?? new Date();
  const listed = await Promise.all(services.map((s) => failuresOf(clients, config, s, { ...options, now })));
  return { services: listed, checkedAt: now.toISOString() };
}

export async function replay(clients: DlqClients, config: LazarusConfig, body: DlqReplayBody, user: SessionUser, options: ReplayOptions = {}): Promise<ReplayResult> {
  const service = requireService(config, body.service);
  return replayFailure(clients, config, service, body.failureId, user, options);
}

export async function discard(clients: DlqClients, config: LazarusConfig, body: DlqDiscardBody, user: SessionUser): Promise<DiscardResult> {
  return discardFailure(clients, config, requireService(config, body.service), body, user);
}
