import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { motoEnv } from "../support/aws";
import { archiveAll, deletionsOfDay, readDay, sealingFixture } from "../support/sealing";

const execFileAsync = promisify(execFile);

/** Runs the command as a person would; resolves with its exit code instead of throwing. */
async function runSeal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync("npm", ["run", "--silent", "seal", "--", ...args], { env, cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const fixture = await sealingFixture("seal-command");
  ({ s3, config, service } = fixture);
  env = { ...process.env, LAZARUS_CONFIG: fixture.configPath(mkdtempSync(join(tmpdir(), "lazarus-seal-cmd-"))), AWS_ENDPOINT_URL: motoEnv().endpoint };
});

describe("npm run seal", () => {
  it("seals a named day, says what it did, and leaves it readable", async () => {
    const day = { year: 2024, month: 8, day: 3 };
    await archiveAll(s3, config, service, deletionsOfDay(day, 12, "CMD"));
    const before = await readDay(s3, config, service, day);
    const run = await runSeal(["--service", "usr-session-svc", "--date", "2024-08-03"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usr-session-svc 2024-08-03: sealed, 12 records sealed in all, 12 newly, 0 duplicates removed, 12 object versions deleted/m);
    expect((await readDay(s3, config, service, day)).images).toEqual(before.images);

    const all = await runSeal(["--all"], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("usr-session-svc: no day to seal");
  });

  it("refuses bad arguments with exit code 2, and a day too recent to seal with 1", async () => {
    expect((await runSeal(["--service", "nope"], env)).code).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    const recent = await runSeal(["--service", "usr-session-svc", "--date", today], env);
    expect(recent.code).toBe(1);
    expect(recent.stderr).toContain("too recent to seal");
  });
});
