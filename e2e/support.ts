import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, type Page, type Route } from "@playwright/test";
import type { Result as AxeResult } from "axe-core";
import { DEMO_INCIDENT } from "../scripts/demo/fixtures";

export type DemoRole = "viewer" | "support" | "compliance" | "admin";

export function demoPassword(): string {
  const password = process.env.LAZARUS_DEMO_PASSWORD;
  if (!password) throw new Error("LAZARUS_DEMO_PASSWORD is not set: the browser tests sign in with the password the demo was started with");
  return password;
}

/** The moment the demo's history was seeded relative to: playwright.config.ts pins it for the demo and the specs alike. */
export function demoNow(): Date {
  const raw = process.env.LAZARUS_E2E_DEMO_NOW;
  if (!raw) throw new Error("LAZARUS_E2E_DEMO_NOW is not set: playwright.config.ts sets it and passes it to the demo as --now");
  return new Date(raw);
}

export function storageStateFor(role: DemoRole): string {
  const dir = join("e2e", ".auth");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${role}.json`);
}

/** Screenshots of the main screens, kept with the run's results. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  // A full-page capture in headless Chromium can wait for a frame that never comes (once in a
  // CI run, for the whole 60 s test timeout): bounded, and tried once more before it fails.
  const options = { path: join("test-results", "screens", `${name}.png`), fullPage: true, timeout: 15_000 };
  await page.screenshot(options).catch(() => page.screenshot(options));
}

/**
 * Holds the page's scripts (not its styles, which hold back the first paint), so a test can
 * use a form as the server rendered it, before React hydrates it. The returned function
 * lets the scripts load and waits until React has taken over `selector`.
 */
export async function holdScriptsUntilReleased(page: Page): Promise<(selector: string) => Promise<void>> {
  let release!: () => void;
  const scriptsHeld = new Promise<void>((resolve) => (release = resolve));
  const isScript = (url: URL) => url.pathname.startsWith("/_next/static/") && url.pathname.endsWith(".js");
  const hold = async (route: Route) => {
    await scriptsHeld;
    await route.continue();
  };
  await page.route(isScript, hold);
  return async (selector) => {
    release();
    await page.waitForFunction((selector) => {
      const element = document.querySelector(selector);
      return element !== null && Object.keys(element).some((key) => key.startsWith("__reactFiber"));
    }, selector);
    // A route left on the tab would outlive the test in a shared tab (e2e/fixtures.ts).
    await page.unroute(isScript, hold);
  };
}

/** Fails when the page is wider than the window, so that it would scroll sideways. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.document, `${page.url()} is ${widths.document}px wide at ${widths.viewport}px`).toBeLessThanOrEqual(widths.viewport);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's violations on the page, or only within `include` (a CSS selector), with axe's
 * own `axe.run`: all its rules, or only those with one of `tags`. axe is put into a page
 * once and reused after a resize, and only the violations come back. The console has no
 * frames, so this is what @axe-core/playwright's legacy mode runs, without injecting axe
 * twice per call and returning every pass and inapplicable rule too: about half the cost
 * (docs/BENCHMARKS.md).
 */
export async function axeViolations(page: Page, { tags, include }: { tags?: string[]; include?: string } = {}): Promise<AxeResult[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.evaluate(`${AXE_SOURCE};axe.configure({ allowedOrigins: ["<same_origin>"], branding: { application: "playwright" } });`);
  }
  return page.evaluate(
    ({ tags, include }) => {
      const { axe } = window as unknown as { axe: typeof import("axe-core") };
      return axe
        .run({ include: include ? [include] : [], exclude: [] }, tags ? { runOnly: { type: "tag", values: tags } } : {})
        .then((results) => results.violations);
    },
    { tags, include },
  );
}

/** Fails on serious or critical accessibility violations, listing them. */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const serious = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  if (summary.length > 0) throw new Error(`accessibility violations on ${page.url()}:\n${summary.join("\n")}`);
}

/** The demo's DynamoDB, for specs that change live tables as other writers would. */
export async function demoDynamoDB() {
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const port = process.env.LAZARUS_E2E_MOTO_PORT;
  if (!port) throw new Error("LAZARUS_E2E_MOTO_PORT is not set: playwright.config.ts sets it for the demo it starts");
  return new DynamoDBClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
}

/** The demo's SQS, for specs that must put a failed batch back as they found it. */
export async function demoSqs() {
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const port = process.env.LAZARUS_E2E_MOTO_PORT;
  if (!port) throw new Error("LAZARUS_E2E_MOTO_PORT is not set: playwright.config.ts sets it for the demo it starts");
  return new SQSClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
}

/** The UTC day (YYYY-MM-DD) `daysAgo` days before the demo's seeding moment. */
export function demoDay(daysAgo: number): string {
  const day = demoNow();
  day.setUTCDate(day.getUTCDate() - daysAgo);
  return day.toISOString().slice(0, 10);
}

/** The demo incident's UTC day (YYYY-MM-DD): a bad clean-up job deleted scheduled orders on it. */
export function demoIncidentDay(): string {
  return demoDay(DEMO_INCIDENT.daysAgo);
}
