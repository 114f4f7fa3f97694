import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { storageStateFor } from "./support";

/**
 * The console under its Content-Security-Policy: it cannot be framed by another site,
 * and no page (charts included) has anything refused by the policy.
 */

// The tests here change their tab (a route to a foreign site, an init script that watches
// for violations), which would stay with a shared tab: each has a tab of its own.
test.use({ ownTab: true });

/** Every CSP violation the page reports, collected from the moment it starts. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { reportCspViolation: (t: string) => void }).reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test("another site cannot frame the console", async ({ page, baseURL }) => {
  const attacker = "http://attacker.test/";
  await page.route(attacker, (route) => route.fulfill({ contentType: "text/html", body: `<h1>Attacker</h1><iframe title="console" src="${baseURL}/signin" width="800" height="600"></iframe>` }));
  await page.goto(attacker);
  await page.waitForLoadState("load");
  const console = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  expect(console, "the attacker's page has its frame").toBeDefined();
  // Chromium replaces a frame the console refuses (frame-ancestors 'none') with its error page.
  await expect.poll(() => console!.url()).toMatch(/^chrome-error:/);
  await expect(console!.getByRole("heading", { name: /sign in/i })).toHaveCount(0);
});

test.describe("every page under the policy", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("renders and hydrates with no violation, charts included", async ({ page }) => {
    // Ten pages and a click-through in one test, so one list of violations covers them all.
    test.setTimeout(300_000);
    const violations = await watchViolations(page);
    const pages: [path: string, ready: (p: Page) => Promise<void>][] = [
      ["/", async (p) => await expect(p.locator(".recharts-surface").first()).toBeVisible({ timeout: 45_000 })],
      [`/services/${DEMO_SERVICES.contacts}`, async (p) => await expect(p.getByRole("heading", { level: 1, name: DEMO_SERVICES.contacts })).toBeVisible()],
      [`/reports?services=${DEMO_SERVICES.contacts}&range=last90`, async (p) => await expect(p.getByTestId("report-chart").locator(".recharts-rectangle").first()).toBeVisible()],
      ["/search", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/audit", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/protection", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/dlq", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/pitr", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/bulk-restore", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
      ["/erasure", async (p) => await expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
    ];
    for (const [path, ready] of pages) {
      const response = await page.goto(path);
      expect(response?.headers()["content-security-policy"], path).toMatch(/'nonce-[^']+' 'strict-dynamic'/);
      await ready(page);
      await page.waitForLoadState("networkidle");
    }

    // A day and a record, reached by clicking: client-side navigation under the policy.
    await page.goto(`/services/${DEMO_SERVICES.contacts}`);
    await page.locator(`a[href^="/services/${DEMO_SERVICES.contacts}/days/"]`).last().click();
    await expect(page.getByRole("heading", { level: 1, name: /Deletions on/ })).toBeVisible();
    await page.locator(`a[href^="/services/${DEMO_SERVICES.contacts}/record?key="]`).first().click();
    await expect(page.getByRole("heading", { level: 1, name: /Deleted record in/ })).toBeVisible();
    await page.waitForLoadState("networkidle");

    expect(violations).toEqual([]);
  });
});

test("five wrong passwords pause the account, and the sign-in form says so", async ({ page }) => {
  await page.goto("/signin");
  const email = "compliance@demo.lazarus";
  const form = page.locator("form").filter({ hasText: email });
  for (let i = 0; i < 5; i++) {
    await form.getByLabel(`Password for ${email}`).fill(`wrong-${i}`);
    await form.getByRole("button", { name: /Sign in as/ }).click();
    await expect(form.getByText("That password is not right.")).toBeVisible();
  }
  const refused = page.waitForResponse((r) => r.url().includes("/api/auth/callback/demo"));
  await form.getByLabel(`Password for ${email}`).fill("wrong-again");
  await form.getByRole("button", { name: /Sign in as/ }).click();
  const response = await refused;
  expect(response.status()).toBe(429);
  expect(Number(response.headers()["retry-after"])).toBeGreaterThan(0);
  await expect(form.getByText(/Too many failed sign-ins for this account or from this address/)).toBeVisible();
});
