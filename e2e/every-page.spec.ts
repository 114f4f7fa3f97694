import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { makeFixtures, pagesFor, visit, type Fixtures, type PageRole } from "./console-pages";
import { expectNoHorizontalOverflow, saveScreenshot, storageStateFor } from "./support";

/**
 * Every page of the console, opened once for each role and screen, and checked for what
 * holds on every page:
 * - axe with the WCAG 2.0 and 2.1 A and AA rules, at 1440 and 390 px, for an admin (every
 *   page), a viewer (its pages, and the 403 panel of the others) and the signed-out sign-in
 *   page: any violation fails, whatever its impact;
 * - nothing wider than the window at 390 px and at 200 % zoom (wide tables scroll inside
 *   their own box), for the pages a role may open. 200 % zoom of a 1280 × 800 window is
 *   emulated the way Chromium zooms: a 640 × 400 CSS-pixel viewport at two device pixels per
 *   CSS pixel, so media queries see 640 px as they would.
 * Each role and screen keeps one browser tab and navigates it from page to page, as a person
 * would: one page load per page, role and screen.
 */

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Screen {
  label: string;
  viewport: { width: number; height: number };
  deviceScaleFactor: number;
  axe: boolean;
  /** Whether pages are checked for sideways scroll: on a desktop they have room to spare. */
  widthCheck: boolean;
  /** Prefix of the admin's screenshots kept with the run's results. */
  screenshots?: string;
}

const SCREENS: Screen[] = [
  { label: "1440 px", viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, axe: true, widthCheck: false },
  { label: "390 px", viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, axe: true, widthCheck: true, screenshots: "phone" },
  { label: "200 % zoom", viewport: { width: 640, height: 400 }, deviceScaleFactor: 2, axe: false, widthCheck: true, screenshots: "zoom-200" },
];

async function expectNoA11yViolations(page: Page): Promise<void> {
  const { default: AxeBuilder } = await import("@axe-core/playwright");
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const report = violations.map((v) =>
    [
      `${v.id} (${v.impact ?? "no impact"}): ${v.help} — ${v.helpUrl}`,
      ...v.nodes.map((n) => `    ${n.target.join(" ")}\n      ${n.failureSummary?.replaceAll("\n", "\n      ") ?? ""}`),
    ].join("\n"),
  );
  expect(violations, `axe on ${page.url()}:\n${report.join("\n")}`).toEqual([]);
}

let fixtures: Fixtures | undefined;

test.beforeAll(async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  fixtures = await makeFixtures(browser, baseURL!);
});

for (const role of ["admin", "viewer", "signed-out"] as PageRole[]) {
  test.describe(role, () => {
    for (const screen of SCREENS) {
      test.describe(screen.label, () => {
        let context: BrowserContext;
        let page: Page;

        test.beforeAll(async ({ browser, baseURL }) => {
          context = await browser.newContext({
            baseURL,
            storageState: role === "signed-out" ? { cookies: [], origins: [] } : storageStateFor(role),
            viewport: screen.viewport,
            deviceScaleFactor: screen.deviceScaleFactor,
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

        // A viewer's 403 panels are a heading and two lines: axe checks them, the width check is for real pages.
        const checked = pagesFor(role).filter((p) => screen.axe || !p.isForbidden);
        for (const consolePage of checked) {
          const widthCheck = screen.widthCheck && !consolePage.isForbidden;
          const checks = [screen.axe && "axe", widthCheck && "no sideways scroll"].filter(Boolean).join(", ");
          test(`${consolePage.name}${consolePage.isForbidden ? " (403)" : ""}: ${checks}`, async () => {
            // A content search or an erasure's findings, then axe: more than a page load on a busy machine.
            test.setTimeout(120_000);
            await visit(page, consolePage, fixtures!);
            if (screen.axe) await expectNoA11yViolations(page);
            if (widthCheck) {
              await expectNoHorizontalOverflow(page);
              if (role === "admin" && screen.screenshots) await saveScreenshot(page, `${screen.screenshots}-${consolePage.name.replaceAll(" ", "-")}`);
            }
          });
        }
      });
    }
  });
}
