import { expect, test } from "./fixtures";
import { DEMO_SERVICES, WALKTHROUGH, walkthroughDeletedAt } from "../scripts/demo/fixtures";
import { demoNow, expectNoHorizontalOverflow, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * The demo seals days older than its seal.afterDays (70) and leaves the recent ones open:
 * the day page says which, and the protection page shows each service's seal lag, on a
 * desktop and at a phone's width.
 */

test.use({ storageState: storageStateFor("viewer") });

const now = demoNow();
// 412 days ago: sealed, its bundle since moved to Glacier (the listing reads the manifest, not the bundle).
const sealed = WALKTHROUGH.glacier;
const sealedDay = walkthroughDeletedAt(sealed.deletions[0]!, now).toISOString().slice(0, 10);
// Yesterday: open.
const open = WALKTHROUGH.restorable;
const openDay = walkthroughDeletedAt(open.deletions[0]!, now).toISOString().slice(0, 10);

// Past midnight UTC one more day is due than when the demo sealed. Until the local stack's
// sealer (every 10 minutes) seals it, the lag is still 0 but the service is no longer "up to date".
const SEAL_LAG_ZERO_STATE = /(Up to date \(lag 0 days\)|Lag 0 days)$/;
const SEAL_LAG_ZERO = new RegExp(`^Sealing: Protected: ${SEAL_LAG_ZERO_STATE.source}`);

for (const { width, height, label } of [
  { width: 1280, height: 900, label: "desktop" },
  { width: 390, height: 844, label: "phone" },
]) {
  test.describe(`on a ${label}`, () => {
    test.use({ viewport: { width, height } });

    test("a sealed day says it is sealed and when, and still lists its records", async ({ page }) => {
      await page.goto(`/services/${DEMO_SERVICES[sealed.service]}/days/${sealedDay}`);
      await expect(page.getByRole("heading", { level: 1, name: `Deletions on ${sealedDay}` })).toBeVisible();
      const state = page.getByRole("region", { name: "Storage of this day" });
      await expect(state).toBeVisible();
      await expect(state.getByText("Sealed", { exact: true })).toBeVisible();
      // Sealed by the demo's seeding, as of its --now: the time is the manifest's sealed-at.
      await expect(state).toContainText(new RegExp(`on ${now.toISOString().slice(0, 10)} \\d{2}:\\d{2}:\\d{2} UTC: \\d+ records? in gzip bundles`));
      await expect(page.getByRole("region", { name: `Deletions on ${sealedDay}` }).getByText(sealed.partitionKey).first()).toBeVisible();
      await expectNoHorizontalOverflow(page);
      if (label === "desktop") await expectNoSeriousA11yViolations(page);
      await saveScreenshot(page, `day-sealed-${label}`);
    });

    test("an open day says it is open and from when it will be sealed", async ({ page }) => {
      await page.goto(`/services/${DEMO_SERVICES[open.service]}/days/${openDay}`);
      await expect(page.getByRole("heading", { level: 1, name: `Deletions on ${openDay}` })).toBeVisible();
      const state = page.getByRole("region", { name: "Storage of this day" });
      await expect(state.getByText("Open", { exact: true })).toBeVisible();
      const sealableFrom = new Date(Date.parse(`${openDay}T00:00:00Z`) + 70 * 86_400_000).toISOString().slice(0, 10);
      await expect(state).toContainText(`one object each until the day is sealed, from ${sealableFrom} 00:00:00 UTC`);
      await expect(state.getByText("Sealed", { exact: true })).toHaveCount(0);
      await expect(page.getByRole("region", { name: `Deletions on ${openDay}` }).getByText(open.partitionKey).first()).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await saveScreenshot(page, `day-open-${label}`);
    });

    test("the protection page shows each service's seal lag", async ({ page }) => {
      await page.goto("/protection");
      await expect(page.getByRole("heading", { level: 1, name: "Protection health" })).toBeVisible();
      await expect(page.getByRole("columnheader", { name: "Sealing" })).toBeAttached();
      await expect(page.getByText(/seal lag amber past 2 days/)).toBeVisible();
      for (const service of Object.values(DEMO_SERVICES)) {
        const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: service, exact: true }) });
        // Every closed day of the demo was sealed when it was seeded.
        await expect(row.getByRole("link", { name: SEAL_LAG_ZERO })).toBeAttached();
      }
      await expectNoHorizontalOverflow(page);

      await page.goto(`/protection/${DEMO_SERVICES.contacts}`);
      const check = page.locator('[data-check="seal"]');
      await expect(check.getByRole("heading", { level: 2, name: "Sealing" })).toBeVisible();
      await expect(check.getByText(SEAL_LAG_ZERO_STATE)).toBeVisible();
      await expect(check.locator("dt", { hasText: "Seal lag (days)" })).toBeVisible();
      await expect(check.locator("dd").first()).toHaveText("0");
      await expect(check.locator("dt", { hasText: "Days are sealed once older than (days)" })).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await saveScreenshot(page, `protection-seal-lag-${label}`);
    });
  });
}
