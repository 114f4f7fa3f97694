import { test as base, type BrowserContextOptions, type Page } from "@playwright/test";

export { expect } from "@playwright/test";

/**
 * The specs' `test`: a test signed in as one of the demo's roles gets that role's tab, kept
 * open for the worker and moved from page to page as a person would. A page load in a tab
 * whose renderer already runs the console costs about a third of the CPU of one in a new
 * browser context, or in a new tab of the same context (docs/BENCHMARKS.md). A signed-out
 * test gets the signed-out tab, its cookies cleared first: what a new context would hold.
 *
 * A test gets a new context of its own, as Playwright's `page` gives, when it starts from a
 * storage state that is not a file, or when it changes the tab beyond navigating it
 * (routes, init scripts, exposed functions, event listeners): `test.use({ ownTab: true })`.
 * A tab that saw a test fail is closed, so the next test starts from a new one.
 */
export const test = base.extend<{ ownTab: boolean }, { sharedTabs: Map<string, Page> }>({
  ownTab: [false, { option: true }],

  sharedTabs: [
    async ({}, provide) => {
      const tabs = new Map<string, Page>();
      await provide(tabs);
      await Promise.all([...tabs.values()].map((tab) => tab.context().close()));
    },
    { scope: "worker" },
  ],

  page: async ({ ownTab, storageState, javaScriptEnabled, timezoneId, viewport, baseURL, contextOptions, browser, sharedTabs }, provide, testInfo) => {
    const options: BrowserContextOptions = {
      ...contextOptions,
      storageState,
      javaScriptEnabled,
      timezoneId,
      viewport,
      ...(baseURL ? { baseURL } : {}),
    };
    const signedOut = storageState === undefined;
    if (ownTab || (typeof storageState !== "string" && !signedOut)) {
      const context = await browser.newContext(options);
      await provide(await context.newPage());
      await context.close();
      return;
    }
    // The viewport is the tab's own and follows each test; the rest is fixed when the tab opens.
    const key = JSON.stringify({ storageState: storageState ?? "signed out", javaScriptEnabled, timezoneId, baseURL });
    let tab = sharedTabs.get(key);
    if (!tab || tab.isClosed()) {
      tab = await (await browser.newContext(options)).newPage();
      sharedTabs.set(key, tab);
    } else {
      if (viewport) await tab.setViewportSize(viewport);
      if (signedOut) await tab.context().clearCookies();
    }
    await provide(tab);
    if (testInfo.status !== testInfo.expectedStatus) {
      sharedTabs.delete(key);
      await tab.context().close();
      return;
    }
    // Routes would also turn off the tab's HTTP cache for every later test.
    await tab.unrouteAll({ behavior: "ignoreErrors" });
  },
});
