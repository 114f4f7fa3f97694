import "server-only";
import { randomBytes } from "node:crypto";
import { ZodError } from "zod";
import { ArchiveInputError, SealedDayError } from "../archive/archive-reader";
import { AuthEnvError } from "../auth/env";
import { awsEndpoint } from "../aws/clients";
import { ConfigError } from "../config/load";
import { ErasedRecordError } from "../erasure/erasure-ledger";
import { LiveTableNotFoundError } from "../restore/live-item";

/**
 * The one mapping from a thrown error to what a person sees: an honest status, a
 * stable code for the UI, and a sentence that says what happened and what to do.
 * Route handlers, server actions and pages all go through here. Anything not
 * recognised becomes a generic 500 and one log line (name, message, stack: never
 * the error object, which for AWS errors can carry item attributes).
 */

export interface UserFacingError {
  status: number;
  code: string;
  message: string;
}

/** An expected refusal with its own status: thrown by handlers, shown as is. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "Forbidden", "UnauthorizedOperation", "AuthorizationError"]);
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "LimitExceededException",
]);
const NO_CREDENTIALS = new Set(["CredentialsProviderError", "CredentialsError"]);
const BAD_CREDENTIALS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "TokenRefreshRequired",
]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
const NETWORK_NAMES = new Set(["TimeoutError", "NetworkingError"]);

interface ErrorFacts {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  address?: string;
  port?: number;
  httpStatusCode?: number;
  bucketName?: string;
}

function factsOf(value: unknown): ErrorFacts {
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  const text = (x: unknown) => (typeof x === "string" ? x : undefined);
  const metadata = typeof v.$metadata === "object" && v.$metadata !== null ? (v.$metadata as Record<string, unknown>) : undefined;
  return {
    name: text(v.name),
    code: text(v.code) ?? text(v.Code),
    message: text(v.message),
    hostname: text(v.hostname),
    address: text(v.address),
    port: typeof v.port === "number" ? v.port : undefined,
    httpStatusCode: typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined,
    bucketName: text(v.BucketName),
  };
}

/** The error and what it wraps: SDKs and fetch put the network failure in `cause`, Node's dual-stack connect in `errors`. */
function chainOf(error: unknown): ErrorFacts[] {
  const out: ErrorFacts[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && out.length < 10) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    out.push(factsOf(next));
    const v = next as { cause?: unknown; errors?: unknown };
    if (v.cause !== undefined) queue.push(v.cause);
    if (Array.isArray(v.errors)) queue.push(...v.errors);
  }
  return out;
}

export function formatZodIssues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

function deniedAction(message: string | undefined): string | undefined {
  return message ? /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1] : undefined;
}

function tableNameIn(message: string | undefined): string | undefined {
  return message ? /Table: ([A-Za-z0-9_.-]{3,255})/.exec(message)?.[1] : undefined;
}

function unreachableTarget(chain: ErrorFacts[]): string {
  const facts = chain.find((f) => f.hostname || f.address);
  if (facts?.hostname) return facts.hostname;
  if (facts?.address) return facts.port ? `${facts.address}:${facts.port}` : facts.address;
  return awsEndpoint() ?? "its regional endpoints";
}

export function toUserFacingError(error: unknown): UserFacingError {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof ZodError) return { status: 400, code: "invalid-input", message: formatZodIssues(error) };
  if (error instanceof ArchiveInputError) return { status: 400, code: "invalid-input", message: error.message };
  // Their messages name settings, never values: the operator reading them needs to know what to fix.
  if (error instanceof ConfigError || error instanceof AuthEnvError) return { status: 500, code: "misconfigured", message: error.message };

  if (error instanceof ErasedRecordError) return { status: 410, code: "erased", message: error.message };
  // Names the service and day, never a record: the day's sealed files need a person's attention.
  if (error instanceof SealedDayError) return { status: 500, code: "sealed-day-unreadable", message: error.message };

  if (error instanceof LiveTableNotFoundError) {
    return { status: 404, code: "table-not-found", message: `The DynamoDB table "${error.table}" does not exist in this AWS account and region.` };
  }

  const chain = chainOf(error);
  const top = chain[0] ?? {};
  const name = top.name ?? "";
  const has = (set: Set<string>) => chain.some((f) => (f.name && set.has(f.name)) || (f.code && set.has(f.code)));

  if (has(NO_CREDENTIALS)) {
    return {
      status: 503,
      code: "aws-no-credentials",
      message: "Lazarus has no AWS credentials: give the server an IAM role, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    };
  }
  if (has(BAD_CREDENTIALS)) {
    return { status: 503, code: "aws-bad-credentials", message: "AWS refused Lazarus's credentials (expired or invalid): renew them and try again." };
  }
  if (ACCESS_DENIED.has(name)) {
    const action = deniedAction(top.message);
    return {
      status: 403,
      code: "aws-access-denied",
      message: `Lazarus's AWS role is not allowed to ${action ? `call ${action}` : "do this"}: give it the console policy the infrastructure stack creates.`,
    };
  }
  if (THROTTLING.has(name) || top.httpStatusCode === 429) {
    return { status: 503, code: "aws-throttled", message: "AWS is throttling Lazarus's requests right now: wait a moment and try again." };
  }
  if (name === "ResourceNotFoundException") {
    const table = tableNameIn(top.message);
    return {
      status: 404,
      code: "table-not-found",
      message: `The DynamoDB table${table ? ` "${table}"` : ""} does not exist in this AWS account and region.`,
    };
  }
  if (name === "NoSuchBucket") {
    return {
      status: 503,
      code: "bucket-not-found",
      message: `The archive bucket${top.bucketName ? ` "${top.bucketName}"` : ""} does not exist: check archive.bucket in lazarus.config.json.`,
    };
  }
  if (name === "NoSuchKey" || name === "NotFound") {
    return { status: 404, code: "not-found", message: "That archive object does not exist." };
  }
  if (name === "ConditionalCheckFailedException" || name === "TransactionConflictException") {
    return { status: 409, code: "conflict", message: "The item changed while Lazarus was writing it, so nothing was written. Reload and try again." };
  }
  if (has(NETWORK_CODES) || chain.some((f) => f.name && NETWORK_NAMES.has(f.name))) {
    return { status: 503, code: "aws-unreachable", message: `Lazarus cannot reach AWS at ${unreachableTarget(chain)}: check the network and AWS_ENDPOINT_URL.` };
  }
  if (top.httpStatusCode !== undefined && top.httpStatusCode >= 500) {
    return { status: 503, code: "aws-unavailable", message: "AWS had an internal error answering Lazarus: try again in a moment." };
  }

  const reference = randomBytes(4).toString("hex");
  const stack = error instanceof Error ? error.stack : undefined;
  console.error(`[lazarus] unexpected error (reference ${reference}): ${name || typeof error}: ${top.message ?? ""}${stack ? `\n${stack}` : ""}`);
  return { status: 500, code: "internal", message: `Something went wrong in Lazarus (reference ${reference}); the server log has the details.` };
}

export function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: { code, message, ...extra } }, { status, headers: { "Cache-Control": "no-store" } });
}

export function errorResponse(error: unknown): Response {
  const { status, code, message } = toUserFacingError(error);
  return jsonError(status, code, message);
}
