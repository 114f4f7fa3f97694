import "server-only";
import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { compactTime } from "../audit/audit-layout";
import { isPreconditionFailed } from "../aws/aws-errors";
import { getJson, putJson, type Versioned } from "../aws/s3-json";
import { listObjects } from "../archive/object-listing";
import type { LazarusConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { approvalIdSchema, storedApprovalSchema, type ApprovalRequest } from "./approval-types";

/**
 * Approval requests live in the archive bucket, one object each, so every console
 * instance sees the same requests:
 *
 *   {prefix}_approvals/{requestId}.json
 *
 * Created with If-None-Match and changed only with If-Match on the ETag read: of two
 * approvers (or two instances) acting on one request, one write lands and the other is
 * refused, so a request runs at most once. Service names cannot start with "_", so the
 * folder never meets an archive, and the archive walkers (which list per service) never
 * see it.
 */
export const APPROVALS_SEGMENT = "_approvals";

export function approvalsPrefix(archivePrefix: string): string {
  return `${archivePrefix}${APPROVALS_SEGMENT}/`;
}

export function approvalKey(archivePrefix: string, id: string): string {
  return `${approvalsPrefix(archivePrefix)}${approvalIdSchema.parse(id)}.json`;
}

/** Sorts by creation time, so the newest requests list last. */
export function newApprovalId(now: Date): string {
  return `${compactTime(now)}-${randomBytes(6).toString("hex")}`;
}

export class ApprovalNotFoundError extends DomainError {
  override name = "ApprovalNotFoundError";
  constructor() {
    super(404, "approval-not-found", "There is no approval request with this id.");
  }
}

/** Someone else changed the request between our read and our write. */
export class ApprovalChangedError extends DomainError {
  override name = "ApprovalChangedError";
  constructor() {
    super(409, "approval-not-pending", "Someone else acted on this request at the same moment; reload it to see what happened.");
  }
}

export class ApprovalStore {
  constructor(
    private readonly s3: S3Client,
    private readonly config: LazarusConfig,
  ) {}

  private key(id: string) {
    return approvalKey(this.config.archive.prefix, id);
  }

  async create(request: ApprovalRequest): Promise<void> {
    await putJson(this.s3, this.config.archive.bucket, this.key(request.id), request, { ifNoneMatch: true });
  }

  async get(id: string): Promise<Versioned<ApprovalRequest>> {
    const found = await getJson(this.s3, this.config.archive.bucket, this.key(id), storedApprovalSchema);
    if (!found) throw new ApprovalNotFoundError();
    return found;
  }

  /** One conditional write: the caller decided on the version it read, so a lost race is an answer, not a retry. */
  async replace(next: ApprovalRequest, etag: string): Promise<string> {
    try {
      return await putJson(this.s3, this.config.archive.bucket, this.key(next.id), next, { ifMatch: etag });
    } catch (error) {
      if (isPreconditionFailed(error)) throw new ApprovalChangedError();
      throw error;
    }
  }

  /** The newest requests first: one LIST per 1,000 requests, then one GET per request shown. */
  async recent(limit: number): Promise<ApprovalRequest[]> {
    const prefix = approvalsPrefix(this.config.archive.prefix);
    const ids: string[] = [];
    for await (const o of listObjects(this.s3, { bucket: this.config.archive.bucket, prefix })) {
      const id = o.key.slice(prefix.length).replace(/\.json$/, "");
      if (approvalIdSchema.safeParse(id).success) ids.push(id);
    }
    const newest = ids.sort().reverse().slice(0, limit);
    const found: ApprovalRequest[] = [];
    for (let i = 0; i < newest.length; i += 16) {
      const batch = await Promise.all(newest.slice(i, i + 16).map((id) => getJson(this.s3, this.config.archive.bucket, this.key(id), storedApprovalSchema)));
      for (const b of batch) if (b) found.push(b.value);
    }
    return found;
  }
}
