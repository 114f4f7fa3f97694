import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

test.use({ storageState: storageStateFor("viewer") });

test("browse a service's calendar to a day, filter it, and go back", async ({ page }) => {
  await page.goto(`/services/${DEMO_SERVICES.contacts}`);
  await expect(page.getByRole("heading", { level: 1, name: DEMO_SERVICES.contacts })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await saveScreenshot(page, "service-calendar");

  const dayLinks = page.locator(`a[href^="/services/${DEMO_SERVICES.contacts}/days/"]`);
  await expect(dayLinks.first()).toBeVisible();
  // A day with manual deletions (each day's link names its counts): today may hold only the demo's TTL expiry.
  await dayLinks.filter({ hasText: "Manual" }).last().click();
  await expect(page.getByRole("heading", { level: 1, name: /Deletions on \d{4}-\d{2}-\d{2}/ })).toBeVisible();
  const recordLinks = page.locator(`a[href^="/services/${DEMO_SERVICES.contacts}/record?key="]`);
  await expect(recordLinks.first()).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await saveScreenshot(page, "day");

  const dayUrl = page.url();
  await page.getByLabel("Deletion type").selectOption("manual");
  await expect(page).toHaveURL(/type=manual/);
  await expect(recordLinks.first()).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "TTL" })).toHaveCount(0);

  await recordLinks.first().click();
  await expect(page.getByRole("heading", { level: 1, name: /Deleted record in/ })).toBeVisible();
  // Opened from a day: the way back keeps the filter, and Overview stays the current section.
  await expect(page.getByRole("link", { name: "Back to the day's deletions" })).toHaveAttribute("href", /type=manual/);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  await page.goBack();
  await expect(page).toHaveURL(/type=manual/);
  expect(new URL(page.url()).pathname).toBe(new URL(dayUrl).pathname);

  // Previous day keeps the filter.
  const date = /\/days\/(\d{4}-\d{2}-\d{2})/.exec(dayUrl)![1]!;
  const previous = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  await page.getByRole("link", { name: `Previous day, ${previous}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Deletions on ${previous}` })).toBeVisible();
  await expect(page).toHaveURL(/type=manual/);
});
