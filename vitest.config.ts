import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// `server-only` throws outside Next's server build; tests run the same modules in plain Node.
const alias = { "server-only": fileURLToPath(new URL("./tests/support/server-only-stub.ts", import.meta.url)), "@": root };

export default defineConfig({
  test: {
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
          testTimeout: 120_000,
        },
      },
    ],
  },
});
