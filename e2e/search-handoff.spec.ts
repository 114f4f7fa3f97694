import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_INCIDENT, DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoIncidentDay, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const ORDERS = DEMO_SERVICES[DEMO_INCIDENT.service];

/**
 * Compliance finds every archived record in a window of the demo's incident (several
 * customers' orders) and hands all their subjects to erasure at once: the erasure page
 * lists exactly the keys of the matches, each opens its own findings, and nothing is
 * erased until asked. At a desktop width and at 390 px.
 */
test.describe("compliance hands several subjects of a content search to erasure", () => {
  test.use({ storageState: storageStateFor("compliance") });

  async function searchIncidentMinutes(page: Page): Promise<string[]> {
    const day = demoIncidentDay();
    await page.goto("/search");
    const form = page.getByRole("form", { name: "Find deletions by content" });
    // The first minutes of the clean-up job: a handful of orders, under erasure's hand-off limit.
    await form.getByLabel("From (UTC)").fill(`${day}T${DEMO_INCIDENT.from.slice(0, 5)}`);
    await form.getByLabel("To (UTC, minute included)").fill(`${day}T10:33`);
    await form.getByRole("combobox", { name: "Service", exact: true }).selectOption(ORDERS);
    await form.getByRole("button", { name: "Search content" }).click();
    await expect(page.getByTestId("content-search-announcement")).toContainText("Search complete", { timeout: 90_000 });
    const links = page.getByRole("region", { name: "Content search results" }).locator("tbody tr th a");
    const keys = [...new Set((await links.allTextContents()).map((text) => text.split(" · ")[0]!.trim()))];
    return keys;
  }

  for (const width of [1440, 390]) {
    test(`the matches' keys, and only those, arrive on the erasure page (${width} px)`, async ({ page }) => {
      test.slow();
      await page.setViewportSize({ width, height: 900 });
      const keys = await searchIncidentMinutes(page);
      expect(keys.length, "the window holds several customers' orders").toBeGreaterThan(1);
      expect(keys.length).toBeLessThanOrEqual(20);

      const handoff = page.getByRole("link", { name: `Hand the ${keys.length} subjects of these matches to erasure (one erasure each)` });
      await expect(handoff).toBeVisible();
      await handoff.click();
      await expect(page).toHaveURL(/\/erasure\?key=/);

      const handed = page.getByRole("region", { name: `${keys.length} subjects handed over from a content search` });
      await expect(handed).toBeVisible();
      const buttons = handed.getByRole("button");
      await expect(buttons).toHaveCount(keys.length);
      expect((await buttons.allTextContents()).sort()).toEqual([...keys].sort());
      // Nothing is searched or erased on arrival.
      await expect(page.getByRole("heading", { name: /^Findings for / })).toHaveCount(0);

      const second = keys[1]!;
      await handed.getByRole("button", { name: second, exact: true }).click();
      await expect(handed.getByRole("button", { name: second, exact: true })).toHaveAttribute("aria-pressed", "true");
      await expect(page.getByRole("heading", { name: `Findings for ${second}` })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByLabel("Partition key")).toHaveValue(second);
      await expect(page.getByRole("region", { name: `Findings for ${second}` }).locator("tbody tr").first()).toContainText(second);
      await expect(page.getByRole("button", { name: "Erase these records" })).toBeDisabled();
      await expectNoSeriousA11yViolations(page);
      await saveScreenshot(page, `erasure-handoff-${width}`);

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    });
  }
});
