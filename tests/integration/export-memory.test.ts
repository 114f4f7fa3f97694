import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as exportRoute } from "@/app/api/exports/route";
import { GET as manifestRoute } from "@/app/api/exports/[exportId]/manifest/route";
import { archiveObjectKey } from "@/lib/archive/layout";
import { getSessionUser } from "@/lib/auth/session";
import { createS3Client } from "@/lib/aws/clients";
import { parseConfig } from "@/lib/config/load";
import type { ExportManifest } from "@/lib/exports/export-format";
import { startMotoServer, type MotoServer } from "@/scripts/local-stack/moto-server";
import { uniqueName } from "../support/aws";

/**
 * A large export through the route handler: the heap grows by far less than the file
 * (rows are produced as the reader takes them), and the manifest's hash and row count
 * match the bytes received. The archive objects are empty bodies under real archive
 * names: an export reads names only. Each name carries partition and sort keys of
 * 190 characters, near the longest the layout keeps literal, so 12,000 objects make a
 * file of the same size as 50,000 short ones (about 11 MB) for a quarter of the objects.
 * This file has a moto_server of its own, started with the objects already in its bucket
 * (tests/support/seeded-moto-server.py): 12,000 PUTs kept a server busy for over a minute.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));

const ROWS = 12_000;
/** Longest literal key the layout keeps is 200 bytes (lib/archive/key-codec.ts). */
const KEY_CHARS = 190;
const DAYS = 30;
let s3: S3Client;
let bucket: string;
let moto: MotoServer;

beforeAll(async () => {
  const region = "us-east-1";
  bucket = uniqueName("export-memory");
  const start = Date.UTC(2026, 6, 1);
  const keys = Array.from({ length: ROWS }, (_, i) => {
    const deletedAt = new Date(start + (i % DAYS) * 86_400_000 + Math.floor(i / DAYS) * 1000);
    return archiveObjectKey({
      prefix: "",
      service: "usr-contact-svc",
      deletedAt,
      deletionType: i % 3 === 0 ? "ttl" : "manual",
      partitionKey: { S: `CUSTOMER#${String(i).padStart(6, "0")}#`.padEnd(KEY_CHARS, "p") },
      sortKey: { S: `PROFILE#${String(i % 97)}#`.padEnd(KEY_CHARS, "s") },
      eventId: `event-${i}`,
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "lazarus-export-memory-"));
  const seed = join(dir, "seed.txt");
  writeFileSync(seed, [bucket, ...keys].join("\n"));
  process.env.LAZARUS_MOTO_SEED = seed;
  moto = await startMotoServer({ command: fileURLToPath(new URL("../support/seeded-moto-server.py", import.meta.url)) });
  delete process.env.LAZARUS_MOTO_SEED;
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  s3 = createS3Client({ region });
  const raw = {
    region,
    archive: { bucket, prefix: "" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  };
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify(raw));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  parseConfig(raw);
  // Seeded as the server started: the bucket lists every object through the SDK.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "usr-contact-svc/", MaxKeys: 1 }));
  expect(listed.KeyCount).toBe(1);
}, 300_000);

afterAll(async () => {
  await moto?.stop();
});

describe("a large export", () => {
  it(`streams ${ROWS.toLocaleString("en-US")} rows with bounded heap growth, and its manifest matches the bytes`, async () => {
    vi.mocked(getSessionUser).mockResolvedValue({ id: "test:compliance", email: "compliance@example.com", name: "Casey", role: "compliance" });
    const request = new NextRequest("http://localhost:3000/api/exports", {
      method: "POST",
      headers: { "sec-fetch-site": "same-origin", host: "localhost:3000", "content-type": "application/json" },
      body: JSON.stringify({ services: "usr-contact-svc", range: "2026-Q3", format: "csv", columns: ["service", "table", "partitionKey", "sortKey", "deletedAt", "deletionType", "archiveLocation"] }),
    });
    // A full collection before each reading, so what is measured is what is still held.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const response = await exportRoute(request, { params: Promise.resolve({}) });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-lazarus-expected-rows")).toBe(String(ROWS));

    const hash = createHash("sha256");
    let bytes = 0;
    let lines = 0;
    let peak = 0;
    let chunks = 0;
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.byteLength;
      for (const b of value) if (b === 10) lines += 1;
      chunks += 1;
      // Sampled as the reader goes, as the server's heap would be while it serves the file.
      if (chunks % 2 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    const growth = peak;
    console.log(`export: ${bytes} bytes, ${lines} lines, ${chunks} chunks, peak heap growth ${(growth / 2 ** 20).toFixed(1)} MiB `);

    expect(lines).toBe(ROWS + 1);
    expect(chunks).toBeGreaterThan(ROWS / 1000);
    expect(bytes).toBeGreaterThan(10 * 2 ** 20);
    // The file is ~11 MB; holding it (as a string and its bytes) would add well over that.
    expect(growth).toBeLessThan(bytes / 2);

    const exportId = response.headers.get("x-lazarus-export-id")!;
    const manifestResponse = await manifestRoute(new NextRequest(`http://localhost:3000/api/exports/${exportId}/manifest`), { params: Promise.resolve({ exportId }) });
    const manifest = (await manifestResponse.json()) as ExportManifest;
    expect(manifest.rowCount).toBe(ROWS);
    expect(manifest.byteCount).toBe(bytes);
    expect(manifest.sha256).toBe(hash.digest("hex"));
  }, 600_000);
});
