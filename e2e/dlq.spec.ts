import { expect, test } from "./fixtures";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * The demo seeds failed batches: SQS messages for usr-contact-svc and unt-svc whose
 * sequence ranges are not in the local stream (as after the stream's 24 hours), and two
 * S3 failure objects for sor-service-order-svc that hold their records, one with a
 * poison record and one that failed for a passing reason. Replaying an SQS one must say
 * exactly what is lost and keep the message; replaying the passing one archives its
 * records and deletes it.
 */
test.describe("an admin inspects and replays the DLQ", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("lists every service's failures, replays one whose records are gone, and says what was lost", async ({ page }) => {
    await page.goto("/dlq");
    await expect(page.getByRole("heading", { level: 1, name: "Failed batches (DLQ)" })).toBeVisible();

    const contacts = page.getByRole("region", { name: "usr-contact-svc" });
    await expect(contacts.getByText("SQS queue lazarus-usr-contact-svc-dlq")).toBeVisible();
    await expect(contacts.getByTestId("dlq-failure")).toHaveCount(2);
    await expect(contacts.getByText("Past the stream's 24-hour retention").first()).toBeVisible();

    const orders = page.getByRole("region", { name: "sor-service-order-svc" });
    await expect(orders.getByText("S3 bucket lazarus-archiver-failures")).toBeVisible();
    await expect(orders.getByTestId("dlq-failure")).toHaveCount(2);
    await expect(orders.getByText("In the failure object").first()).toBeVisible();
    await expect(page.getByRole("region", { name: "unt-svc" }).getByTestId("dlq-failure")).toHaveCount(1);
    await expect(page.getByText("5 failed batches waiting.")).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "dlq-list");

    await contacts.getByRole("button", { name: /^Replay the batch of 3 records/ }).click();
    await expect(contacts.getByText("Run the archiver on these 3 records?")).toBeVisible();
    await contacts.getByRole("button", { name: "Confirm replay" }).click();

    const outcome = contacts.getByRole("status").filter({ hasText: "3 records lost: the failure is kept" });
    await expect(outcome).toBeVisible({ timeout: 30_000 });
    await expect(outcome.getByTestId("replay-counts")).toContainText("Archived:0");
    await expect(outcome.getByTestId("replay-counts")).toContainText("Lost:3");
    await expect(outcome).toContainText("Lost: 3 of 3 records of shard");
    await expect(outcome).toContainText("24-hour retention");
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "dlq-replay-lost");

    // Not deleted: it stays as the record of what was lost.
    await outcome.getByRole("button", { name: "Refresh the list" }).click();
    await expect(contacts.getByTestId("dlq-failure")).toHaveCount(2);

    await orders.getByRole("button", { name: /^Replay the batch of 4 records/ }).click();
    await expect(orders.getByText("Run the archiver on these 4 records?")).toBeVisible();
    await orders.getByRole("button", { name: "Confirm replay" }).click();
    const replayed = orders.getByRole("status").filter({ hasText: "Replayed: every record is archived, the failure was deleted" });
    await expect(replayed).toBeVisible({ timeout: 30_000 });
    await expect(replayed.getByTestId("replay-counts")).toContainText("Archived:4");
    // The count at the top follows the replay at once; the lost one above is still waiting.
    await expect(page.getByText("4 failed batches waiting. 1 replayed and deleted since the check.")).toBeVisible();
    await saveScreenshot(page, "dlq-replay-archived");
    await replayed.getByRole("button", { name: "Refresh the list" }).click();
    await expect(orders.getByTestId("dlq-failure")).toHaveCount(1);
    await expect(page.getByText("4 failed batches waiting.")).toBeVisible();
  });
});

test.describe("the DLQ is for admins", () => {
  test.use({ storageState: storageStateFor("support") });

  test("support sees that it is not allowed", async ({ page }) => {
    await page.goto("/dlq");
    await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
  });
});
