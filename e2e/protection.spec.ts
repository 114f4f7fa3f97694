import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

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

test.describe("viewer sees protection but cannot change it", () => {
  test.use({ storageState: storageStateFor("viewer") });

  test("no fix buttons", async ({ page }) => {
    await page.goto(`/protection/${SERVICE}`);
    await expect(page.getByRole("heading", { level: 1, name: `Protection of ${SERVICE}` })).toBeVisible();
    await expect(page.getByRole("button", { name: /^Enable / })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
  });
});
