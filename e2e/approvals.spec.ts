import { expect, test, type Browser, type Page } from "@playwright/test";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoPassword, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * Four-eyes approval in the demo, whose config puts bulk restores and erasures of
 * unt-svc under approval (docs/APPROVALS.md): one admin asks, the run waits; a second
 * admin approves and it runs.
 */

const SECOND_ADMIN = "admin2@demo.lazarus";

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.document, `${page.url()} is ${widths.document}px wide at ${widths.viewport}px`).toBeLessThanOrEqual(widths.viewport);
}

async function signInAsSecondAdmin(browser: Browser): Promise<Page> {
  // Contexts made in a test inherit its `use` options: without an empty state this one would be admin A again.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel(`Password for ${SECOND_ADMIN}`).fill(demoPassword());
  await page.getByRole("button", { name: "Sign in as second admin" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  await expect(page.getByRole("banner").getByText(SECOND_ADMIN)).toBeVisible();
  return page;
}

test.describe("a bulk restore under four-eyes approval", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("admin A asks, nothing runs; admin B approves and it runs", async ({ page, browser }) => {
    test.setTimeout(480_000);
    await page.goto("/bulk-restore");
    const form = page.getByRole("form", { name: "New bulk restore" });
    await form.getByLabel("Service").selectOption(DEMO_SERVICES.units);
    await form.getByLabel("From day (UTC)").fill(daysAgo(90));
    await form.getByLabel("To day (UTC)").fill(daysAgo(6));
    await form.getByLabel("Deletion type").selectOption("manual");
    await form.getByRole("button", { name: "Plan the restore" }).click();
    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible({ timeout: 60_000 });
    const jobUrl = page.url();

    await page.getByRole("button", { name: "Run the restore" }).click();
    await page.getByRole("button", { name: "Yes, start the restore" }).click();
    const sent = page.getByRole("status").filter({ hasText: "Sent for approval" });
    await expect(sent).toBeVisible();
    await expect(page.getByRole("progressbar", { name: "Items processed" })).toHaveCount(0);
    await saveScreenshot(page, "approvals-sent");

    await sent.getByRole("link", { name: "Open the approval request" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Bulk restore request" })).toBeVisible();
    const requestUrl = page.url();
    await expect(page.getByText("Pending", { exact: true })).toBeVisible();
    // The requester can withdraw, not approve.
    await expect(page.getByRole("button", { name: "Approve and run" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Withdraw the request" })).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    // Still planned: nothing ran.
    await page.goto(jobUrl);
    await expect(page.getByRole("button", { name: "Run the restore" })).toBeVisible();

    const second = await signInAsSecondAdmin(browser);
    await second.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
    await expect(second.getByRole("heading", { level: 1, name: "Approvals" })).toBeVisible();
    const listed = second.getByRole("list", { name: "Approval requests" }).getByRole("link", { name: /Bulk restore of .* into unt-unit/ }).first();
    await expect(listed).toBeVisible();
    await expectNoSeriousA11yViolations(second);
    await second.goto(requestUrl);
    await expect(second.getByText("admin@demo.lazarus", { exact: false }).first()).toBeVisible();
    const absent = Number((await second.getByTestId("approval-count-absent").innerText()).replace(/,/g, ""));
    expect(absent).toBeGreaterThan(0);
    await saveScreenshot(second, "approvals-request");

    await second.getByRole("button", { name: "Approve and run" }).click();
    await expect(second.getByText("Executed", { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(second.getByTestId("approval-outcome")).toContainText("bulk restore of");
    await expect(second.getByText(/Decided by/)).toBeVisible();

    // The job ran, started for its requester.
    await second.getByRole("link", { name: "Open the full plan" }).click();
    const bar = second.getByRole("progressbar", { name: "Items processed" });
    await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 120_000 });

    // A phone's width: the list and the request read without scrolling sideways.
    await second.setViewportSize({ width: 390, height: 844 });
    await second.goto("/approvals?status=executed");
    await expect(second.getByRole("list", { name: "Approval requests" })).toBeVisible();
    await expectNoHorizontalOverflow(second);
    await second.goto(requestUrl);
    await expect(second.getByRole("heading", { level: 1, name: "Bulk restore request" })).toBeVisible();
    await expectNoHorizontalOverflow(second);
    await saveScreenshot(second, "approvals-request-phone");
    await second.context().close();
  });
});
