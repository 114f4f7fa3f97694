import { expect, test } from "./fixtures";
import { DEMO_PRINCIPALS } from "../scripts/demo/principals";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { expectNoSeriousA11yViolations, storageStateFor } from "./support";

const { restorable, incidentOrder } = WALKTHROUGH;

async function openFromSearch(page: import("@playwright/test").Page, partitionKey: string, sortKey: string): Promise<void> {
  await page.goto("/search");
  await page.getByLabel("Partition key").fill(partitionKey);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  // The oldest deletion is the seeded one; other specs may restore and delete the record again.
  await page.getByRole("link", { name: `${partitionKey} · ${sortKey}` }).last().click();
}

test.describe("who deleted it", () => {
  test.use({ storageState: storageStateFor("support") });

  test("support sees which role and person deleted CONTACT#c-1001, and the call's details", async ({ page }) => {
    await openFromSearch(page, restorable.partitionKey, restorable.sortKey!);
    const deletedBy = page.getByTestId("deleted-by");
    await expect(deletedBy).toContainText(DEMO_PRINCIPALS.support.roleName);
    await expect(deletedBy).toContainText(`session ${DEMO_PRINCIPALS.support.sessionName}`);
    await expect(deletedBy).toContainText(`source identity ${DEMO_PRINCIPALS.support.sourceIdentity}`);
    await expect(deletedBy).toContainText("the request named this key");
    await deletedBy.getByText("Call details from CloudTrail").click();
    await expect(deletedBy.getByText(DEMO_PRINCIPALS.support.sourceIp)).toBeVisible();
    await expectNoSeriousA11yViolations(page);
  });

  test("an order of the incident names the clean-up job's role", async ({ page }) => {
    await openFromSearch(page, incidentOrder.partitionKey, incidentOrder.sortKey!);
    await expect(page.getByTestId("deleted-by")).toContainText(DEMO_PRINCIPALS.cleanup.roleName);
    await expect(page.getByTestId("deleted-by")).toContainText("BatchWriteItem");
  });
});
