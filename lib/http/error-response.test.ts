import { ListBucketsCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { ConditionalCheckFailedException, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ArchiveInputError, SealedDayError } from "../archive/archive-reader";
import { AuthEnvError } from "../auth/env";
import { ConfigError } from "../config/load";
import { createS3Client } from "../aws/clients";
import { errorResponse, HttpError, toUserFacingError } from "./error-response";

function awsError(name: string, message = name, status = 400) {
  return new S3ServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: status } });
}

function named(name: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(name), { name, ...extra });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("toUserFacingError", () => {
  it("bad input is a 400 with what was wrong", () => {
    const zod = z.object({ limit: z.number().max(5) }).safeParse({ limit: 9 });
    expect(toUserFacingError(zod.error)).toMatchObject({ status: 400, code: "invalid-input", message: expect.stringMatching(/^limit: /) });
    expect(toUserFacingError(new ArchiveInputError("invalid cursor: not a cursor this archive issued"))).toEqual({
      status: 400,
      code: "invalid-input",
      message: "invalid cursor: not a cursor this archive issued",
    });
  });

  it("a bad configuration says which setting to fix", () => {
    expect(toUserFacingError(new AuthEnvError("Invalid sign-in settings in the environment:\n  - NEXTAUTH_SECRET: is required"))).toMatchObject({
      status: 500,
      code: "misconfigured",
      message: expect.stringContaining("NEXTAUTH_SECRET"),
    });
    expect(toUserFacingError(new ConfigError("Invalid Lazarus config"))).toMatchObject({ status: 500, code: "misconfigured" });
  });

  it("a sealed day that cannot be read says which day, instead of showing it empty", () => {
    const message = "the manifest of usr-session-svc on 2024-04-02 is not valid JSON";
    expect(toUserFacingError(new SealedDayError(message))).toEqual({ status: 500, code: "sealed-day-unreadable", message });
  });

  it("HttpError keeps its own status, code and message", () => {
    expect(toUserFacingError(new HttpError(404, "unknown-service", "no such service"))).toEqual({ status: 404, code: "unknown-service", message: "no such service" });
  });

  it("AWS access denied is a 403 naming the action when AWS does", () => {
    const denied = awsError("AccessDeniedException", "User: arn:aws:sts::1:assumed-role/lazarus is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:...", 403);
    expect(toUserFacingError(denied)).toMatchObject({ status: 403, code: "aws-access-denied", message: expect.stringContaining("Lazarus's AWS role is not allowed to call dynamodb:PutItem") });
    expect(toUserFacingError(awsError("AccessDenied", "Access Denied", 403))).toMatchObject({ status: 403, message: expect.stringContaining("not allowed to do this") });
  });

  it.each(["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "SlowDown"])("%s is a 503 asking to try again", (name) => {
    expect(toUserFacingError(awsError(name))).toMatchObject({ status: 503, code: "aws-throttled", message: expect.stringContaining("AWS is throttling") });
  });

  it("a missing table is a 404 naming it when AWS does", () => {
    const missing = new ResourceNotFoundException({ message: "Requested resource not found: Table: usr-contact not found", $metadata: {} });
    expect(toUserFacingError(missing)).toMatchObject({ status: 404, code: "table-not-found", message: 'The DynamoDB table "usr-contact" does not exist in this AWS account and region.' });
  });

  it("a missing bucket is a configuration problem (503)", () => {
    expect(toUserFacingError(Object.assign(awsError("NoSuchBucket", "The specified bucket does not exist", 404), { BucketName: "lazarus-archive" }))).toMatchObject({
      status: 503,
      code: "bucket-not-found",
      message: expect.stringContaining('"lazarus-archive"'),
    });
  });

  it("a failed condition is a 409", () => {
    expect(toUserFacingError(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }))).toMatchObject({ status: 409, code: "conflict" });
  });

  it("no credentials, or refused ones, are a 503 that says so", () => {
    expect(toUserFacingError(named("CredentialsProviderError", { message: "Could not load credentials from any providers" }))).toMatchObject({
      status: 503,
      code: "aws-no-credentials",
      message: expect.stringMatching(/^Lazarus has no AWS credentials/),
    });
    expect(toUserFacingError(awsError("ExpiredToken", "The security token included in the request is expired", 400))).toMatchObject({ status: 503, code: "aws-bad-credentials" });
  });

  it("an unreachable endpoint is a 503 naming where Lazarus tried", async () => {
    const client = createS3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:1", maxAttempts: 1 });
    const error = await client.send(new ListBucketsCommand({})).catch((e: unknown) => e);
    expect(toUserFacingError(error)).toMatchObject({ status: 503, code: "aws-unreachable", message: expect.stringContaining("cannot reach AWS at 127.0.0.1:1") });

    const dns = named("Error", { code: "ENOTFOUND", hostname: "dynamodb.eu-west-9.amazonaws.com" });
    expect(toUserFacingError(dns).message).toContain("dynamodb.eu-west-9.amazonaws.com");
    const wrapped = new Error("fetch failed", { cause: new AggregateError([named("Error", { code: "ETIMEDOUT" })]) });
    expect(toUserFacingError(wrapped)).toMatchObject({ status: 503, code: "aws-unreachable" });
    expect(toUserFacingError(named("TimeoutError"))).toMatchObject({ status: 503, code: "aws-unreachable" });
  });

  it("anything else is a 500 with a reference, logged without the error object", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const secret = Object.assign(new Error("boom"), { Item: { email: { S: "ada@example.com" } } });
    const result = toUserFacingError(secret);
    expect(result).toMatchObject({ status: 500, code: "internal", message: expect.stringMatching(/^Something went wrong in Lazarus \(reference [0-9a-f]{8}\)/) });
    expect(log).toHaveBeenCalledTimes(1);
    const logged = log.mock.calls[0]!.map(String).join(" ");
    expect(logged).toContain(result.message.match(/reference ([0-9a-f]{8})/)![1]);
    expect(logged).not.toContain("ada@example.com");
    expect(log.mock.calls[0]!.every((arg) => typeof arg === "string")).toBe(true);
  });
});

describe("errorResponse", () => {
  it("answers with the status and { error: { code, message } }", async () => {
    const response = errorResponse(new HttpError(409, "live-item-exists", "An item with this key already exists"));
    expect(response.status).toBe(409);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ error: { code: "live-item-exists", message: "An item with this key already exists" } });
  });
});
