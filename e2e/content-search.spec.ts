import { expect, test } from "./fixtures";
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { WALKTHROUGH, WALKTHROUGH_EMAIL } from "../scripts/demo/fixtures";
import { demoDynamoDB, expectNoSeriousA11yViolations, holdScriptsUntilReleased, saveScreenshot, storageStateFor } from "./support";

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

  test("keeps what was typed before the page came alive", async ({ page }) => {
    // The form is typed into as the server rendered it, before React hydrates it.
    const hydrate = await holdScriptsUntilReleased(page);
    await page.goto("/search", { waitUntil: "domcontentloaded" });
    const form = page.getByRole("form", { name: "Find deletions by content" });
    const typed = { path: "email", value: WALKTHROUGH_EMAIL, from: "2026-09-03T03:04", to: "2026-11-28T07:08", who: "support-desk" };
    await form.getByLabel("Attribute path").fill(typed.path);
    await form.getByLabel("Value").fill(typed.value);
    await form.getByLabel("From (UTC)").fill(typed.from);
    await form.getByLabel("To (UTC, minute included)").fill(typed.to);
    await form.getByLabel("Deleted by (role, caller or ARN)").fill(typed.who);
    await form.getByLabel("Ignore case").uncheck();
    // Until the form can run its search, its button cannot send the form the browser's way.
    const search = form.getByRole("button", { name: "Search content" });
    await expect(search).toBeDisabled();

    await hydrate('form[aria-label="Find deletions by content"]');
    // A render after hydration (a second condition row) must not put the defaults back.
    await form.getByRole("button", { name: "Add a condition" }).click();
    await expect(form.getByRole("group", { name: "Condition 2" })).toBeVisible();
    await expect(form.getByLabel("Attribute path").first()).toHaveValue(typed.path);
    await expect(form.getByLabel("Value").first()).toHaveValue(typed.value);
    await expect(form.getByLabel("From (UTC)")).toHaveValue(typed.from);
    await expect(form.getByLabel("To (UTC, minute included)")).toHaveValue(typed.to);
    await expect(form.getByLabel("Deleted by (role, caller or ARN)")).toHaveValue(typed.who);
    await expect(form.getByLabel("Ignore case").first()).not.toBeChecked();

    // And the search asks for exactly what was typed.
    await form.getByRole("button", { name: "Remove condition 2" }).click();
    const request = page.waitForRequest((r) => r.url().endsWith("/api/search/content") && r.method() === "POST");
    await search.click();
    expect((await request).postDataJSON()).toMatchObject({
      conditions: [{ path: typed.path, op: "equals", value: typed.value, caseInsensitive: false }],
      from: `${typed.from}Z`,
      to: `${typed.to}Z`,
      principal: { value: typed.who, match: "contains" },
    });
  });

  test("fits a phone screen", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/search");
    await expect(page.getByRole("form", { name: "Find deletions by content" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
