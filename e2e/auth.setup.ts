import { expect, test as setup } from "@playwright/test";
import { DEMO_LOGINS } from "../scripts/demo/fixtures";
import { demoPassword, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

for (const { email, role } of DEMO_LOGINS) {
  setup(`sign in as ${role}`, async ({ page }) => {
    await page.goto("/signin");
    if (role === "viewer") {
      await expectNoSeriousA11yViolations(page);
      await saveScreenshot(page, "signin");
    }
    await page.getByLabel(`Password for ${email}`).fill(demoPassword());
    await page.getByRole("button", { name: `Sign in as ${role}` }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
    await expect(page.getByRole("banner").getByText(email)).toBeVisible();
    await page.context().storageState({ path: storageStateFor(role) });
  });
}
