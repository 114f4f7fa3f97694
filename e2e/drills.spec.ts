import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { demoDynamoDB, expectNoHorizontalOverflow, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * Restore drills in the demo: an admin runs one on demand and reads its RTO, RPO and
 * sample check; compliance sees the history and downloads the quarter's evidence.
 */
const SERVICE = DEMO_SERVICES.contacts;

function thisQuarter(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

test.describe.configure({ mode: "serial" });

test.describe("admin runs a drill on demand", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("RTO, RPO and the sample check are shown, and no scratch table is left", async ({ page }) => {
    await page.goto("/drills");
    await expect(page.getByRole("heading", { level: 1, name: "Restore drills" })).toBeVisible();
    await page.getByRole("button", { name: `Run a drill of ${SERVICE} now` }).click();
    const result = page.getByRole("region", { name: "Drill just run" });
    await expect(result).toBeVisible({ timeout: 60_000 });
    await expect(result.getByRole("heading", { name: /^Passed / })).toBeVisible();
    await expect(result.getByTestId("drill-rto")).toContainText(/\d+ s of 10 min allowed/);
    await expect(result.getByTestId("drill-rpo")).toContainText(/\d/);
    await expect(result.getByTestId("drill-sample")).toContainText(/(\d+) of \1 archived records restored identically/);
    const tables = (await (await demoDynamoDB()).send(new ListTablesCommand({}))).TableNames ?? [];
    expect(tables.filter((t) => t.startsWith("lazarus-drill-"))).toEqual([]);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "drills-run");
  });
});

test.describe("compliance reads drills and downloads the evidence", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("history without the run button; the quarter's CSV has the drill", async ({ page }) => {
    await page.goto("/drills");
    await expect(page.getByRole("heading", { level: 2, name: SERVICE })).toBeVisible();
    await expect(page.getByRole("button", { name: /Run a drill/ })).toHaveCount(0);
    await expect(page.getByRole("article").filter({ hasText: "On demand by" }).first()).toBeVisible();
    await expect(page.getByRole("img", { name: new RegExp(`RTO per drill of ${SERVICE}`) })).toBeVisible();
    await expect(page.getByLabel("Quarter")).toHaveValue(thisQuarter());
    const downloadPromise = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download drill evidence" }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toMatch(new RegExp(`^lazarus-drills_${SERVICE}_\\d{4}-\\d{2}-01_\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const lines = readFileSync((await download.path())!, "utf8").trim().split("\r\n");
    expect(lines[0]).toContain("drill_id,service,source_table");
    expect(lines.slice(1).some((l) => l.includes(`,${SERVICE},`) && l.includes(",passed,"))).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    // Within a few frames of a resize, the RTO chart may still be drawn at the old width.
    await expect(() => expectNoHorizontalOverflow(page)).toPass({ timeout: 5_000 });
    await saveScreenshot(page, "drills-phone");
  });
});
