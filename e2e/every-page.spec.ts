import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { makeFixtures, pagesFor, visit, type Fixtures, type PageRole } from "./console-pages";
import { axeViolations, expectNoHorizontalOverflow, saveScreenshot, storageStateFor } from "./support";

/**
 * Every page of the console, opened once for each role, and checked on each screen for
 * what holds on every page:
 * - axe with the WCAG 2.0 and 2.1 A and AA rules, at 1440 and 390 px, for an admin (every
 *   page), a viewer (its pages, and the 403 panel of the others) and the signed-out sign-in
 *   page: any violation fails, whatever its impact;
 * - nothing wider than the window at 390 px and at 200 % zoom (wide tables scroll inside
 *   their own box), for the pages a role may open. 200 % zoom of a 1280 × 800 window lays
 *   the page out in 640 × 400 CSS pixels, so media queries see 640 px as they would.
 * Each role keeps one browser tab and navigates it from page to page, as a person would. A
 * page is loaded once, at 1440 px, and the window is then resized to each screen: the
 * console's layout is CSS alone (no script reads the window's size; charts follow their
 * box), so a resized page is laid out as one loaded at that size.
 */

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Screen {
  label: string;
  viewport: { width: number; height: number };
  axe: boolean;
  /** Whether pages are checked for sideways scroll: on a desktop they have room to spare. */
  widthCheck: boolean;
  /** Prefix of the admin's screenshots kept with the run's results. */
  screenshots?: string;
}

const SCREENS: Screen[] = [
  { label: "1440 px", viewport: { width: 1440, height: 900 }, axe: true, widthCheck: false },
  { label: "390 px", viewport: { width: 390, height: 844 }, axe: true, widthCheck: true, screenshots: "phone" },
  { label: "200 % zoom", viewport: { width: 640, height: 400 }, axe: false, widthCheck: true, screenshots: "zoom-200" },
];
const [DESKTOP] = SCREENS;

async function expectNoA11yViolations(page: Page): Promise<void> {
  const violations = await axeViolations(page, { tags: WCAG_TAGS });
  const report = violations.map((v) =>
    [
      `${v.id} (${v.impact ?? "no impact"}): ${v.help} — ${v.helpUrl}`,
      ...v.nodes.map((n) => `    ${n.target.join(" ")}\n      ${n.failureSummary?.replaceAll("\n", "\n      ") ?? ""}`),
    ].join("\n"),
  );
  expect(violations, `axe on ${page.url()} at ${page.viewportSize()?.width} px:\n${report.join("\n")}`).toEqual([]);
}

/** Resizes the tab and waits until what resizing schedules (observers, the re-render they ask for) has run. */
async function resize(page: Page, viewport: Screen["viewport"]): Promise<void> {
  await page.setViewportSize(viewport);
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

let fixtures: Fixtures | undefined;

test.beforeAll(async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  fixtures = await makeFixtures(browser, baseURL!);
});

for (const role of ["admin", "viewer", "signed-out"] as PageRole[]) {
  test.describe(role, () => {
    let context: BrowserContext;
    let page: Page;

    test.beforeAll(async ({ browser, baseURL }) => {
      context = await browser.newContext({
        baseURL,
        storageState: role === "signed-out" ? { cookies: [], origins: [] } : storageStateFor(role),
        viewport: DESKTOP!.viewport,
      });
      page = await context.newPage();
    });
    test.afterAll(async () => context?.close());
    test.afterEach(async ({}, testInfo) => {
      // The tab is this describe's own, not the test's, so Playwright's own failure screenshot would miss it.
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach("screenshot", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" }).catch(() => undefined);
      }
    });

    for (const consolePage of pagesFor(role)) {
      // A viewer's 403 panels are a heading and two lines: axe checks them, the width check is for real pages.
      const screens = SCREENS.filter((screen) => screen.axe || !consolePage.isForbidden);
      const checksOn = (screen: Screen) =>
        [screen.axe && "axe", screen.widthCheck && !consolePage.isForbidden && "no sideways scroll"].filter(Boolean).join(" and ");
      const title = screens.map((screen) => `${checksOn(screen)} at ${screen.label}`).join("; ");
      test(`${consolePage.name}${consolePage.isForbidden ? " (403)" : ""}: ${title}`, async () => {
        // A content search or an erasure's findings, then axe twice: more than a page load on a busy machine.
        test.setTimeout(120_000);
        await resize(page, DESKTOP!.viewport);
        await visit(page, consolePage, fixtures!);
        for (const screen of screens) {
          await test.step(`${checksOn(screen)} at ${screen.label}`, async () => {
            await resize(page, screen.viewport);
            if (screen.axe) await expectNoA11yViolations(page);
            if (screen.widthCheck && !consolePage.isForbidden) {
              // Within a few frames of a resize, a chart may still be drawn at the old width.
              await expect(() => expectNoHorizontalOverflow(page)).toPass({ timeout: 5_000 });
              if (role === "admin" && screen.screenshots) await saveScreenshot(page, `${screen.screenshots}-${consolePage.name.replaceAll(" ", "-")}`);
            }
          });
        }
      });
    }
  });
}
