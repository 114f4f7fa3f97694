import { expect, test, type Page } from "@playwright/test";
import { makeFixtures, pagesFor, visit, type Fixtures, type PageRole } from "./console-pages";
import { storageStateFor } from "./support";

/**
 * axe with the WCAG 2.0 and 2.1 A and AA rules on every page, on a desktop and a phone,
 * for an admin (every page) and a viewer (its pages, and the 403 panel of the others):
 * any violation fails, whatever its impact. One page load for each page, width and role.
 */

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const WIDTHS = [
  { label: "1440 px", viewport: { width: 1440, height: 900 } },
  { label: "390 px", viewport: { width: 390, height: 844 } },
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
    test.use({ storageState: role === "signed-out" ? { cookies: [], origins: [] } : storageStateFor(role) });
    for (const { label, viewport } of WIDTHS) {
      test.describe(label, () => {
        test.use({ viewport });
        for (const consolePage of pagesFor(role)) {
          test(`${consolePage.name}${consolePage.isForbidden ? " (403)" : ""}`, async ({ page }) => {
            // A content search or an erasure's findings, then axe: more than a page load on a busy machine.
            test.setTimeout(120_000);
            await visit(page, consolePage, fixtures!);
            await expectNoA11yViolations(page);
          });
        }
      });
    }
  });
}
