import { expect, test } from "./fixtures";
import { axeViolations, expectNoSeriousA11yViolations, storageStateFor } from "./support";

/**
 * The accessibility checks rest on `axeViolations` (e2e/support.ts), which puts axe into a
 * page once and reuses it: it must still see what changed after that, and report it.
 */
test.use({ storageState: storageStateFor("admin") });

test("axe reports what is wrong on the page as it is now, and only within the part asked for", async ({ page }) => {
  await page.goto("/");
  expect(await axeViolations(page, { tags: ["wcag2a"] })).toEqual([]);
  await page.evaluate(() => document.querySelector("main")!.insertAdjacentHTML("beforeend", '<img src="/icon.svg"><button></button>'));
  expect((await axeViolations(page, { tags: ["wcag2a"] })).map((v) => v.id).sort()).toEqual(["button-name", "image-alt"]);
  expect(await axeViolations(page, { include: "header" })).toEqual([]);
  await expect(expectNoSeriousA11yViolations(page)).rejects.toThrow(/button-name|image-alt/);
});
