import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_INCIDENT, DEMO_SERVICES } from "../scripts/demo/fixtures";
import { DEMO_PRINCIPALS } from "../scripts/demo/principals";
import { demoIncidentDay, expectNoSeriousA11yViolations, storageStateFor } from "./support";

const ORDERS = DEMO_SERVICES[DEMO_INCIDENT.service];
const cleanupRole = DEMO_PRINCIPALS.cleanup.roleName;

/** How many of the day's records the report's own API says the role deleted: the figure the day table must show. */
async function roleRecordCount(page: Page, day: string): Promise<number> {
  const query = new URLSearchParams({ services: ORDERS, range: "custom", from: day, to: day, who: cleanupRole, whoMatch: "equals", limit: "1000" });
  const response = await page.request.get(`/api/reports/records?${query}`);
  expect(response.ok()).toBe(true);
  const body = (await response.json()) as { records: { deletedBy?: string }[]; nextCursor?: string };
  expect(body.nextCursor).toBeUndefined();
  return body.records.length;
}

/** Every row of the virtualised table, scrolled through: key and "Deleted by" text, read in the page one screen at a time. */
async function allRows(page: Page, day: string): Promise<Map<string, string>> {
  const region = page.getByRole("region", { name: `Deletions on ${day}` });
  const rows = new Map<string, string>();
  for (let step = 0; step < 200; step += 1) {
    const { shown, atEnd } = await region.evaluate((el) => {
      const shown = [...el.querySelectorAll("tbody tr")].map((row) => {
        const cells = row.querySelectorAll("td");
        // The key is the row's first link; the "Deleted by" cell is the one before the size.
        return [row.querySelector("a[href]")?.textContent ?? "", (cells[cells.length - 2]?.textContent ?? "").trim()] as const;
      });
      const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
      el.scrollTop += el.clientHeight / 2;
      return { shown, atEnd };
    });
    for (const [key, deletedBy] of shown) rows.set(key, deletedBy);
    if (atEnd) break;
    await page.waitForTimeout(100);
  }
  return rows;
}

/**
 * The demo's incident day table filtered by the clean-up job's role, on a desktop and on a
 * phone: the count says how many of the day's deletions are the role's, every row shows the
 * role, the filter lives in the URL, and nothing scrolls sideways.
 */
test.describe("who deleted it, on the day table", () => {
  test.use({ storageState: storageStateFor("compliance") });

  for (const viewport of [
    { label: "1440 px", width: 1440, height: 900 },
    { label: "390 px", width: 390, height: 844 },
  ]) {
    test(`the incident day filtered by the clean-up job's role at ${viewport.label}`, async ({ page }) => {
      test.slow();
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      const day = demoIncidentDay();
      const expected = await roleRecordCount(page, day);
      expect(expected).toBeGreaterThan(0);

      await page.goto(`/services/${ORDERS}/days/${day}`);
      const form = page.getByRole("search", { name: "Filter this day's deletions" });
      await form.getByLabel("Deleted by (role, caller or ARN)").fill(cleanupRole);
      await form.getByRole("combobox", { name: "Match the caller" }).selectOption("equals");
      await form.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(new RegExp(`who=${cleanupRole}&whoMatch=equals`));

      const status = page.getByRole("status").filter({ hasText: "the caller filter" });
      await expect(status).toContainText(new RegExp(`^${expected} of \\d+ deletions this day match`), { timeout: 60_000 });
      const total = Number(/ of (\d+) /.exec((await status.textContent()) ?? "")?.[1]);
      expect(total).toBeGreaterThan(expected);

      const rows = await allRows(page, day);
      expect(rows.size).toBe(expected);
      for (const [key, deletedBy] of rows) expect(deletedBy, key).toMatch(new RegExp(`^${cleanupRole}/`));

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await expectNoSeriousA11yViolations(page);

      // The filtered view is a link: opened afresh it shows the same.
      await page.goto(page.url());
      await expect(page.getByRole("status").filter({ hasText: "the caller filter" })).toContainText(`${expected} of ${total} deletions this day`, { timeout: 60_000 });
      await expect(page.getByLabel("Deleted by (role, caller or ARN)")).toHaveValue(cleanupRole);
    });
  }
});
