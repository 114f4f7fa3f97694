import { expect, test, type Locator, type Page } from "@playwright/test";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { makeFixtures, pagesFor, visit, type Fixtures } from "./console-pages";
import { saveScreenshot, storageStateFor } from "./support";

/**
 * Every page at a phone's width (390 px) and at 200 % zoom: nothing wider than the screen,
 * so no page scrolls sideways (wide tables scroll inside their own box), and the header
 * folds its links behind a menu button. 200 % zoom of a 1280 × 800 window is emulated the
 * way Chromium zooms: a 640 × 400 CSS-pixel viewport at two device pixels per CSS pixel, so
 * media queries see 640 px as they would.
 */
test.use({ storageState: storageStateFor("admin"), viewport: { width: 390, height: 844 } });

async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.document, `${page.url()} is ${widths.document}px wide at ${widths.viewport}px`).toBeLessThanOrEqual(widths.viewport);
}

const SIZES = [
  { label: "390 px", viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 },
  { label: "200 % zoom", viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
];

let fixtures: Fixtures | undefined;

test.beforeAll(async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  fixtures = await makeFixtures(browser, baseURL!);
});

for (const role of ["admin", "viewer"] as const) {
  test.describe(role, () => {
    test.use({ storageState: storageStateFor(role) });
    for (const { label, viewport, deviceScaleFactor } of SIZES) {
      test.describe(label, () => {
        test.use({ viewport, deviceScaleFactor });
        // A viewer's 403 panels are a heading and two lines; its own pages are what matter.
        const checked = pagesFor(role).filter((p) => !p.isForbidden);
        for (const consolePage of checked) {
          test(`${consolePage.name} does not scroll sideways`, async ({ page }) => {
            test.setTimeout(120_000);
            await visit(page, consolePage, fixtures!);
            await expectNoHorizontalOverflow(page);
            if (role === "admin") await saveScreenshot(page, `${label === "390 px" ? "phone" : "zoom-200"}-${consolePage.name.replaceAll(" ", "-")}`);
          });
        }
      });
    }
  });
}

test("signed out, the sign-in page does not scroll sideways", async ({ browser, baseURL }) => {
  for (const { viewport, deviceScaleFactor } of SIZES) {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport, deviceScaleFactor, baseURL: baseURL! });
    const page = await context.newPage();
    await page.goto("/signin");
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await context.close();
  }
});

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
