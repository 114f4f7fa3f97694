import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { parseCsv } from "../lib/exports/csv-read";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const SERVICES = [DEMO_SERVICES.contacts, DEMO_SERVICES.orders];
/** The last full calendar quarter: the demo's four months of history always reach into it. */
function previousQuarter(now = new Date()): { label: string; from: string; to: string } {
  const q = Math.floor(now.getUTCMonth() / 3);
  const year = q === 0 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
  const quarter = q === 0 ? 4 : q;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { label: `${year}-Q${quarter}`, from: day(Date.UTC(year, (quarter - 1) * 3, 1)), to: day(Date.UTC(year, quarter * 3, 1) - 86_400_000) };
}
const QUARTER = previousQuarter();
const HEADER = ["service", "table", "partition_key", "sort_key", "deleted_at", "deletion_type", "archive_location", "restored_since", "restored_at", "restored_by", "deleted_by"];

test.describe("compliance: deletion report, CSV export, audit log", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("a quarter's report for two services with its chart, a CSV checked line by line, and the export in the audit log", async ({ page }) => {
    // A report, a CSV read line by line, the audit log and three accessibility scans: more than one default timeout on a loaded machine.
    test.slow();
    await page.goto(`/reports?services=${SERVICES.join(",")}&range=${QUARTER.label}`);
    await expect(page.getByRole("heading", { level: 1, name: "Deletion report" })).toBeVisible();
    const summary = page.getByRole("region", { name: new RegExp(`${SERVICES.join(", ")}:`) });
    await expect(summary).toBeVisible();
    // The chart is drawn: recharts loads after the numbers and renders an SVG with one bar per day and type.
    const chart = page.getByTestId("report-chart");
    await expect(chart.getByRole("img", { name: /Deletions per day from/ })).toBeVisible();
    try {
      await expect(chart.locator(".recharts-rectangle").first()).toBeVisible();
    } catch (error) {
      console.log(`chart markup: ${(await chart.innerHTML()).slice(0, 2000)}`);
      throw error;
    }
    await expect(page.getByRole("heading", { name: "Top tables" })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: /records, by service/ })).toBeVisible();
    const totalText = await summary.getByText("Deletions", { exact: true }).locator("xpath=following-sibling::dd").textContent();
    const total = Number(totalText!.replace(/,/g, ""));
    expect(total).toBeGreaterThan(0);
    // The records list counts in the report's own terms.
    const listed = await page.getByRole("table", { name: "Deleted records in the report" }).getByRole("row").count();
    await expect(page.getByRole("status").filter({ hasText: /records, by service/ })).toHaveText(
      listed - 1 === total ? `All ${totalText} of the report's records, by service, then oldest first.` : `The first ${listed - 1} of the report's ${totalText} records, by service, then oldest first.`,
    );
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "report");

    // The export's live region is on the page, empty, before the export starts.
    const exportRegion = page.getByTestId("export-announcement");
    await expect(exportRegion).toHaveText("");
    await expect(exportRegion).toHaveAttribute("role", "status");
    const downloadPromise = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download CSV" }).click();
    const download = await downloadPromise;
    const { from, to } = QUARTER;
    expect(download.suggestedFilename()).toBe(`lazarus-deletions_${[...SERVICES].sort().join("+")}_${from}_${to}.csv`);
    const path = await download.path();
    const text = readFileSync(path, "utf8");
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(HEADER);
    const body = rows.slice(1);
    expect(body).toHaveLength(total);
    for (const [i, row] of body.entries()) {
      const where = `line ${i + 2}`;
      expect(row, where).toHaveLength(HEADER.length);
      expect(SERVICES, where).toContain(row[0]);
      expect(row[2], where).not.toBe("");
      expect(["ttl", "manual", "unknown"], where).toContain(row[5]);
      if (row[5] !== "unknown") {
        expect(row[4], where).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
        expect(row[4]!.slice(0, 10) >= from && row[4]!.slice(0, 10) <= to, where).toBe(true);
      }
      expect(row[6], where).toMatch(new RegExp(`^s3://[^/]+/${row[0]}/\\d{4}/\\d{2}/\\d{2}/.+\\.json$`));
      expect(["yes", "no"], where).toContain(row[7]);
      if (row[7] === "no") expect(row.slice(8, 10), where).toEqual(["", ""]);
    }

    // The manifest is offered, and its hash matches the file received.
    const done = page.getByRole("status").filter({ hasText: "Downloaded" });
    await expect(exportRegion).toContainText(`Downloaded ${download.suggestedFilename()}: ${total.toLocaleString("en-US")} rows`);
    await expect(done).toContainText(`${total.toLocaleString("en-US")} rows`);
    await expect(done).toContainText("matches the file received");
    const manifestPromise = page.waitForEvent("download");
    await done.getByRole("link", { name: "Download the manifest" }).click();
    const manifest = JSON.parse(readFileSync(await (await manifestPromise).path(), "utf8")) as { rowCount: number; sha256: string; fileName: string };
    expect(manifest.rowCount).toBe(total);
    expect(manifest.fileName).toBe(download.suggestedFilename());
    const { createHash } = await import("node:crypto");
    expect(manifest.sha256).toBe(createHash("sha256").update(readFileSync(path)).digest("hex"));
    await saveScreenshot(page, "report-exported");

    // The audit log, filtered by action, shows the export with its outcome.
    await page.goto("/audit");
    await page.getByText("Any action").click();
    await page.getByRole("checkbox", { name: "Export" }).check();
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).toHaveURL(/action=export/);
    // One row per operation: the export's row says how it ended, its details hold both entries.
    const rows2 = page.getByRole("row").filter({ hasText: "compliance@demo.lazarus" });
    const exported = rows2.filter({ hasText: /Succeeded/ }).first();
    await expect(exported).toBeVisible();
    await exported.getByRole("button", { name: /^Details/ }).click();
    await expect(exported.locator("xpath=following-sibling::tr[1]").getByText("Started", { exact: true })).toBeVisible();
    // Only exports are listed.
    const actions = await page.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^Export/);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "audit-filtered");
  });
});

test.describe("compliance picks a range", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("last quarter is a preset, only the chosen kind's fields show, and a range before the archive is flagged", async ({ page }) => {
    await page.goto("/reports");
    const form = page.getByRole("form", { name: "Services and range" });
    const range = form.getByLabel("Range (UTC)");
    await range.selectOption({ label: `Last quarter (${QUARTER.label})` });
    await expect(form.getByLabel("Quarter", { exact: true })).toHaveCount(0);
    await expect(form.getByLabel("From")).toHaveCount(0);
    await page.getByRole("button", { name: "Show report" }).click();
    await expect(page.getByRole("heading", { level: 2, name: new RegExp(`${QUARTER.from} to ${QUARTER.to}`) })).toBeVisible();
    await expect(form.getByLabel("Range (UTC)")).toHaveValue("lastQuarter");

    await form.getByLabel("Range (UTC)").selectOption("custom");
    await expect(form.getByLabel("From")).toBeVisible();
    await expect(form.getByLabel("To", { exact: true })).toBeVisible();
    await expect(form.getByLabel("Year")).toHaveCount(0);
    await form.getByLabel("Range (UTC)").selectOption("year");
    await expect(form.getByLabel("Year")).toBeVisible();
    await expect(form.getByLabel("From")).toHaveCount(0);

    // The demo's archive starts in 2025: a report from 2024-01-01 begins before it.
    await page.goto("/reports?range=custom&from=2024-01-01&to=2024-12-31");
    await expect(page.getByRole("heading", { name: "The range starts before the archive does" })).toBeVisible();
    await page.goto(`/reports?range=${QUARTER.label}`);
    await expect(page.getByRole("heading", { level: 2, name: new RegExp(QUARTER.from) })).toBeVisible();
    await expect(page.getByRole("heading", { name: "The range starts before the archive does" })).toHaveCount(0);
  });
});
