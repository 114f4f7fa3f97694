import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { demoPassword, saveScreenshot, storageStateFor } from "./support";

const { glacier, ttlExpired } = WALKTHROUGH;

async function openRecord(page: Page, record: { serviceName: string; partitionKey: string; sortKey?: string }): Promise<void> {
  await page.goto(`/search?q=${encodeURIComponent(record.partitionKey)}&match=exact&service=${record.serviceName}`);
  await page.getByRole("link", { name: `${record.partitionKey} · ${record.sortKey}` }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${record.serviceName}` })).toBeVisible();
}

test.use({ storageState: storageStateFor("support") });

test("an archive in Glacier is retrieved on request, then previewed", async ({ page }) => {
  await openRecord(page, glacier);
  await expect(page.getByRole("heading", { name: "This record is in Glacier Flexible Retrieval" })).toBeVisible();
  await expect(page.getByText("No retrieval has been requested for this object.")).toBeVisible();
  await saveScreenshot(page, "record-glacier");
  await page.getByLabel("Retrieval speed").selectOption("Bulk");
  await page.getByLabel("Keep the copy for (days)").fill("2");
  await page.getByRole("button", { name: "Request retrieval" }).click();
  // The local stack restores at once; on AWS the page polls until S3 is done.
  await expect(page.getByRole("heading", { name: "The deleted item" })).toBeVisible();
  await expect(page.getByText(glacier.partitionKey).first()).toBeVisible();
});

test("a TTL-expired record warns that it would expire again and is restored without its TTL", async ({ page }) => {
  await openRecord(page, ttlExpired);
  await expect(page.getByText("TTL", { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/DynamoDB will delete the item again/).first()).toBeVisible();
  // The TTL attribute reads as a date, not only as epoch seconds.
  const ttlFact = page.locator("dd").filter({ hasText: "expiresAt =" });
  await expect(ttlFact.locator("time")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  await expect(ttlFact).toContainText("expired");
  // Nothing is chosen for the TTL until the user chooses.
  await expect(page.getByLabel("Keep as archived", { exact: false })).not.toBeChecked();
  await page.getByRole("button", { name: "Review restore…" }).click();
  await expect(page.getByText("Choose what to do with expiresAt: keep it, remove it or extend it.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Confirm the restore" })).toHaveCount(0);
  await page.getByLabel("Remove it, so the item does not expire").check();
  await page.getByRole("button", { name: "Review restore…" }).click();
  await page.getByRole("button", { name: "Restore now" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Restored into table usr-contact" })).toBeVisible();
  // The outcome replaces the form; the history names the restore, also after a reload.
  await expect(page.getByRole("button", { name: "Review restore…" })).toHaveCount(0);
  await expect(page.getByText("A live item with this key exists")).toHaveCount(0);
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByRole("listitem").filter({ hasText: "support@demo.lazarus" }).filter({ hasText: "usr-contact" }).filter({ hasText: "Succeeded" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("region", { name: "History" }).getByRole("listitem").filter({ hasText: "support@demo.lazarus" }).filter({ hasText: "Succeeded" })).toBeVisible();
  // Live now differs from the archive by exactly the dropped TTL attribute.
  const diff = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "Attribute path" }) });
  await expect(diff.getByRole("row")).toHaveCount(2);
  await expect(diff.getByRole("row").filter({ hasText: "Removed" }).filter({ hasText: "expiresAt" })).toBeVisible();
});

test("no AWS SDK, credentials or secrets in the browser bundle", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".js")) files.push(path);
    }
  };
  walk(join(".next", "static"));
  expect(files.length).toBeGreaterThan(0);
  const forbidden = ["@aws-sdk/client-", "AWS_SECRET_ACCESS_KEY", "NEXTAUTH_SECRET", "LAZARUS_DEMO_PASSWORD", demoPassword()];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const needle of forbidden) expect(text.includes(needle), `${needle} in ${file}`).toBe(false);
  }
});
