import { expect, type Browser, type Page } from "@playwright/test";
import { DEMO_SERVICES, WALKTHROUGH, WALKTHROUGH_EMAIL, walkthroughDeletedAt, type WalkthroughDeletion } from "../scripts/demo/fixtures";
import { demoDay, demoNow, storageStateFor, type DemoRole } from "./support";

/**
 * Every page of the console, with what it takes to reach the state worth checking
 * (a content search's results, an erasure's findings), shared by the accessibility
 * and the screen-width specs so that a new page is added to both at once.
 */

export type PageRole = Extract<DemoRole, "admin" | "viewer"> | "signed-out";

/** Records made for the run: a planned bulk-restore job, a pending approval request and a point-in-time restore. */
export interface Fixtures {
  jobId: string;
  approvalId: string;
  pitrId: string;
}

export interface ConsolePage {
  name: string;
  path: (fixtures: Fixtures) => string;
  /** Roles that see the page itself; other signed-in roles see its 403 panel. */
  roles: PageRole[];
  heading: string | RegExp;
  /** Brings the page to the state to check, after its heading shows. */
  reach?: (page: Page) => Promise<void>;
}

const now = demoNow();
const { changed, glacier, restorable } = WALKTHROUGH;
const day = (deletions: readonly WalkthroughDeletion[]) => walkthroughDeletedAt(deletions[0]!, now).toISOString().slice(0, 10);
/** A point-in-time restore made for the run: a small table, restored into one of its own. */
const PITR_SOURCE_TABLE = "unt-unit";
const recordSearch = `/search?q=${encodeURIComponent(changed.partitionKey)}&match=exact&service=${changed.serviceName}`;

async function openChangedRecord(page: Page): Promise<void> {
  await page.getByRole("link", { name: `${changed.partitionKey} · ${changed.sortKey}` }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${changed.serviceName}` })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("list", { name: /differences between the archived item and the live item/ }).or(page.getByRole("table", { name: /differences/ })).first()).toBeVisible();
}

export const CONSOLE_PAGES: ConsolePage[] = [
  { name: "overview", path: () => "/", roles: ["admin", "viewer"], heading: "Overview" },
  { name: "search by key", path: () => recordSearch, roles: ["admin", "viewer"], heading: "Search deletions" },
  {
    name: "content search results",
    path: () => "/search",
    roles: ["admin", "viewer"],
    heading: "Search deletions",
    reach: async (page) => {
      const form = page.getByRole("form", { name: "Find deletions by content" });
      await form.getByLabel("Attribute path").fill("email");
      await form.getByLabel("Value").fill(WALKTHROUGH_EMAIL);
      await form.getByRole("button", { name: "Search content" }).click();
      await expect(page.getByRole("link", { name: `${restorable.partitionKey} · ${restorable.sortKey}` }).first()).toBeVisible({ timeout: 60_000 });
      await expect(page.getByRole("status").filter({ hasText: "Search complete" })).toBeVisible({ timeout: 60_000 });
    },
  },
  { name: "service calendar", path: () => `/services/${DEMO_SERVICES.contacts}`, roles: ["admin", "viewer"], heading: DEMO_SERVICES.contacts },
  { name: "day", path: () => `/services/${DEMO_SERVICES.contacts}/days/${day(restorable.deletions)}`, roles: ["admin", "viewer"], heading: /^Deletions on / },
  { name: "sealed day", path: () => `/services/${DEMO_SERVICES.contacts}/days/${day(glacier.deletions)}`, roles: ["admin", "viewer"], heading: /^Deletions on / },
  // Opened from its search result, so that the page carries the `back` link a person would follow.
  { name: "record with its diff", path: () => recordSearch, roles: ["admin", "viewer"], heading: "Search deletions", reach: openChangedRecord },
  { name: "protection", path: () => "/protection", roles: ["admin", "viewer"], heading: "Protection health" },
  { name: "protection of a service", path: () => `/protection/${DEMO_SERVICES.contacts}`, roles: ["admin", "viewer"], heading: `Protection of ${DEMO_SERVICES.contacts}` },
  { name: "audit", path: () => "/audit", roles: ["admin"], heading: "Audit log" },
  { name: "reports", path: () => "/reports", roles: ["admin"], heading: "Deletion report" },
  { name: "erasure", path: () => "/erasure", roles: ["admin"], heading: "Erasure of archived personal data" },
  {
    name: "erasure findings",
    path: () => "/erasure",
    roles: ["admin"],
    heading: "Erasure of archived personal data",
    reach: async (page) => {
      await page.getByLabel("Partition key").fill(changed.partitionKey);
      await page.getByRole("checkbox", { name: changed.serviceName }).check();
      await page.getByRole("button", { name: "Find records" }).click();
      await expect(page.getByRole("heading", { name: `Findings for ${changed.partitionKey}` })).toBeVisible({ timeout: 60_000 });
    },
  },
  { name: "bulk restore", path: () => "/bulk-restore", roles: ["admin"], heading: "Bulk restore" },
  { name: "bulk restore job", path: ({ jobId }) => `/bulk-restore/${jobId}`, roles: ["admin"], heading: /^Bulk restore: / },
  { name: "point-in-time restore", path: () => "/pitr", roles: ["admin"], heading: "Point-in-time restore" },
  {
    name: "point-in-time restore job",
    path: ({ pitrId }) => `/pitr/${pitrId}`,
    roles: ["admin"],
    heading: `Restore of ${PITR_SOURCE_TABLE}`,
    // Once ACTIVE the page shows what a person works with: the checklist and the compare.
    reach: async (page) => {
      await expect(page.getByTestId("pitr-status")).toContainText("ACTIVE", { timeout: 60_000 });
      await expect(page.getByRole("heading", { name: "What the restore did not bring back" })).toBeVisible();
    },
  },
  { name: "DLQ", path: () => "/dlq", roles: ["admin"], heading: "Failed batches (DLQ)" },
  { name: "incident view", path: () => "/incidents", roles: ["admin"], heading: "Incident view" },
  { name: "restore drills", path: () => "/drills", roles: ["admin"], heading: "Restore drills" },
  { name: "approvals", path: () => "/approvals", roles: ["admin"], heading: "Approvals" },
  { name: "approval request", path: ({ approvalId }) => `/approvals/${approvalId}`, roles: ["admin"], heading: "Bulk restore request" },
  { name: "not found", path: () => "/no-such-page", roles: ["admin", "viewer"], heading: "Page not found" },
  { name: "sign-in", path: () => "/signin", roles: ["signed-out"], heading: "Sign in" },
];

/** The pages a role opens: its own, and the 403 panel of every other signed-in page. */
export function pagesFor(role: PageRole): (ConsolePage & { isForbidden: boolean })[] {
  return CONSOLE_PAGES.flatMap((p): (ConsolePage & { isForbidden: boolean })[] => {
    if (p.roles.includes(role)) return [{ ...p, isForbidden: false }];
    if (role === "signed-out" || p.roles.includes("signed-out")) return [];
    // A forbidden page shows no results to reach.
    return p.reach ? [] : [{ ...p, isForbidden: true }];
  });
}

/** Opens the page and brings it to the state to check. */
export async function visit(page: Page, consolePage: ConsolePage & { isForbidden: boolean }, fixtures: Fixtures): Promise<void> {
  await page.goto(consolePage.path(fixtures));
  const heading = consolePage.isForbidden ? "Not allowed" : consolePage.heading;
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  if (!consolePage.isForbidden) await consolePage.reach?.(page);
  await page.waitForLoadState("networkidle");
}


/**
 * A planned bulk restore of unt-svc and the approval request its run asks for (the demo's
 * config puts that service's bulk restores under approval): nothing is written to a table.
 * And a point-in-time restore of unt-unit into a new table of its own, which no other spec reads.
 */
export async function makeFixtures(browser: Browser, baseURL: string): Promise<Fixtures> {
  const context = await browser.newContext({ storageState: storageStateFor("admin"), baseURL });
  try {
    const headers = { Origin: baseURL, "Content-Type": "application/json" };
    const planned = await context.request.post("/api/bulk-restore/plan", {
      headers,
      data: { selection: { kind: "filter", service: DEMO_SERVICES.units, from: demoDay(90), to: demoDay(6), type: "manual" } },
    });
    expect(planned.status(), await planned.text()).toBe(201);
    const { job } = (await planned.json()) as { job: { id: string } };
    const run = await context.request.post(`/api/bulk-restore/${job.id}/run`, { headers, data: {} });
    expect(run.status(), await run.text()).toBe(202);
    const requested = (await run.json()) as { request?: { id: string } };
    expect(requested.request?.id, "the run asks for approval").toBeTruthy();
    const pitr = await context.request.post("/api/pitr", {
      headers,
      data: { service: DEMO_SERVICES.units, time: "latest", targetTable: `${PITR_SOURCE_TABLE}-a11y-${Date.now()}` },
    });
    expect(pitr.status(), await pitr.text()).toBe(201);
    const { job: pitrJob } = (await pitr.json()) as { job: { id: string } };
    return { jobId: job.id, approvalId: requested.request!.id, pitrId: pitrJob.id };
  } finally {
    await context.close();
  }
}
