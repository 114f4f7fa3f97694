import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { removeRecord, streamEvent } from "../../tests/support/stream-events";

const entry = fileURLToPath(new URL("./handler.ts", import.meta.url));

const validEnv = {
  AWS_REGION: "eu-west-1",
  ARCHIVE_BUCKET: "lazarus-archive",
  ARCHIVE_PREFIX: "deletions/",
  SERVICE_NAME: "usr-contact-svc",
  TABLE_NAME: "usr-contact",
  PARTITION_KEY: "PK",
  SORT_KEY: "SK",
};

/** The module reads process.env when loaded, as Lambda loads it once per cold start. */
async function loadHandlerModule(env: Record<string, string>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./handler");
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("archiver environment", () => {
  let parseArchiverEnv: Awaited<ReturnType<typeof loadHandlerModule>>["parseArchiverEnv"];

  beforeEach(async () => {
    ({ parseArchiverEnv } = await loadHandlerModule(validEnv));
  });

  it("becomes the archiver's target", () => {
    expect(parseArchiverEnv(validEnv)).toEqual({
      region: "eu-west-1",
      target: { bucket: "lazarus-archive", prefix: "deletions/", service: "usr-contact-svc", table: "usr-contact", partitionKey: "PK", sortKey: "SK" },
    });
  });

  it("treats an unset or empty SORT_KEY and ARCHIVE_PREFIX as absent", () => {
    const { SORT_KEY: _sk, ARCHIVE_PREFIX: _prefix, ...rest } = validEnv;
    expect(parseArchiverEnv(rest).target).toEqual({ bucket: "lazarus-archive", prefix: "", service: "usr-contact-svc", table: "usr-contact", partitionKey: "PK" });
    expect(parseArchiverEnv({ ...validEnv, SORT_KEY: "" }).target.sortKey).toBeUndefined();
  });

  it("names every missing variable", () => {
    expect(() => parseArchiverEnv({})).toThrow(
      /AWS_REGION is not set.*ARCHIVE_BUCKET is not set.*SERVICE_NAME is not set.*TABLE_NAME is not set.*PARTITION_KEY is not set/,
    );
  });

  it("rejects values that would make unsafe or over-long S3 names", () => {
    expect(() => parseArchiverEnv({ ...validEnv, ARCHIVE_PREFIX: "deletions" })).toThrow(/ARCHIVE_PREFIX must be "" or end with "\/"/);
    expect(() => parseArchiverEnv({ ...validEnv, ARCHIVE_PREFIX: "a/../" })).toThrow(/ARCHIVE_PREFIX must not contain "\." or "\.\." segments/);
    expect(() => parseArchiverEnv({ ...validEnv, ARCHIVE_PREFIX: `${"p".repeat(128)}/` })).toThrow(/ARCHIVE_PREFIX must be at most 128 bytes/);
    expect(() => parseArchiverEnv({ ...validEnv, SERVICE_NAME: "x".repeat(64) })).toThrow(/SERVICE_NAME must be 1-63 lowercase/);
    expect(() => parseArchiverEnv({ ...validEnv, ARCHIVE_BUCKET: "Not_A_Bucket" })).toThrow(/ARCHIVE_BUCKET must be an S3 bucket name/);
  });
});

describe("Lambda entry point", () => {
  const s3Mock = mockClient(S3Client);

  beforeEach(() => {
    s3Mock.reset();
    // No key is erased: the ledger folder lists empty.
    s3Mock.on(ListObjectsV2Command).resolves({});
    vi.spyOn(console, "info").mockImplementation(() => undefined);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
  });

  it("archives into the configured bucket, prefix and service, and reports failed records", async () => {
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key.includes("_BROKEN_")) {
        throw new S3ServiceException({ name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 }, message: "Please reduce your request rate." });
      }
      return {};
    });
    const { handler } = await loadHandlerModule(validEnv);
    const ok = removeRecord({ keys: { PK: { S: "USER#1" }, SK: { S: "PROFILE" } }, at: new Date("2024-06-01T08:00:00Z") });
    const broken = removeRecord({ keys: { PK: { S: "USER#2" }, SK: { S: "BROKEN" } } });

    const response = await handler(streamEvent(ok, broken));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb?.SequenceNumber }] });
    const written = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(written.filter((i) => !i.Key?.includes("BROKEN"))).toEqual([
      expect.objectContaining({ Bucket: "lazarus-archive", Key: expect.stringMatching(/^deletions\/usr-contact-svc\/2024\/06\/01\/080000Z_manual_USER#1_PROFILE_/) }),
      expect.objectContaining({ Bucket: "lazarus-archive", Key: expect.stringMatching(/^deletions\/usr-contact-svc\/_by-key\/USER#1\/2024\/06\/01\//) }),
    ]);
    expect(await s3Mock.call(0).thisValue.config.region()).toBe("eu-west-1");
  });

  it("fails its cold start with the name of a bad variable", async () => {
    await expect(loadHandlerModule({ ...validEnv, TABLE_NAME: "" })).rejects.toThrow(/archiver environment is invalid: TABLE_NAME must be a DynamoDB table name/);
  });
});

/**
 * ESM bundles of the AWS SDK (CommonJS inside) call require(), which an ES module
 * lacks: infra's bundling must add this banner, or bundle as CommonJS.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

describe("Lambda bundle", () => {
  it.each([
    { format: "esm" as const, file: "handler.mjs", banner: ESM_REQUIRE_BANNER },
    { format: "cjs" as const, file: "handler.cjs", banner: "" },
  ])("bundles as $format for Node 20 without server-only, loads and answers an event", { timeout: 60_000 }, async ({ format, file, banner }) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      target: "node20",
      format,
      banner: { js: banner },
      write: false,
      metafile: true,
      logLevel: "silent",
      outfile: file,
    });

    expect(Object.keys(result.metafile.inputs).filter((path) => path.includes("server-only"))).toEqual([]);

    const dir = await mkdtemp(join(tmpdir(), "archiver-bundle-"));
    try {
      const path = join(dir, file);
      await writeFile(path, result.outputFiles[0]?.contents ?? "");
      // A real ES module context, as Lambda's runtime loads the file: no global require.
      const script = `const { handler } = await import(${JSON.stringify(path)}); console.log(JSON.stringify(await handler({ Records: [] })));`;
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
        env: { PATH: process.env.PATH ?? "", ...validEnv } as unknown as NodeJS.ProcessEnv,
      });
      const [summary, metrics, response] = stdout.trim().split("\n");
      expect(JSON.parse(summary ?? "")).toMatchObject({ message: "archiver batch processed", records: 0 });
      // CloudWatch embedded metrics: a refused erased key is counted as Erased, apart from Failed.
      expect(JSON.parse(metrics ?? "")).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: "Lazarus/Archiver", Dimensions: [["Service"]] }] }, Service: "usr-contact-svc", Erased: 0, Failed: 0 });
      expect(JSON.parse(response ?? "")).toEqual({ batchItemFailures: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
