import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// `server-only` throws outside Next's server build; tests run the same modules in plain Node.
const alias = { "server-only": fileURLToPath(new URL("./tests/support/server-only-stub.ts", import.meta.url)), "@": root };

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
          include: ["lib/**/*.test.ts", "infra/archiver/**/*.test.ts", "scripts/**/*.test.ts", "tests/unit/**/*.test.ts", "components/**/*.test.tsx"],
          environment: "node",
          // Property tests run hundreds of cases; on a loaded 2-core machine 5 s is too tight.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/moto-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One moto_server is shared; files use their own buckets and tables.
          fileParallelism: true,
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
