import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { expectNoHorizontalOverflow, saveScreenshot, storageStateFor } from "./support";

/**
 * The header and the record page at a phone's width and on a desktop: the header folds its
 * links behind a menu button at 390 px and keeps them on one row at 1440 px, and a day's
 * keys and a record's diff are readable in full. That no page scrolls sideways at 390 px and
 * at 200 % zoom is checked page by page in every-page.spec.ts.
 */
test.use({ storageState: storageStateFor("admin"), viewport: { width: 390, height: 844 } });

test("the header folds its links behind a menu button", async ({ page }) => {
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  const header = await page.getByRole("banner").boundingBox();
  expect(header!.height).toBeLessThan(80);
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(nav.getByRole("link", { name: "Search" })).toBeVisible();
  await nav.getByRole("link", { name: "Search" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Search deletions", exact: true })).toBeVisible();
  await expect(nav).toBeHidden();
});

for (const role of ["viewer", "support", "compliance", "admin"] as const) {
  test.describe(`${role} on a desktop`, () => {
    test.use({ storageState: storageStateFor(role), viewport: { width: 1440, height: 900 } });

    test("the header's links and the signed-in user fit one row at 1440 px", async ({ page }) => {
      await page.goto("/");
      const nav = page.getByRole("navigation", { name: "Main" });
      const rowOf = async (locator: Locator) => {
        const box = (await locator.boundingBox())!;
        return Math.round(box.y + box.height / 2);
      };
      const middles = await nav.getByRole("listitem").evaluateAll((items) => items.map((li) => { const r = li.getBoundingClientRect(); return Math.round(r.top + r.height / 2); }));
      expect(middles.length).toBeGreaterThanOrEqual(3);
      const row = middles[0]!;
      for (const middle of [...middles, await rowOf(page.getByRole("button", { name: "Sign out" })), await rowOf(page.getByRole("link", { name: "Lazarus", exact: true }))]) {
        expect(Math.abs(middle - row), `header items centred at ${middles.join(", ")} px`).toBeLessThanOrEqual(4);
      }
      if (role === "admin") await saveScreenshot(page, "desktop-header-admin");
    });
  });
}

test("a day's keys and a record's diff are readable in full", async ({ page }) => {
  const { changed } = WALKTHROUGH;
  await page.goto(`/search?q=${encodeURIComponent(changed.partitionKey)}&match=exact&service=${changed.serviceName}`);
  await page.getByRole("link", { name: `${changed.partitionKey} · ${changed.sortKey}` }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${changed.serviceName}` })).toBeVisible();
  // The diff becomes one card per change, the live value under the archived one, inside the screen.
  const changes = page.getByRole("list", { name: /differences between the archived item and the live item/ });
  const card = changes.getByRole("listitem").filter({ hasText: "email" });
  await expect(card.getByText("Live")).toBeVisible();
  const box = await card.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  await expectNoHorizontalOverflow(page);
  await saveScreenshot(page, "phone-record-diff");

  await page.getByRole("link", { name: /^\d{4}-\d{2}-\d{2}$/ }).first().click();
  const key = page.getByRole("link", { name: `${changed.partitionKey} · ${changed.sortKey}` });
  await expect(key).toBeVisible();
  // The whole key is on screen, not cut to a few characters.
  const keyBox = await key.boundingBox();
  expect(keyBox!.width).toBeGreaterThan(150);
  expect(await key.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await expectNoHorizontalOverflow(page);
});
