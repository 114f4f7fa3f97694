import { expect, test } from "@playwright/test";
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { WALKTHROUGH, WALKTHROUGH_EMAIL } from "../scripts/demo/fixtures";
import { demoDynamoDB, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const { restorable } = WALKTHROUGH;

test.describe("support finds a deleted profile by its email address alone", () => {
  test.use({ storageState: storageStateFor("support") });

  test("content search, record, restore", async ({ page }) => {
    test.slow();
    await page.goto("/search");
    const form = page.getByRole("form", { name: "Find deletions by content" });
    await form.getByLabel("Attribute path").fill("email");
    await form.getByLabel("Value").fill(WALKTHROUGH_EMAIL.toUpperCase());
    await expect(form.getByLabel("Ignore case")).toBeChecked();
    // The live region is on the page, empty, before the search: one added with its message is often not read.
    const announcement = page.getByTestId("content-search-announcement");
    await expect(announcement).toHaveText("");
    await expect(announcement).toHaveAttribute("role", "status");
    await form.getByRole("button", { name: "Search content" }).click();

    const link = page.getByRole("link", { name: `${restorable.partitionKey} · ${restorable.sortKey}` });
    await expect(link.first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole("status").filter({ hasText: "Search complete" })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole("status").filter({ hasText: /^Search complete\. 1 match/ })).toBeVisible();
    await expect(announcement).toHaveText(/^Search complete\. 1 match found/);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "content-search");

    await link.first().click();
    await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${restorable.serviceName}` })).toBeVisible();
    await expect(page.getByText("Gone — nothing live with this key")).toBeVisible();
    await page.getByRole("button", { name: "Review restore…" }).click();
    await page.getByRole("button", { name: "Restore now" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Restored into table usr-contact" })).toBeVisible();
    await expect(page.getByText("Identical to the live item")).toBeVisible();

    // Later specs walk through the same record from "gone": delete it again, as its owner would.
    const dynamodb = await demoDynamoDB();
    await dynamodb.send(new DeleteItemCommand({ TableName: "usr-contact", Key: { PK: { S: restorable.partitionKey }, SK: { S: restorable.sortKey! } } }));
  });

  test("fits a phone screen", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/search");
    await expect(page.getByRole("form", { name: "Find deletions by content" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
