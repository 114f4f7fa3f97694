import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { parseCsv } from "../lib/exports/csv-read";
import { DEMO_INCIDENT, DEMO_SERVICES, WALKTHROUGH } from "../scripts/demo/fixtures";
import { DEMO_PRINCIPALS } from "../scripts/demo/principals";
import { demoIncidentDay, expectNoSeriousA11yViolations, storageStateFor } from "./support";

const ORDERS = DEMO_SERVICES[DEMO_INCIDENT.service];
const cleanupRole = DEMO_PRINCIPALS.cleanup.roleName;
const supportRole = DEMO_PRINCIPALS.support.roleName;

/**
 * The demo's incident day filtered by the clean-up job's role: content search keeps only
 * the job's deletions and exports them with their caller, and the report's record list
 * keeps the same records.
 */
test.describe("who deleted it, in content search and reports", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("the clean-up job's role on the incident day: only its deletions, exported with their caller, the same in the report", async ({ page }) => {
    test.slow();
    const day = demoIncidentDay();
    await page.goto("/search");
    const form = page.getByRole("form", { name: "Find deletions by content" });
    await form.getByLabel("From (UTC)").fill(`${day}T00:00`);
    await form.getByLabel("To (UTC, minute included)").fill(`${day}T23:59`);
    await expect(form.getByLabel("From (UTC)")).toHaveValue(`${day}T00:00`);
    await form.getByRole("combobox", { name: "Service", exact: true }).selectOption(ORDERS);
    await form.getByLabel("Deleted by (role, caller or ARN)").fill(cleanupRole);
    await form.getByRole("combobox", { name: "Match the caller" }).selectOption("equals");
    await form.getByRole("button", { name: "Search content" }).click();
    await expect(page.getByTestId("content-search-announcement")).toContainText("Search complete", { timeout: 90_000 });

    const results = page.getByRole("region", { name: "Content search results" });
    const rows = results.locator("tbody tr");
    const count = await rows.count();
    expect(count).toBeGreaterThan(0);
    await expect(results).toContainText(WALKTHROUGH.incidentOrder.partitionKey);
    await expect(results.locator("tbody tr", { hasText: `${supportRole}/` })).toHaveCount(0);
    await expect(results.locator("tbody tr td:last-child", { hasText: `${cleanupRole}/` })).toHaveCount(count);
    await expectNoSeriousA11yViolations(page);

    await page.getByText("Export these matches").click();
    const downloadPromise = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the matches as CSV" }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe(`lazarus-search_${ORDERS}_${day}_${day}.csv`);
    const csv = parseCsv(readFileSync((await download.path())!, "utf8"));
    const deletedBy = csv[0]!.indexOf("deleted_by");
    expect(csv.slice(1)).toHaveLength(count);
    for (const row of csv.slice(1)) expect(row[deletedBy]).toMatch(new RegExp(`^${cleanupRole}/`));
    await expect(page.getByText(/matches the file received/)).toBeVisible();

    await page.goto(`/reports?services=${ORDERS}&range=custom&from=${day}&to=${day}&who=${encodeURIComponent(cleanupRole)}&whoMatch=equals`);
    const list = page.getByRole("region", { name: "Deleted records in the report" });
    await expect(list).toBeVisible({ timeout: 60_000 });
    await expect(list.locator("tbody tr")).toHaveCount(count);
    await expect(list.locator("tbody tr td:last-child", { hasText: `${cleanupRole}/` })).toHaveCount(count);
    await expect(page.getByLabel("Records deleted by (role, caller or ARN)")).toHaveValue(cleanupRole);
  });

  test("the search form with its caller filter fits a phone screen", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/search");
    // The key search and the content search each have their caller field.
    await expect(page.getByRole("search", { name: "Find deletions by key" }).getByLabel("Deleted by (role, caller or ARN)")).toBeVisible();
    await expect(page.getByRole("form", { name: "Find deletions by content" }).getByLabel("Deleted by (role, caller or ARN)")).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
