import { expect, test, type Page } from "@playwright/test";
import { DEMO_SERVICES, WALKTHROUGH } from "../scripts/demo/fixtures";
import { saveScreenshot, storageStateFor } from "./support";

/**
 * Every main page at a phone's width (390 px): nothing wider than the screen, so no page
 * scrolls sideways (wide tables scroll inside their own box), and the header folds its
 * links behind a menu button.
 */
test.use({ storageState: storageStateFor("admin"), viewport: { width: 390, height: 844 } });

async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(widths.document, `${page.url()} is ${widths.document}px wide at ${widths.viewport}px`).toBeLessThanOrEqual(widths.viewport);
}

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

const pages: { name: string; path: string; heading: RegExp | string }[] = [
  { name: "overview", path: "/", heading: "Overview" },
  { name: "calendar", path: `/services/${DEMO_SERVICES.contacts}`, heading: DEMO_SERVICES.contacts },
  { name: "day", path: `/services/${DEMO_SERVICES.contacts}/days/${yesterday()}`, heading: /Deletions on / },
  { name: "search", path: `/search?q=${encodeURIComponent(WALKTHROUGH.changed.partitionKey)}&match=exact&service=all`, heading: "Search deletions" },
  { name: "audit", path: "/audit", heading: "Audit log" },
  { name: "reports", path: "/reports", heading: "Deletion report" },
  { name: "protection", path: "/protection", heading: "Protection health" },
  { name: "erasure", path: "/erasure", heading: "Erasure of archived personal data" },
  { name: "bulk-restore", path: "/bulk-restore", heading: /Bulk restore/ },
  { name: "pitr", path: "/pitr", heading: /Point-in-time/ },
  { name: "dlq", path: "/dlq", heading: "Failed batches (DLQ)" },
  { name: "drills", path: "/drills", heading: "Restore drills" },
];

for (const { name, path, heading } of pages) {
  test(`${name} fits a phone's width`, async ({ page }) => {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await expectNoHorizontalOverflow(page);
    await saveScreenshot(page, `phone-${name}`);
  });
}

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
