import { expect, test } from "./fixtures";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const { restorable, changed } = WALKTHROUGH;

async function openFromSearch(page: import("@playwright/test").Page, partitionKey: string, sortKey: string): Promise<void> {
  await page.goto("/search");
  await page.getByLabel("Partition key").fill(partitionKey);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "found" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("link", { name: `${partitionKey} · ${sortKey}` }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${restorable.serviceName}` })).toBeVisible();
}

test.describe("support finds a deleted customer record and restores it", () => {
  test.use({ storageState: storageStateFor("support") });

  test("search, record, badge, diff, restore, live again", async ({ page }) => {
    // The whole walkthrough, with four accessibility scans: more than one default timeout on a loaded machine.
    test.slow();
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await expect(page.getByRole("heading", { name: restorable.serviceName })).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "overview");

    await openFromSearch(page, restorable.partitionKey, restorable.sortKey!);
    await saveScreenshot(page, "search-to-record");
    // Opened from the search: the tab names the key, Search stays highlighted, and a link goes back to the results.
    await expect(page).toHaveTitle(`${restorable.partitionKey} · ${restorable.sortKey} (deleted) · Lazarus`);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).not.toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("link", { name: "Back to the search results" })).toHaveAttribute("href", /^\/search\?q=CONTACT%23c-1001/);
    await expect(page.getByText("Manual", { exact: true }).first()).toBeVisible();
    await expect(page.getByText("Gone — nothing live with this key")).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "record-gone");

    await page.getByRole("button", { name: "Review restore…" }).click();
    await expect(page.getByRole("heading", { name: "Confirm the restore" })).toBeVisible();
    await page.getByRole("button", { name: "Restore now" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Restored into table usr-contact" })).toBeVisible();
    // The comparison re-reads DynamoDB: the item is live again, exactly as archived.
    await expect(page.getByText("Identical to the live item")).toBeVisible();
    await saveScreenshot(page, "record-restored");

    // The success replaces the form; a second no-clobber restore, asked for on purpose, is refused: the item is live now.
    await expect(page.getByRole("button", { name: "Review restore…" })).toHaveCount(0);
    await page.getByRole("button", { name: "Restore again…" }).click();
    await page.getByRole("button", { name: "Review restore…" }).click();
    await page.getByRole("button", { name: "Restore now" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "A live item with this key already exists" })).toBeVisible();
  });

  test("a record re-created with changes shows a field-level diff", async ({ page }) => {
    await openFromSearch(page, changed.partitionKey, changed.sortKey!);
    const diff = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Attribute path" }) });
    await expect(diff).toBeVisible();
    for (const kind of ["Changed", "Added", "Removed"]) {
      await expect(diff.getByRole("row").filter({ hasText: kind }).first()).toBeVisible();
    }
    await saveScreenshot(page, "record-changed-diff");
  });
});

test.describe("the audit log shows the restore", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("compliance sees support's restore in today's audit log", async ({ page }) => {
    await page.goto("/audit");
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    const rows = page.getByRole("row").filter({ hasText: "support@demo.lazarus" }).filter({ hasText: restorable.partitionKey });
    await expect(rows.filter({ hasText: /succeeded/i }).first()).toBeVisible();
    await expect(rows.filter({ hasText: /refused/i }).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "audit");
  });
});
