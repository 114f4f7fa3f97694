import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { expect, test } from "./fixtures";
import { demoSqs, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * The demo's unt-svc DLQ holds one batch that starts with a poison record (no OldImage)
 * and whose range is past the stream's retention: it can never be archived. An admin
 * opens Protection (which counts it), then the DLQ page (which must list it), discards
 * it with a reason, and the service's DLQ light turns green. The discard is audited.
 * The message is put back afterwards, so specs that count the demo's failures see what
 * the demo seeded.
 */
const QUEUE = "lazarus-unt-svc-dlq";
const REASON = "Poison record without OldImage; its range left the stream.";
let seededBody: string | undefined;

async function unitsQueue() {
  const sqs = await demoSqs();
  return { sqs, queueUrl: (await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }))).QueueUrl! };
}

test.describe("an admin discards a poison batch", () => {
  test.use({ storageState: storageStateFor("admin") });

  test.beforeAll(async () => {
    // Read without receiving it for long: a timeout of 0 leaves the message visible at once.
    const { sqs, queueUrl } = await unitsQueue();
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    seededBody = received.Messages?.[0]?.Body;
  });

  test.afterAll(async () => {
    const { sqs, queueUrl } = await unitsQueue();
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    if ((left.Messages ?? []).length === 0 && seededBody) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: seededBody }));
  });

  // The discard runs in a route handler and the Protection page in a server component: the page must not show the
  // describe answers it cached before the discard (one cache per process, lib/runtime/process-wide.ts).
  test("with a reason, confirmed; the batch is gone, the DLQ light of unt-svc turns green, and the discard is audited", async ({ page }) => {
    test.setTimeout(180_000);
    expect(seededBody, "the demo seeds one failed batch for unt-svc").toBeDefined();
    const dlqLight = (summary: RegExp) =>
      page.getByRole("row").filter({ has: page.getByRole("link", { name: "unt-svc", exact: true }) }).getByRole("link", { name: summary });

    // The protection check peeks at the queue; the DLQ page opened right after must still list the batch it counted.
    await page.goto("/protection");
    await expect(dlqLight(/^On-failure destination \(DLQ\): [A-Za-z ]+: 1 message\(s\)/)).toBeVisible();
    await dlqLight(/^On-failure destination \(DLQ\)/).click();
    await expect(page).toHaveURL(/\/dlq$/);

    const units = page.getByRole("region", { name: "unt-svc" });
    await expect(units.getByTestId("dlq-failure")).toHaveCount(1);
    await units.getByRole("button", { name: /^Discard the batch of 1 records/ }).click();
    const form = units.getByRole("form", { name: "Discard this failed batch" });
    await expect(form).toContainText("never be archived");

    // A reason is required, and a word is not one.
    await form.getByLabel("Why can it never be archived?").fill("poison");
    await form.getByRole("button", { name: "Confirm discard" }).click();
    await expect(form.getByText("Say why in at least 10 characters.")).toBeVisible();
    await expect(units.getByTestId("dlq-failure")).toHaveCount(1);
    await expectNoSeriousA11yViolations(page);

    await form.getByLabel("Why can it never be archived?").fill(REASON);
    await form.getByRole("button", { name: "Confirm discard" }).click();
    const outcome = units.getByRole("status").filter({ hasText: "Discarded: the failure was deleted" });
    await expect(outcome).toBeVisible({ timeout: 30_000 });
    await expect(outcome).toContainText("_discarded/unt-svc/");
    await saveScreenshot(page, "dlq-discarded");

    await outcome.getByRole("button", { name: "Refresh the list" }).click();
    await expect(units.getByText("No failed batches.")).toBeVisible();

    await page.goto("/protection");
    await expect(dlqLight(/^On-failure destination \(DLQ\): Protected: Empty/)).toBeVisible();
    await saveScreenshot(page, "protection-after-discard");

    await page.goto("/audit?action=dlq-discard");
    const discarded = page.getByRole("row").filter({ hasText: "admin@demo.lazarus" }).filter({ hasText: "unt-svc" }).filter({ hasText: /Succeeded/ });
    await expect(discarded.first()).toBeVisible();
    await discarded.first().getByRole("button", { name: /^Details/ }).click();
    await expect(page.getByText(REASON).first()).toBeVisible();
  });
});
