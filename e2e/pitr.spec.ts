import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * An admin restores the demo's service-order table to the latest restorable time,
 * watches it become ACTIVE, and compares it with live. The local stack's moto copies
 * the table as it is at the call, so every count is a number (usually 0 differences).
 */
test.describe("admin runs a point-in-time restore with compare", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("start, ACTIVE, checklist, compare counts", async ({ page }) => {
    await page.goto("/pitr");
    await expect(page.getByRole("heading", { level: 1, name: "Point-in-time restore" })).toBeVisible();
    await page.getByLabel("Service and table").selectOption("sor-service-order-svc");
    await expect(page.getByTestId("pitr-window")).toBeVisible();
    await expect(page.getByLabel("New table name")).toHaveValue(/^sor-service-order-restored-\d{8}T\d{6}Z$/);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "pitr-start");
    await page.getByRole("checkbox", { name: /I understand this creates table/ }).check();
    await page.getByRole("button", { name: "Start restore" }).click();

    await expect(page).toHaveURL(/\/pitr\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("pitr-status")).toContainText("ACTIVE", { timeout: 30_000 });
    await expect(page.getByRole("heading", { name: "What the restore did not bring back" })).toBeVisible();
    await expect(page.getByText("Stream (NEW_AND_OLD_IMAGES) and the archiver", { exact: true })).toBeVisible();

    await page.getByRole("button", { name: "Run compare" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Compare finished" })).toBeVisible({ timeout: 60_000 });
    for (const id of ["count-only-in-restored", "count-only-in-live", "count-changed", "count-identical"]) {
      await expect(page.getByTestId(id)).toHaveText(/^\d+$/);
    }
    await expect(page.getByRole("tab", { name: /Only in restored/ })).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "pitr-compare");

    await page.goto("/pitr");
    await expect(page.getByRole("link", { name: /^sor-service-order-restored-/ }).first()).toBeVisible();
  });
});
