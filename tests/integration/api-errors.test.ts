import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as search } from "@/app/api/search/route";
import { GET as compare } from "@/app/api/services/[service]/records/compare/route";
import { archiverTargetFor, archiveStreamRecord } from "@/lib/archive/archiver";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { findService, parseConfig } from "@/lib/config/load";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";

/**
 * What a user reads when AWS fails: the routes answer with an honest status and a
 * sentence that says what is wrong and what to do, never a stack trace.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));
vi.mocked(getSessionUser).mockResolvedValue({ id: "test:support", email: "support@example.com", name: "Support", role: "support" });

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(handler: Handler, path: string, params: Record<string, string> = {}) {
  const response = await handler(new NextRequest(`http://localhost:3000${path}`), { params: Promise.resolve(params) });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { error?: { code: string; message: string } } };
}

let archiveKey: string;

beforeAll(async () => {
  const { region } = motoEnv();
  const bucket = uniqueName("api-errors");
  const s3 = createS3Client({ region });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const raw = {
    region,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        // Never created: the live table is missing.
        table: { name: uniqueName("missing-table"), partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), "lazarus-api-errors-"));
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  const config = parseConfig(raw);
  const keys = { PK: { S: "CONTACT#1" }, SK: { S: "PROFILE" } };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, findService(config, "usr-contact-svc")!), removeRecord({ keys, at: new Date(), oldImage: keys }));
  if (outcome.status !== "archived") throw new Error("fixture not archived");
  archiveKey = outcome.archiveKey;
  s3.destroy();
});

describe("AWS failures reach the user as a clear message", () => {
  it("a missing live table is a 404 that names the table", async () => {
    const { status, body, text } = await call(compare as Handler, `/api/services/usr-contact-svc/records/compare?archiveKey=${encodeURIComponent(archiveKey)}`, { service: "usr-contact-svc" });
    expect(status).toBe(404);
    expect(body.error?.code).toBe("table-not-found");
    expect(body.error?.message).toMatch(/^The DynamoDB table "missing-table-[^"]+" does not exist/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("access denied and throttling from S3 become 403 and 503 with what to do", async () => {
    const mock = mockClient(S3Client);
    try {
      mock.on(ListObjectsV2Command).rejects(
        new S3ServiceException({
          name: "AccessDenied",
          $fault: "client",
          $metadata: { httpStatusCode: 403 },
          message: "User: arn:aws:sts::123456789012:assumed-role/lazarus is not authorized to perform: s3:ListBucket on resource",
        }),
      );
      const denied = await call(search as Handler, "/api/search?q=CONTACT%231&match=exact&service=all");
      expect(denied.status).toBe(403);
      expect(denied.body.error?.message).toBe(
        "Lazarus's AWS role is not allowed to call s3:ListBucket: give it the console policy the infrastructure stack creates.",
      );

      mock.on(ListObjectsV2Command).rejects(new S3ServiceException({ name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 }, message: "Please reduce your request rate." }));
      const throttled = await call(search as Handler, "/api/search?q=CONTACT%231&match=exact&service=all");
      expect(throttled.status).toBe(503);
      expect(throttled.body.error?.code).toBe("aws-throttled");
    } finally {
      mock.restore();
    }
  });
});
