import { expect, test } from "./fixtures";
import { DEMO_INCIDENT, DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoIncidentDay, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

test.describe("an admin bulk-restores a day's manual deletions", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("day page entry, plan, run, progress to 100%, results after a reload", async ({ page }) => {
    test.slow();
    const date = demoIncidentDay();
    await page.goto(`/services/${DEMO_SERVICES[DEMO_INCIDENT.service]}/days/${date}?type=manual`);
    await expect(page.getByRole("group", { name: "Bulk restore" })).toBeVisible();
    await page.getByRole("link", { name: "Restore all matching this filter" }).click();

    await expect(page.getByRole("heading", { level: 1, name: "Bulk restore" })).toBeVisible();
    await expect(page.getByLabel("From day (UTC)")).toHaveValue(date);
    await expect(page.getByLabel("Deletion type")).toHaveValue("manual");
    await expectNoSeriousA11yViolations(page);
    // The incident view's test restores that day's orders first: the weeks before it keep enough absent ones to watch a run.
    const weeksBefore = new Date(Date.parse(`${date}T00:00:00Z`) - 40 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("From day (UTC)").fill(weeksBefore);
    await page.getByRole("button", { name: "Plan the restore" }).click();

    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible({ timeout: 60_000 });
    const absent = Number((await page.getByTestId("plan-absent").innerText()).replace(/,/g, ""));
    expect(absent, "items to restore, so some are done while others are still pending").toBeGreaterThanOrEqual(3);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "bulk-restore-plan");

    // Capped at 6 items a second, the weeks' forty-odd items take about seven seconds: long enough to
    // watch, with the page asking for progress every second.
    await page.getByLabel("Items per second, at most").fill("6");
    await page.getByRole("button", { name: "Run the restore" }).click();
    await expect(page.getByRole("group", { name: "Confirm the run" })).toContainText("at most 6 a second");
    await page.getByRole("button", { name: "Yes, start the restore" }).click();
    const bar = page.getByRole("progressbar", { name: "Items processed" });
    await expect(bar).toBeVisible();
    // While the progress bar is short of 100 %, some items already show their outcome and others are still pending.
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const value = document.querySelector('[role="progressbar"][aria-label="Items processed"]')?.getAttribute("aria-valuenow");
            const running = value !== null && value !== undefined && Number(value) < 100;
            const outcomes = [...document.querySelectorAll('[aria-label="Planned items"] tbody tr td:nth-child(4)')].map((cell) => cell.textContent ?? "");
            return running && outcomes.some((o) => o.startsWith("restored")) && outcomes.some((o) => o.startsWith("pending"));
          }),
        { message: "an item's outcome in the table while the run was going", timeout: 60_000, intervals: [200] },
      )
      .toBe(true);
    await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 120_000 });
    await expect(page.getByRole("status").filter({ hasText: "Completed" })).toBeVisible();
    await saveScreenshot(page, "bulk-restore-done");

    // State lives in S3: a reload shows the same finished job.
    await page.reload();
    await expect(page.getByRole("progressbar", { name: "Items processed" })).toHaveAttribute("aria-valuenow", "100");
    await expect(page.getByText("Done", { exact: true })).toBeVisible();
    // Each item's outcome is in the item table, with its attempts explained.
    const items = page.getByRole("region", { name: "Planned items" });
    await expect(items.getByRole("columnheader", { name: "Attempts" })).toBeVisible();
    await expect(items.getByRole("row").filter({ hasText: "restored" }).first()).toBeVisible();
    await expect(items.getByRole("row").filter({ hasText: /pending|—\s*—$/ })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
    const csv = await page.request.get(page.url().replace("/bulk-restore/", "/api/bulk-restore/") + "/results.csv");
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split("\n")[0]).toBe("item,key,archive_key,plan,outcome,reason,attempts");
  });
});
