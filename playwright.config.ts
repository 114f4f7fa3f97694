import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

/**
 * Browser tests run against the demo (moto on a free port, a small seeded history,
 * `next start`), never against a real AWS account: the demo sets AWS_ENDPOINT_URL itself.
 */
const chromium = process.env.LAZARUS_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  throw new Error(
    `Chromium not found at ${chromium}. The browser tests need Debian's chromium package: ` +
      "`apt-get install -y chromium` (or set LAZARUS_CHROMIUM to another Chromium binary).",
  );
}

// Set once in the runner; workers inherit the environment, so every process agrees on the port.
process.env.LAZARUS_E2E_PORT ??= "3100";
process.env.LAZARUS_DEMO_PASSWORD ??= "lazarus-e2e-password";
const port = Number(process.env.LAZARUS_E2E_PORT);
// Specs that change live tables behind the console's back (as other writers would) reach moto here.
process.env.LAZARUS_E2E_MOTO_PORT ??= String(port + 1000);
const motoPort = Number(process.env.LAZARUS_E2E_MOTO_PORT);
const baseURL = `http://localhost:${port}`;
// The demo seeds its history relative to this moment and the specs read the same one
// (e2e/support.ts demoNow), so a run that crosses midnight UTC still agrees on the days.
process.env.LAZARUS_E2E_DEMO_NOW ??= new Date().toISOString();

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    screenshot: "only-on-failure",
    // A trace costs about a sixth of the browser tests' time; CI keeps no artifacts to open one
    // from, and a failure there still leaves its screenshot and error. Locally, keep the trace.
    trace: process.env.CI ? "off" : "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "sign-in", testMatch: /auth\.setup\.ts$/ },
    { name: "chromium", testMatch: /.*\.spec\.ts$/, testIgnore: /sso\.spec\.ts$/, dependencies: ["sign-in"] },
    // Single sign-on starts consoles of its own (e2e/sso-support.ts) and needs none of the demo users' sessions.
    { name: "sso", testMatch: /sso\.spec\.ts$/ },
  ],
  webServer: {
    command: `npx tsx --conditions=react-server scripts/demo.ts --scale small --port ${port} --moto-port ${motoPort} --now ${process.env.LAZARUS_E2E_DEMO_NOW}`,
    url: `${baseURL}/signin`,
    // Seeding, sealing the closed days and `next build` take several minutes on a small, busy machine.
    timeout: 1_200_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // The demo stops moto and next on SIGTERM; a kill would leave them running.
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: { LAZARUS_DEMO_PASSWORD: process.env.LAZARUS_DEMO_PASSWORD, NEXT_TELEMETRY_DISABLED: "1" },
  },
});
