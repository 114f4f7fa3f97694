import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// `server-only` throws outside Next's server build; tests run the same modules in plain Node.
const alias = { "server-only": fileURLToPath(new URL("./tests/support/server-only-stub.ts", import.meta.url)), "@": root };

const UNIT_TEST_DIRS = ["lib", "infra/archiver", "scripts", "tests/unit", "components"];
const INTEGRATION_TEST_DIRS = ["tests/integration"];
const testFilesIn = (dirs: string[]) =>
  dirs.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => /\.test\.tsx?$/.test(file))
      .map((file) => join(dir, file)),
  );
const REPLACES =
  /vi\.(mock|doMock|spyOn|stubGlobal|stubEnv|useFakeTimers)\(|mockClient\(|process\.env(\.\w+|\[[^\]]+\]) =|delete process\.env|\(globalThis as [^)]*\)\.\w+ =|globalThis\.\w+ =/;
/**
 * Test files that replace a module, an SDK client, a global, the environment or the clock
 * (or set a global a module reads when it loads).
 * Each runs in a fresh module graph: shared with other files, what it replaced leaks into them.
 */
const filesThatReplace = (dirs: string[]) => testFilesIn(dirs).filter((file) => REPLACES.test(readFileSync(join(root, file), "utf8")));
const unitInclude = UNIT_TEST_DIRS.flatMap((dir) => [`${dir}/**/*.test.ts`, `${dir}/**/*.test.tsx`]);
const unitFilesThatReplace = filesThatReplace(UNIT_TEST_DIRS);
const integrationFilesThatReplace = filesThatReplace(INTEGRATION_TEST_DIRS);

const integration = {
  environment: "node",
  globalSetup: ["tests/support/moto-global-setup.ts"],
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // Kill tests run side by side, each waiting out its own lease: let all of a file's start at once.
  maxConcurrency: 8,
} satisfies ViteUserConfig["test"];

export default defineConfig({
  test: {
    // Vitest's default is one worker per core but one: a single file at a time on 2 cores,
    // while integration files mostly wait on moto_server. Three at a time ran a group of
    // integration files 1.75x faster there (docs/BENCHMARKS.md, "CI time").
    maxWorkers: 3,
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: unitInclude,
          exclude: unitFilesThatReplace,
          environment: "node",
          // Loading the SDK, zod and React again for each file took three quarters of the unit
          // run; these files keep no state between them, so a worker loads them once.
          isolate: false,
          // Property tests run hundreds of cases; on a loaded 2-core machine 5 s is too tight.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "unit-isolated",
          include: unitFilesThatReplace,
          environment: "node",
          testTimeout: 30_000,
        },
      },
      // Each integration project starts its own moto_server; files use their own buckets and tables.
      {
        resolve: { alias },
        test: {
          ...integration,
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          exclude: integrationFilesThatReplace,
          // As in the unit project: loading the SDK once per worker, not once per file.
          isolate: false,
        },
      },
      {
        resolve: { alias },
        test: {
          ...integration,
          name: "integration-isolated",
          include: integrationFilesThatReplace,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "infra",
          include: ["infra/test/**/*.test.ts"],
          environment: "node",
          // Loading aws-cdk-lib takes longer than most files' tests; a worker that is reused
          // loads it once. The files keep no state between them (each synthesizes its own apps).
          isolate: false,
          setupFiles: ["infra/test/setup.ts"],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
