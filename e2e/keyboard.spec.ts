import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES } from "../scripts/demo/fixtures";
import { axeViolations, demoDynamoDB, storageStateFor } from "./support";

/**
 * Keyboard-only journeys (docs/ACCESSIBILITY.md, "Focus and announcements"): only Tab,
 * Shift+Tab, Enter and Space, and where focus is after each step. Each journey archives
 * records of its own (written and deleted in the demo's table, as any writer would), so it
 * restores nothing that another spec expects to find deleted.
 */

const CONTACTS_TABLE = "usr-contact";

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it never does. */
async function tabTo(page: Page, target: Locator, { backwards = false, max = 80 } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  await expect(target).toBeFocused();
}

/** Deleted contacts of this run only, archived by the demo's archiver like any deletion. */
async function archiveDeletedContacts(keys: string[]): Promise<void> {
  const dynamodb = await demoDynamoDB();
  for (const pk of keys) {
    const key = { PK: { S: pk }, SK: { S: "PROFILE" } };
    await dynamodb.send(new PutItemCommand({ TableName: CONTACTS_TABLE, Item: { ...key, email: { S: "keyboard.journey@example.com" }, status: { S: "active" } } }));
    await dynamodb.send(new DeleteItemCommand({ TableName: CONTACTS_TABLE, Key: key }));
  }
}

async function waitUntilFound(page: Page, query: string, match: "exact" | "prefix", count: number): Promise<void> {
  const url = `/search?q=${encodeURIComponent(query)}&match=${match}&service=${DEMO_SERVICES.contacts}`;
  const found = `${count} ${count === 1 ? "deletion" : "deletions"} found`;
  await expect.poll(async () => (await (await page.request.get(url)).text()).includes(found), { timeout: 90_000, intervals: [1_000] }).toBe(true);
}

test.describe("support restores a deleted record with the keyboard only", () => {
  test.use({ storageState: storageStateFor("support") });

  test("search, open, Review, Back, Review, Restore now: focus follows every step", async ({ page }) => {
    test.slow();
    const pk = `CONTACT#c-kbd-${Date.now()}`;
    await archiveDeletedContacts([pk]);
    await waitUntilFound(page, pk, "exact", 1);

    await page.goto("/search");
    const announcer = page.getByTestId("page-announcer");
    // The page-wide region is there, empty, before anything is searched.
    await expect(announcer).toHaveText("");
    await tabTo(page, page.getByLabel("Partition key"));
    await page.keyboard.type(pk);
    const search = page.getByRole("button", { name: "Search", exact: true });
    await tabTo(page, search);
    await page.keyboard.press("Enter");
    await expect(announcer).toContainText("1 deletion found");
    // The results come in without a reload: focus is still on the button.
    await expect(search).toBeFocused();

    // Past the results' scroll region (itself a tab stop, to scroll it by keyboard) to the result.
    const result = page.getByRole("link", { name: `${pk} · PROFILE` });
    await tabTo(page, result, { max: 3 });
    await expect(result).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${DEMO_SERVICES.contacts}` })).toBeVisible();

    const review = page.getByRole("button", { name: "Review restore…" });
    await expect(review).toBeVisible({ timeout: 30_000 });
    // The restore's live region is there, empty, before the restore is even reviewed.
    const restoreRegion = page.getByRole("status", { name: "Restore result" });
    await expect(restoreRegion).toHaveText("");
    await tabTo(page, review);
    await page.keyboard.press("Enter");
    const confirmation = page.getByRole("heading", { name: "Confirm the restore" });
    await expect(confirmation).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Restore now" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Back" })).toBeFocused();
    await page.keyboard.press("Enter");
    // Back returns focus to the button that opened the confirmation.
    await expect(review).toBeFocused();

    await page.keyboard.press("Enter");
    await expect(confirmation).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Restore now" })).toBeFocused();
    await page.keyboard.press("Space");
    // The outcome takes focus: a screen reader reads it, the next Tab goes on from it.
    await expect(page.getByRole("heading", { name: "Restored into table usr-contact" })).toBeFocused({ timeout: 30_000 });
    await expect(restoreRegion).toContainText("Restored into table usr-contact");
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Restore again…" })).toBeFocused();
  });
});

test.describe("an admin runs a bulk restore with the keyboard only", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("plan, Run, Back, Run, Yes start: focus and the progress region at every step", async ({ page }) => {
    test.slow();
    const prefix = `CONTACT#c-kbd-bulk-${Date.now()}-`;
    await archiveDeletedContacts([1, 2, 3].map((i) => `${prefix}${i}`));
    await waitUntilFound(page, prefix, "prefix", 3);

    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`/bulk-restore?service=${DEMO_SERVICES.contacts}&from=${today}&to=${today}&type=manual`);
    await expect(page.getByRole("heading", { level: 1, name: "Bulk restore" })).toBeVisible();
    await tabTo(page, page.getByLabel("Partition key starts with"));
    await page.keyboard.type(prefix);
    await page.keyboard.press("Tab");
    const plan = page.getByRole("button", { name: "Plan the restore" });
    await expect(plan).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("plan-absent")).toHaveText("3");

    const region = page.getByTestId("bulk-progress-announcement");
    // The live region is on the page, empty, before the run starts.
    await expect(region).toHaveText("");
    await expect(region).toHaveAttribute("role", "status");

    const run = page.getByRole("button", { name: "Run the restore" });
    await tabTo(page, run);
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("group", { name: "Confirm the run" });
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Yes, start the restore" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Back" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(run).toBeFocused();

    await page.keyboard.press("Space");
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Yes, start the restore" })).toBeFocused();
    await expect(region).toHaveText("");
    await page.keyboard.press("Enter");

    // The run replaces the form: focus goes to the progress, the region speaks.
    await expect(page.getByRole("heading", { name: "Progress" })).toBeFocused({ timeout: 30_000 });
    await expect(region).toHaveText(/^(Running|Completed) — \d+ of 3 items$/);
    await expect(region).toHaveText("Completed — 3 of 3 items", { timeout: 120_000 });
    await expect(page.getByRole("progressbar", { name: "Items processed" })).toHaveAttribute("aria-valuenow", "100");
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Download results (CSV)" })).toBeFocused();
  });
});

test.describe("announcements of a compliance officer's erasure search", () => {
  test.use({ storageState: storageStateFor("compliance") });

  test("the region is there before the search and says how many records were found", async ({ page }) => {
    const pk = `CONTACT#c-kbd-erasure-${Date.now()}`;
    await archiveDeletedContacts([pk]);
    await waitUntilFound(page, pk, "exact", 1);

    await page.goto("/erasure");
    const region = page.getByTestId("erasure-announcement");
    await expect(region).toHaveText("");
    await tabTo(page, page.getByLabel("Partition key"));
    await page.keyboard.type(pk);
    await page.keyboard.press("Enter");
    await expect(region).toHaveText(`1 archived record found for ${pk}.`, { timeout: 30_000 });
    // The button was busy, not disabled, while it searched: focus stays in the form.
    await expect(page.getByLabel("Partition key")).toBeFocused();
  });
});

test.describe("an admin reaches the less used pages through More", () => {
  test.use({ storageState: storageStateFor("admin"), viewport: { width: 1440, height: 900 } });

  test("More opens with Enter, Tab walks its links, Escape closes it and focus returns", async ({ page }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    const more = nav.getByRole("button", { name: "More" });
    const drills = nav.getByRole("link", { name: "Drills" });
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await expect(drills).toBeHidden();

    await tabTo(page, more);
    await page.keyboard.press("Enter");
    await expect(more).toHaveAttribute("aria-expanded", "true");
    await page.keyboard.press("Tab");
    await expect(nav.getByRole("link", { name: "Incidents" })).toBeFocused();
    const violations = await axeViolations(page, { include: "header", tags: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await expect(more).toBeFocused();
    await expect(drills).toBeHidden();

    // Tab past its last link closes it too; a link followed lands with it closed, More marked as holding the page.
    await page.keyboard.press("Space");
    await tabTo(page, drills, { max: 6 });
    await page.keyboard.press("Tab");
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await tabTo(page, more, { backwards: true });
    await page.keyboard.press("Enter");
    await tabTo(page, drills, { max: 6 });
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1, name: "Restore drills" })).toBeVisible();
    await expect(more).toHaveAttribute("aria-expanded", "false");
    await more.click();
    await expect(drills).toHaveAttribute("aria-current", "page");
  });
});
