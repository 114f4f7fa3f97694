import { expect, test } from "./fixtures";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { storageStateFor } from "./support";

const { identical } = WALKTHROUGH;

test.use({ storageState: storageStateFor("viewer") });

test("a viewer can read a record but has no restore, and the API refuses with 403", async ({ page, baseURL }) => {
  await page.goto(`/search?q=${encodeURIComponent(identical.partitionKey)}&match=exact&service=${identical.serviceName}`);
  await page.getByRole("link", { name: `${identical.partitionKey} · ${identical.sortKey}` }).first().click();
  await expect(page.getByText("Identical to the live item")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Restore" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Review restore…" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Audit" })).toHaveCount(0);

  const archiveKey = new URL(page.url()).searchParams.get("key");
  expect(archiveKey).toBeTruthy();
  const response = await page.request.post(`/api/services/${identical.serviceName}/records/restore`, {
    headers: { Origin: baseURL!, "Content-Type": "application/json" },
    data: { archiveKey, mode: "no-clobber", ttl: { action: "keep" } },
  });
  expect(response.status()).toBe(403);
  expect((await response.json()).error.message).toMatch(/role|permission|not allowed/i);

  await page.goto("/audit");
  await expect(page.getByText(/403|not allowed|permission/i).first()).toBeVisible();
});

test("signed out, pages redirect to sign-in and the API answers 401", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(`${baseURL}/search`);
  await expect(page).toHaveURL(/\/signin/);
  const response = await context.request.get(`${baseURL}/api/search?q=x&match=exact&service=all`);
  expect(response.status()).toBe(401);
  await context.close();
});

test("the favicon, app icons and manifest are served, signed in or not, and the pages point to them", async ({ browser, baseURL, page }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  for (const [path, type] of [
    ["/favicon.ico", /image\/(x-icon|vnd\.microsoft\.icon)/],
    ["/apple-touch-icon.png", /image\/png/],
    ["/icon-192.png", /image\/png/],
    ["/icon-512.png", /image\/png/],
    ["/manifest.webmanifest", /manifest\+json|json/],
  ] as const) {
    const response = await context.request.get(`${baseURL}${path}`, { maxRedirects: 0 });
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-type"], path).toMatch(type);
  }
  await context.close();
  await page.goto("/");
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/apple-touch-icon.png");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");
  await expect(page.locator('link[rel="icon"]').first()).toHaveAttribute("href", /icon/);
});
