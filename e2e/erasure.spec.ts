import { readFile } from "node:fs/promises";
import { expect, test } from "./fixtures";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

// The key no other browser test uses: a contact deleted three times.
const subject = WALKTHROUGH.deletedThreeTimes;

test.describe("compliance erases a subject's archived records", () => {
  // The erasure's answer is held back by a route on the tab: a tab of its own.
  test.use({ storageState: storageStateFor("compliance"), ownTab: true });

  test("find, confirm by typing, erased, nothing left to find", async ({ page }) => {
    await page.goto("/erasure");
    await expect(page.getByRole("heading", { level: 1, name: "Erasure of archived personal data" })).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    // Both live regions are on the page, empty, before anything is searched.
    const announcement = page.getByTestId("erasure-announcement");
    const resultRegion = page.getByRole("status", { name: "Erasure result" });
    await expect(announcement).toHaveText("");
    await expect(resultRegion).toHaveText("");

    await page.getByLabel("Partition key").fill(subject.partitionKey);
    await page.getByRole("checkbox", { name: subject.serviceName }).check();
    await page.getByRole("button", { name: "Find records" }).click();
    await expect(page.getByRole("heading", { name: `Findings for ${subject.partitionKey}` })).toBeVisible();
    await expect(announcement).toContainText(`${subject.deletions.length} archived records found for ${subject.partitionKey}`);
    await expect(resultRegion).toHaveText("");
    const rows = page.getByRole("table").getByRole("row");
    await expect(rows).toHaveCount(subject.deletions.length + 1);
    await expect(page.getByText("Not locked").first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "erasure-findings");

    const erase = page.getByRole("button", { name: "Erase these records" });
    await expect(erase).toBeDisabled();
    await page.getByLabel(/to confirm/).fill(`ERASE ${subject.partitionKey.toLowerCase()}`);
    await expect(erase).toBeDisabled();
    await page.getByLabel(/to confirm/).fill(`ERASE ${subject.partitionKey}`);
    // On a large subject the request takes many seconds; here the answer is held back
    // a moment so that the screen shown meanwhile can be checked.
    await page.route("**/api/erasure", async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await route.fulfill({ response });
    });
    await erase.click();
    await expect(page.getByRole("heading", { name: "Erasing…" })).toBeVisible();
    await expect(page.getByRole("progressbar", { name: "Erasure in progress" })).toBeVisible();

    await expect(announcement).toContainText("Erasing…");
    const result = page.getByRole("status").filter({ hasText: "Erased" });
    // Three objects, their versions, index entries, the ledger and the audit: well over 15 s on a busy machine.
    await expect(result).toBeVisible({ timeout: 60_000 });
    await expect(resultRegion).toContainText(`Erased ${subject.deletions.length} archived record(s)`);
    await expect(result).toContainText(`Erased ${subject.deletions.length} archived record(s)`);
    await expect(page.getByTestId("erasure-audit-id")).toHaveText(/^[0-9a-f-]{36}$/);
    // The findings no longer read as waiting to be erased, and the erase form is gone.
    await expect(page.getByRole("heading", { name: `Erased: the records found for ${subject.partitionKey}` })).toBeVisible();
    await expect(page.getByRole("heading", { name: `Findings for ${subject.partitionKey}` })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Erase these records" })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page);
    await saveScreenshot(page, "erasure-result");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download the erasure receipt (JSON)" }).click();
    const receiptFile = await (await download).path();
    const receipt = JSON.parse(await readFile(receiptFile, "utf8"));
    expect(receipt.by.email).toBe("compliance@demo.lazarus");
    expect(receipt.records).toHaveLength(subject.deletions.length);
    expect(receipt.ledger.keyHashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(receipt)).not.toContain(subject.partitionKey);

    // Searching again finds nothing.
    await page.getByRole("button", { name: "Find records" }).click();
    await expect(page.getByText("No archived deletion and no failed-batch copy holds this key")).toBeVisible();

    // Search says why nothing is found.
    await page.goto(`/search?q=${encodeURIComponent(subject.partitionKey)}&match=exact&service=all`);
    const today = new Date().toISOString().slice(0, 10);
    await expect(page.getByRole("heading", { name: `Erased on ${today} in ${subject.serviceName}` })).toBeVisible();
  });
});
