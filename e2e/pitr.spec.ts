import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { wholeSecondBounds } from "../lib/pitr/pitr-window";
import { demoDynamoDB, expectNoSeriousA11yViolations, holdScriptsUntilReleased, saveScreenshot, storageStateFor } from "./support";

/**
 * An admin restores the demo's service-order table to the latest restorable time,
 * watches it become ACTIVE, compares it with live and copies items back. moto copies
 * the table as it is at the call, so the test then changes live as writers after the
 * restore point would (2 deleted, 2 changed, 1 created) and expects exactly those.
 */
const TABLE = "sor-service-order";
const keyOf = (item: Record<string, AttributeValue>) => ({ PK: item.PK!, SK: item.SK! });
const pkOf = (item: Record<string, AttributeValue>) => item.PK!.S!;
test.describe("admin runs a point-in-time restore with compare", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("start, ACTIVE, checklist, compare with exact counts, copy changed and deleted items back", async ({ page }) => {
    await page.goto("/pitr");
    await expect(page.getByRole("heading", { level: 1, name: "Point-in-time restore" })).toBeVisible();
    await page.getByLabel("Service and table").selectOption("sor-service-order-svc");
    await expect(page.getByTestId("pitr-window")).toBeVisible();
    await expect(page.getByLabel("New table name")).toHaveValue(/^sor-service-order-restored-\d{8}T\d{6}Z$/);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "pitr-start");
    await page.getByRole("checkbox", { name: /I understand this creates table/ }).check();
    await page.getByRole("button", { name: "Start restore" }).click();

    await expect(page).toHaveURL(/\/pitr\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("pitr-status")).toContainText("ACTIVE", { timeout: 30_000 });
    await expect(page.getByRole("heading", { name: "What the restore did not bring back" })).toBeVisible();
    await expect(page.getByText("Stream (NEW_AND_OLD_IMAGES) and the archiver", { exact: true })).toBeVisible();

    const target = (await page.getByTestId("pitr-target").textContent())!.trim();

    // Writers after the restore point: items without a TTL, so the sweeper cannot move the counts.
    const dynamodb = await demoDynamoDB();
    const scanned = (await dynamodb.send(new ScanCommand({ TableName: TABLE, Limit: 200 }))).Items ?? [];
    const stable = scanned.filter((i) => !i.ttl && pkOf(i).startsWith("ORDER#")).sort((a, b) => pkOf(a).localeCompare(pkOf(b)));
    expect(stable.length).toBeGreaterThanOrEqual(4);
    const [deleted1, deleted2, changed1, changed2] = stable as [Record<string, AttributeValue>, ...Record<string, AttributeValue>[]];
    for (const item of [deleted1, deleted2!]) await dynamodb.send(new DeleteItemCommand({ TableName: TABLE, Key: keyOf(item) }));
    for (const item of [changed1!, changed2!]) await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { ...item, notes: { S: "overwritten by a bad deployment" } } }));
    await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { PK: { S: "ORDER#o-e2e-created" }, SK: { S: "DETAILS" }, status: { S: "NEW" } } }));

    await page.getByRole("button", { name: "Run compare" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Compare finished" })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("count-only-in-restored")).toHaveText("2");
    await expect(page.getByTestId("count-only-in-live")).toHaveText("1");
    await expect(page.getByTestId("count-changed")).toHaveText("2");
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "pitr-compare");

    // The changed items' diff, then all of them back.
    await page.getByRole("tab", { name: /^Changed/ }).click();
    await page.getByText("1 attribute change").first().click();
    await expect(page.getByRole("cell", { name: '{"S":"overwritten by a bad deployment"}' }).first()).toBeVisible();
    await page.getByRole("button", { name: "Copy all 2 back…" }).click();
    await page.getByRole("button", { name: "Copy back", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Copied 2; changed since compare 0" })).toBeVisible({ timeout: 30_000 });
    // The list itself says which items are back, without another compare.
    await expect(page.getByText("Copied back", { exact: true })).toHaveCount(2);
    await saveScreenshot(page, "pitr-copied-back");

    // One of the deleted items, chosen by its checkbox.
    await page.getByRole("tab", { name: /^Only in restored/ }).click();
    await page.getByRole("checkbox", { name: `Select ${pkOf(deleted1)} / ${deleted1.SK!.S}` }).check();
    await page.getByRole("button", { name: "Copy 1 selected back…" }).click();
    await page.getByRole("button", { name: "Copy back", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Copied 1; changed since compare 0" })).toBeVisible({ timeout: 30_000 });

    // Live now holds exactly what the restored table holds for those keys; the other deletion stays deleted.
    for (const item of [changed1!, changed2!, deleted1]) {
      const [live, restored] = await Promise.all(
        [TABLE, target].map(async (TableName) => (await dynamodb.send(new GetItemCommand({ TableName, Key: keyOf(item), ConsistentRead: true }))).Item),
      );
      expect(live, pkOf(item)).toEqual(restored);
      expect(live, pkOf(item)).toEqual(item);
    }
    expect((await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: keyOf(deleted2!) }))).Item).toBeUndefined();

    // Audited: the restore and both copy-backs.
    await page.goto("/audit?action=pitr-restore");
    const rows = page.getByRole("row").filter({ hasText: "admin@demo.lazarus" });
    await expect(rows.filter({ hasText: "copy-back-changed" }).filter({ hasText: /Succeeded/ })).toHaveCount(1);
    await expect(rows.filter({ hasText: "copy-back-only-in-restored" }).filter({ hasText: /Succeeded/ })).toHaveCount(1);

    await page.goto("/pitr");
    await expect(page.getByRole("link", { name: /^sor-service-order-restored-/ }).first()).toBeVisible();
  });
});

/**
 * The picker opens at the latest whole second of the shown window. moto fixes both ends of
 * the window at the moment recovery was enabled, microseconds apart, so on the demo no whole
 * second fits: the picker then stays empty and says why, where it once offered a second the
 * restore would refuse.
 */
async function expectPickerOpensInsideWindow(form: Locator) {
  const ends = form.getByTestId("pitr-window").locator("time");
  const [earliest, latest] = await Promise.all([ends.nth(0).getAttribute("datetime"), ends.nth(1).getAttribute("datetime")]);
  const bounds = wholeSecondBounds({ earliest: new Date(earliest!), latest: new Date(latest!) });
  const picker = form.getByLabel("Date and time (UTC, to the second)");
  if (bounds) {
    // Chromium reads the value back without its seconds when they are :00.
    const last = bounds.last.toISOString().slice(0, 19);
    await expect(picker).toHaveValue(new RegExp(`^${last.endsWith(":00") ? `${last.slice(0, 16)}(:00)?` : last}$`));
  } else {
    await expect(picker).toHaveValue("");
    await expect(form.getByRole("heading", { name: "No whole second to restore to yet" })).toBeVisible();
  }
  await expect(form.getByRole("alert").filter({ hasText: "Outside the restorable window" })).toHaveCount(0);
}

test.describe("the restore time is picked in UTC, against the window", () => {
  test.use({ storageState: storageStateFor("admin"), timezoneId: "America/New_York" });

  test("the window reads as dates, the local time is shown, and a time outside the window is flagged", async ({ page }) => {
    await page.goto("/pitr");
    await page.getByLabel("Service and table").selectOption("usr-contact-svc");
    const window = page.getByTestId("pitr-window");
    await expect(window).toContainText(/Restorable from \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \(.+\) to \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await expect(window).toContainText("America/New_York");

    await page.getByLabel("A date and time (UTC)").check();
    await expectPickerOpensInsideWindow(page.getByRole("form", { name: "Start a point-in-time restore" }));
    const picker = page.getByLabel("Date and time (UTC, to the second)");

    await picker.fill("2020-01-15T12:00:00");
    // Noon UTC is 07:00 in New York in January.
    await expect(page.getByText("2020-01-15 12:00:00 UTC, that is 15 Jan 2020, 07:00:00 in your time zone (America/New_York).")).toBeVisible();
    await expect(page.getByRole("alert").filter({ hasText: "Outside the restorable window" })).toBeVisible();
  });

  test("a table, a time and the confirmation chosen before the page came alive are kept", async ({ page }) => {
    // The choices are made on the server-rendered form, before React hydrates it.
    const hydrate = await holdScriptsUntilReleased(page);
    await page.goto("/pitr", { waitUntil: "domcontentloaded" });
    const form = page.getByRole("form", { name: "Start a point-in-time restore" });
    await form.getByLabel("Service and table").selectOption("usr-contact-svc");
    await form.getByLabel("A date and time (UTC)").check();
    await form.getByRole("checkbox", { name: /I understand this creates table/ }).check();

    await hydrate('form[aria-labelledby="pitr-start-heading"]');
    // The window, the suggested name and the picker are the chosen table's, and the picker opens inside its window.
    await expect(form.getByLabel("Service and table")).toHaveValue("usr-contact-svc");
    await expect(form.getByTestId("pitr-window")).toBeVisible();
    await expect(form.getByLabel("New table name")).toHaveValue(/^usr-contact-restored-\d{8}T\d{6}Z$/);
    await expectPickerOpensInsideWindow(form);
    await expect(form.getByRole("checkbox", { name: /I understand this creates table usr-contact-restored-/ })).toBeChecked();
    // The button follows the form's own state: it is enabled only if the confirmation reached it.
    await form.getByLabel("The latest restorable time").check();
    await expect(form.getByRole("button", { name: "Start restore" })).toBeEnabled();
  });
});
