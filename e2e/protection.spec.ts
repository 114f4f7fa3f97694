import { UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoDynamoDB, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const SERVICE = "usr-contact-svc";

test.describe("admin checks every table's protection", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("health page, then one service's detail with reasons and fixes", async ({ page }) => {
    await page.goto("/protection");
    await expect(page.getByRole("heading", { level: 1, name: "Protection health" })).toBeVisible();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: SERVICE }) });
    await expect(row).toBeVisible();
    // Every configured service has a row with a worded light.
    for (const service of ["usr-contact-svc", "sor-service-order-svc", "unt-svc"]) {
      await expect(page.getByRole("link", { name: service, exact: true })).toBeVisible();
    }
    await expect(row.getByText(/Protected|Needs attention|At risk|Unknown/).first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "protection-health");

    // The DLQ light leads an admin to the failed batches themselves.
    await expect(row.getByRole("link", { name: /^On-failure destination \(DLQ\): .*\(open the failed batches\)$/ })).toHaveAttribute("href", "/dlq");

    await row.getByRole("link", { name: SERVICE, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Protection of ${SERVICE}` })).toBeVisible();
    for (const check of ["Point-in-time recovery", "Deletion protection", "Stream", "Time to live", "Archiver event source mapping", "On-failure destination (DLQ)", "Alarms", "Sealing"]) {
      await expect(page.getByRole("heading", { level: 2, name: check, exact: true })).toBeVisible();
    }
    await expect(page.locator('[data-check="stream"]').getByText("NEW_AND_OLD_IMAGES").first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "protection-service");
  });

  test("the JSON report answers for monitoring", async ({ request }) => {
    const response = await request.get("/api/protection");
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { status: string; services: { service: string; checks: { id: string }[] }[] };
    expect(body.services.map((s) => s.service)).toContain(SERVICE);
    expect(body.services[0]!.checks.map((c) => c.id)).toEqual(["pitr", "deletion-protection", "stream", "ttl", "mapping", "dlq", "alarms", "seal"]);
  });
});

test.describe("admin turns deletion protection back on", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("Check again shows a change made behind the console's back; the fix's confirmation takes focus, Cancel gives it back, the fix is announced and focus goes to the check", async ({ page }) => {
    test.slow();
    const table = "unt-unit";
    const enable = page.getByRole("button", { name: "Enable deletion protection" });
    const announcer = page.getByTestId("page-announcer");
    const checkAgain = page.getByRole("button", { name: "Check again" });
    const checkedAgain = `Checked again: the page shows what AWS answered just now for ${DEMO_SERVICES.units}.`;
    await page.goto(`/protection/${DEMO_SERVICES.units}`);
    // Fresh answers to start from, whatever earlier tests left in the page's 30-second reuse.
    await checkAgain.click();
    await expect(announcer).toHaveText(checkedAgain);
    await expect(page.getByRole("heading", { level: 2, name: "Deletion protection", exact: true })).toBeVisible();
    await expect(enable).toHaveCount(0);
    const dynamodb = await demoDynamoDB();
    // Turned off behind the console's back, as someone might in the AWS console.
    await dynamodb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: false }));
    try {
      // The page reuses AWS's answers for 30 seconds: a reload still shows protection on.
      await page.reload();
      await expect(page.getByText(/^Checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/)).toBeVisible();
      await expect(enable).toHaveCount(0);
      await expect(announcer).toHaveText("");
      await checkAgain.click();
      await expect(announcer).toHaveText(checkedAgain);
      await expect(enable).toBeVisible();

      await enable.click();
      const confirmation = page.getByRole("group", { name: "Confirm: enable deletion protection" });
      await expect(confirmation).toBeFocused();
      await confirmation.getByRole("button", { name: "Cancel" }).click();
      await expect(confirmation).toHaveCount(0);
      await expect(enable).toBeFocused();

      await page.keyboard.press("Enter");
      await expect(confirmation).toBeFocused();
      await confirmation.getByLabel("Type the table name to confirm").fill(table);
      await confirmation.getByRole("button", { name: "Confirm: enable deletion protection" }).click();
      // The refresh removes the finding and its button: focus goes to the check, the page-wide region says it is done.
      await expect(page.getByRole("heading", { level: 2, name: "Deletion protection", exact: true })).toBeFocused({ timeout: 30_000 });
      await expect(announcer).toContainText(`Done: enabled deletion protection on ${table}. The change is in the audit log.`);
      await expect(enable).toHaveCount(0);
    } finally {
      await dynamodb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: true }));
    }
  });
});

test.describe("viewer sees protection but cannot change it", () => {
  test.use({ storageState: storageStateFor("viewer") });

  test("no fix buttons", async ({ page }) => {
    await page.goto(`/protection/${SERVICE}`);
    await expect(page.getByRole("heading", { level: 1, name: `Protection of ${SERVICE}` })).toBeVisible();
    await expect(page.getByRole("button", { name: /^Enable / })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
  });
});
