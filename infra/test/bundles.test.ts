import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERASURE_RECHECK_FUNCTION_NAME } from "../lib/erasure-recheck-schedule";
import { SEALING_FUNCTION_NAME } from "../lib/sealing-schedule";
import { onlyResource, synthStack, tempOutdir, testConfig, type Resource, type Synth } from "./fixtures";

/**
 * What the functions' code assets hold. Bundling runs the local esbuild for every function
 * of the app, so the file bundles once and reads each function's asset from that one synth.
 */
const byFunctionName = (name: string) => (r: Resource) => r.Properties.FunctionName === name;

describe("the functions' bundles", () => {
  const outdir = tempOutdir();
  // Sign-in rules in the config, to show they stay out of the functions' code.
  let bundled: Synth | undefined;
  const synth = () =>
    (bundled ??= synthStack(
      testConfig((raw) => {
        raw.auth = { roles: { admin: { emails: ["root-admin@example.com"] } } };
      }),
      { bundle: true, outdir },
    ));
  const assetOf = (fn: Resource) => {
    const code = fn.Properties.Code as { S3Key: string };
    expect(code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    const dir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, "")}`);
    return {
      files: readdirSync(dir).sort(),
      sources: (JSON.parse(readFileSync(join(dir, "index.js.map"), "utf8")) as { sources: string[] }).sources,
      code: readFileSync(join(dir, "index.js"), "utf8"),
    };
  };

  it("the archiver is bundled with the local esbuild from infra/archiver/handler.ts into a code asset", () => {
    const [, fn] = onlyResource(synth().services, "AWS::Lambda::Function", byFunctionName("archiver-contact"));
    const asset = assetOf(fn);
    expect(asset.files).toEqual(["index.js", "index.js.map"]);
    expect(asset.sources.some((s) => s.endsWith("infra/archiver/handler.ts"))).toBe(true);
    expect(asset.sources.some((s) => s.endsWith("lib/archive/archiver.ts"))).toBe(true);
    expect(asset.code).toMatch(/^process\.setSourceMapsEnabled\(true\);/);
  }, 300_000);

  it("the erasure re-check holds the console's re-check code with server-only emptied, and the services' config but not the sign-in rules", () => {
    const [, fn] = onlyResource(synth().template, "AWS::Lambda::Function", byFunctionName(ERASURE_RECHECK_FUNCTION_NAME));
    const asset = assetOf(fn);
    expect(asset.sources.some((s) => s.endsWith("lib/erasure/erasure-recheck.ts"))).toBe(true);
    // server-only's default entry throws at import; under the react-server condition it is empty and leaves nothing in the bundle.
    expect(asset.sources.filter((s) => s.includes("server-only"))).toEqual([]);
    expect(asset.code).not.toContain("This module cannot be imported from a Client Component module");
    expect(asset.code).toContain("test-archive");
    expect(asset.code).not.toContain("root-admin@example.com");
  }, 300_000);

  it("the sealing function holds npm run seal's code with server-only emptied, and the services' config but not the sign-in rules", () => {
    const [, fn] = onlyResource(synth().template, "AWS::Lambda::Function", byFunctionName(SEALING_FUNCTION_NAME));
    const asset = assetOf(fn);
    expect(asset.sources.some((s) => s.endsWith("lib/archive/seal-run.ts"))).toBe(true);
    expect(asset.sources.some((s) => s.endsWith("lib/archive/sealer.ts"))).toBe(true);
    expect(asset.sources.some((s) => s.endsWith("lib/alerts/event-alerts.ts"))).toBe(true);
    expect(asset.sources.filter((s) => s.includes("server-only"))).toEqual([]);
    expect(asset.code).toContain("test-archive");
    expect(asset.code).not.toContain("root-admin@example.com");
  }, 300_000);
});
