import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoDay, demoPassword, expectNoHorizontalOverflow, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * Four-eyes approval in the demo, whose config puts bulk restores and erasures of
 * unt-svc under approval (docs/APPROVALS.md): one admin asks, the run waits; a second
 * admin approves and it runs.
 */

const SECOND_ADMIN = "admin2@demo.lazarus";


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
    await form.getByLabel("From day (UTC)").fill(demoDay(90));
    await form.getByLabel("To day (UTC)").fill(demoDay(6));
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

    const announcer = second.getByTestId("page-announcer");
    await expect(announcer).toHaveText("");
    await second.getByRole("button", { name: "Approve and run" }).click();
    // The decision removes its buttons: focus goes to the request's heading, the page-wide region says what happened.
    await expect(second.getByRole("heading", { level: 2, name: "What will run" })).toBeFocused({ timeout: 60_000 });
    await expect(announcer).toContainText("Approved: the action ran.");
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

test.describe("a rejection, by keyboard focus", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("Reject… focuses the reason, Cancel returns to Reject…, the rejection moves focus to the request", async ({ page, browser, baseURL }) => {
    test.setTimeout(180_000);
    // Asked for through the API, as the bulk-restore page would: the request is what this test is about.
    const headers = { Origin: baseURL!, "Content-Type": "application/json" };
    const planned = await page.request.post("/api/bulk-restore/plan", {
      headers,
      data: { selection: { kind: "filter", service: DEMO_SERVICES.units, from: demoDay(90), to: demoDay(6), type: "manual" } },
    });
    expect(planned.status(), await planned.text()).toBe(201);
    const { job } = (await planned.json()) as { job: { id: string } };
    const run = await page.request.post(`/api/bulk-restore/${job.id}/run`, { headers, data: {} });
    expect(run.status(), await run.text()).toBe(202);
    const { request } = (await run.json()) as { request: { id: string } };

    const second = await signInAsSecondAdmin(browser);
    await second.goto(`/approvals/${request.id}`);
    await expect(second.getByRole("heading", { level: 1, name: "Bulk restore request" })).toBeVisible();
    const announcer = second.getByTestId("page-announcer");
    await expect(announcer).toHaveText("");

    const reject = second.getByRole("button", { name: "Reject…" });
    await reject.click();
    const reason = second.getByLabel("Why is it rejected?");
    await expect(reason).toBeFocused();
    await second.getByRole("button", { name: "Cancel" }).click();
    await expect(reason).toHaveCount(0);
    await expect(reject).toBeFocused();

    await second.keyboard.press("Enter");
    await expect(reason).toBeFocused();
    await second.keyboard.type("Restores the wrong week.");
    await second.getByRole("button", { name: "Reject the request" }).click();
    await expect(second.getByRole("heading", { level: 2, name: "What will run" })).toBeFocused({ timeout: 30_000 });
    await expect(announcer).toContainText("Rejected.");
    await expect(second.getByText("Rejected by", { exact: true })).toBeVisible();
    await expect(reject).toHaveCount(0);
    await second.context().close();
  });
});
