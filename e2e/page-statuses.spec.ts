import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_SERVICES, WALKTHROUGH } from "../scripts/demo/fixtures";
import { storageStateFor } from "./support";

/**
 * A page that refuses (a role not allowed, a service or record that does not exist, a
 * malformed address) answers with the matching HTTP status, not a 200 around the panel,
 * and still shows the panel that says why.
 */

const contacts = DEMO_SERVICES[WALKTHROUGH.restorable.service];

async function expectPage(request: APIRequestContext, path: string, status: number, text: RegExp) {
  const response = await request.get(path, { maxRedirects: 0 });
  expect(response.status(), path).toBe(status);
  const html = (await response.text()).replaceAll("&quot;", '"').replaceAll("&#x27;", "'");
  expect(html, path).toMatch(text);
}

/** An archive key the demo holds, from the search API. */
async function archivedKey(request: APIRequestContext): Promise<string> {
  const { partitionKey } = WALKTHROUGH.restorable;
  const response = await request.get(`/api/search?q=${encodeURIComponent(partitionKey)}&match=exact&service=${contacts}`);
  expect(response.status()).toBe(200);
  const { results } = (await response.json()) as { results: Array<{ archiveKey: string }> };
  expect(results.length).toBeGreaterThan(0);
  return results[0]!.archiveKey;
}

const recordPath = (key: string) => `/services/${contacts}/record?key=${encodeURIComponent(key)}`;

test.describe("as a viewer", () => {
  test.use({ storageState: storageStateFor("viewer") });

  test("a page the role may not open answers 403 with the 'Not allowed' panel", async ({ page }) => {
    for (const path of ["/dlq", "/erasure", "/bulk-restore", "/pitr", "/audit", "/reports"]) {
      await expectPage(page.request, path, 403, /Not allowed[\s\S]*Your role \(viewer\) cannot/);
    }
    await page.goto("/dlq");
    await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
  });

  test("an unknown service answers 404 with the service-not-found panel", async ({ page }) => {
    for (const path of ["/services/nope-svc", "/services/nope-svc/days/2024-01-15", "/services/nope-svc/record?key=x"]) {
      await expectPage(page.request, path, 404, /Service not found[\s\S]*No service by that name is configured/);
    }
  });

  test("a malformed address answers 400 with the 'not valid' panel naming the problem", async ({ page }) => {
    await expectPage(page.request, `/services/${contacts}?month=13`, 400, /This address is not valid[\s\S]*"month"/);
    await expectPage(page.request, `/services/${contacts}/days/2024-02-30`, 400, /This address is not valid[\s\S]*invalid day/);
    await expectPage(page.request, `/services/${contacts}/days/2024-01-15?type=deleted`, 400, /This address is not valid[\s\S]*"type" must be "ttl" or "manual"/);
    await expectPage(page.request, `/services/${contacts}/record?key=`, 400, /This address is not valid[\s\S]*"key"/);
    await expectPage(page.request, recordPath(`${DEMO_SERVICES.orders}/2024/01/15/a.json`), 400, /This address is not valid[\s\S]*invalid archive key: not under/);
    await expectPage(page.request, "/search?q=x&service=nope-svc", 400, /This address is not valid[\s\S]*There is no service named "nope-svc"/);
    await page.goto(`/services/${contacts}/days/2024-02-30`);
    await expect(page.getByRole("heading", { name: "This address is not valid" })).toBeVisible();
  });

  test("a record that is not in the archive answers 404; one that is answers 200", async ({ page }) => {
    const key = await archivedKey(page.request);
    await expectPage(page.request, recordPath(key), 200, /Deleted record in/);
    await expectPage(page.request, recordPath(key.replace(/\.json$/, "-gone.json")), 404, /Archived record not found/);
    // A typed name with ".." segments that the bucket does not hold is no record either.
    await expectPage(page.request, recordPath(key.replace(/[^/]+$/, "../../x.json")), 404, /Archived record not found/);
    await page.goto(recordPath(key.replace(/\.json$/, "-gone.json")));
    await expect(page.getByRole("heading", { level: 1, name: "Archived record not found" })).toBeVisible();
  });
});

test.describe("as an admin", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("an audit range that ends before it starts, or a report of an unknown service, answers 400", async ({ page }) => {
    await expectPage(page.request, "/audit?from=2024-03-01&to=2024-02-01", 400, /This address is not valid[\s\S]*from must not be after to/);
    await expectPage(page.request, "/reports?service=nope-svc", 400, /This address is not valid[\s\S]*There is no service named "nope-svc"/);
    await expectPage(page.request, "/reports?range=last7", 200, /Deletion report/);
  });

  test("jobs that do not exist answer 404", async ({ page }) => {
    await expectPage(page.request, "/bulk-restore/20240101T000000.000Z-0123456789ab", 404, /not found/i);
    await expectPage(page.request, "/pitr/6f1c2a9e-8d4b-4c3e-9a7f-2b5d1e0c4a68", 404, /not found/i);
    await expectPage(page.request, "/bulk-restore", 200, /Bulk restore/);
  });
});

test.describe("the record page while it loads", () => {
  // Without scripts the page stays as first painted: what streams before the data does.
  test.use({ storageState: storageStateFor("viewer"), javaScriptEnabled: false });

  test("shows the record page's own skeletons, not the calendar's, and no section is highlighted", async ({ page }) => {
    const key = await archivedKey(page.request);
    await page.goto(recordPath(key));
    await expect(page.getByRole("heading", { level: 1, name: `Deleted record in ${contacts}` })).toBeVisible();
    const loading = page.getByRole("status").filter({ hasText: /Loading the archived record|Loading the record's history|Comparing with the live item/ });
    await expect(loading.first()).toBeVisible();
    await expect(page.getByText("Loading the calendar")).toHaveCount(0);
    await expect(page.getByText(/Counting deletions in/)).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Search" }).first()).toBeVisible();
    await expect(page.locator('a[aria-current="page"]')).toHaveCount(0);
  });
});
