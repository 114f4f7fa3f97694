import { expect, test } from "./fixtures";
import { parseCsv } from "../lib/exports/csv-read";
import { DEMO_INCIDENT, DEMO_SERVICES, WALKTHROUGH } from "../scripts/demo/fixtures";
import { DEMO_PRINCIPALS } from "../scripts/demo/principals";
import { demoIncidentDay, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

const ORDERS = DEMO_SERVICES[DEMO_INCIDENT.service];
const cleanupRole = DEMO_PRINCIPALS.cleanup.roleName;
const supportRole = DEMO_PRINCIPALS.support.roleName;

/**
 * The incident view on the demo's incident day. Other specs restore that day's orders
 * (bulk-restore.spec.ts restores every manual deletion of it), so the plan is checked
 * for exactly the incident's records whatever their live state, and the run happens
 * only while some are still absent.
 */
test.describe("incident view", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("the clean-up job's role on the incident day: exactly its orders, then a bulk restore of only those, one left out", async ({ page }) => {
    test.slow();
    const day = demoIncidentDay();
    await page.goto("/incidents");
    await expect(page.getByRole("heading", { level: 1, name: "Incident view" })).toBeVisible();
    await page.getByLabel("From (UTC)").fill(`${day}T00:00`);
    await page.getByLabel("To (UTC, the whole minute)").fill(`${day}T23:59`);
    await page.getByRole("button", { name: "Show", exact: true }).click();
    // Both callers deleted orders that day: the support engineer by hand, hours apart from the job.
    const who = page.getByLabel("Who deleted");
    await expect(who.locator("option", { hasText: cleanupRole }).first()).toBeAttached({ timeout: 60_000 });
    await expect(who.locator(`option[value="role:${supportRole}"]`)).toBeAttached();
    await who.selectOption(`role:${cleanupRole}`);
    await page.getByRole("button", { name: "Show", exact: true }).click();

    const records = page.getByTestId("incident-records");
    await expect(records).toBeVisible({ timeout: 60_000 });
    const rows = records.locator("tbody tr");
    const count = await rows.count();
    expect(count).toBeGreaterThan(0);
    await expect(records).toContainText(WALKTHROUGH.incidentOrder.partitionKey);
    await expect(records.locator("tbody tr", { hasText: `${supportRole}/` })).toHaveCount(0);
    await expect(records.locator("tbody tr", { hasText: `${cleanupRole}/` })).toHaveCount(count);
    // Every listed deletion lies in the incident's window, though the view asked for the whole day.
    for (const text of await records.locator("tbody tr td:nth-child(4) .font-mono").allInnerTexts()) {
      expect(text.slice(0, 10)).toBe(day);
      expect(text.slice(11, 19) >= DEMO_INCIDENT.from && text.slice(11, 19) <= DEMO_INCIDENT.to, text).toBe(true);
    }
    await expect(page.getByTestId("incident-chart").locator(".recharts-rectangle").first()).toBeVisible();
    await page.getByText("Counts per minute as a table").click();
    const perMinute = page.getByRole("region", { name: "Counts per minute" });
    const perMinuteTotal = (await perMinute.locator("tbody td:last-child").allInnerTexts()).reduce((n, t) => n + Number(t), 0);
    expect(perMinuteTotal).toBe(count);
    const keys = (await records.locator("tbody tr td:nth-child(2) a").allInnerTexts()).map((k) => k.replace(" · ", " / ")).sort();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "incident-view");

    await page.getByRole("button", { name: `Plan a bulk restore of these ${count} in ${ORDERS}` }).click();
    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible({ timeout: 60_000 });
    await expect(page.locator("section", { has: page.getByRole("heading", { name: "Plan" }) })).toContainText(`${count} records from ${ORDERS}`);
    const items = page.getByRole("region", { name: "Planned items" });
    const planned = (await items.locator("tbody tr td.font-mono").allInnerTexts()).sort();
    expect(planned).toEqual(keys);

    const absent = Number((await page.getByTestId("plan-absent").innerText()).replace(/,/g, ""));
    if (absent === 0) {
      // Restored already (by another spec's bulk restore of the whole day): nothing to write, and nothing else was planned.
      await expect(page.getByRole("button", { name: "Run the restore" })).toBeDisabled();
      return;
    }
    const boxes = items.getByRole("checkbox");
    const leftOut = (await boxes.first().getAttribute("aria-label"))!.replace(/^Restore /, "");
    await boxes.first().uncheck();
    await page.getByRole("button", { name: "Run the restore" }).click();
    await expect(page.getByRole("group", { name: "Confirm the run" })).toContainText("1 unticked item is left out");
    await page.getByRole("button", { name: "Yes, start the restore" }).click();
    await expect(page.getByRole("progressbar", { name: "Items processed" })).toHaveAttribute("aria-valuenow", "100", { timeout: 120_000 });
    const csv = await page.request.get(page.url().replace("/bulk-restore/", "/api/bulk-restore/") + "/results.csv");
    const results = parseCsv((await csv.text()).replace(/\r?\n/g, "\r\n")).slice(1).filter((r) => r.length > 1);
    expect(results).toHaveLength(count);
    const excluded = results.filter((r) => r[1] === leftOut);
    expect(excluded).toHaveLength(1);
    expect(excluded[0]![4]).toBe("skipped");
    expect(excluded[0]![5]).toMatch(/excluded/);
    expect(results.filter((r) => r[1] !== leftOut && r[3] === "absent").every((r) => r[4] === "restored" || r[4] === "already-restored")).toBe(true);
  });

  test("an export of the incident day names who deleted each order", async ({ page }) => {
    const day = demoIncidentDay();
    const response = await page.request.post("/api/exports", {
      // State-changing requests must come from the console's own origin.
      headers: { origin: `http://localhost:${process.env.LAZARUS_E2E_PORT}` },
      data: { services: ORDERS, range: "custom", from: day, to: day, format: "csv" },
    });
    expect(response.status()).toBe(200);
    const rows = parseCsv((await response.text()).replace(/\r?\n/g, "\r\n")).filter((r) => r.length > 1);
    const header = rows[0]!;
    const by = header.indexOf("deleted_by");
    const pk = header.indexOf("partition_key");
    expect(by).toBeGreaterThan(-1);
    const incidentRow = rows.find((r) => r[pk] === WALKTHROUGH.incidentOrder.partitionKey);
    expect(incidentRow?.[by]).toBe(`${cleanupRole}/${DEMO_PRINCIPALS.cleanup.sessionName}`);
    expect(rows.some((r) => r[by]?.startsWith(`${supportRole}/`))).toBe(true);
  });
});
