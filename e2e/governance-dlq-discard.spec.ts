import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { expect, test } from "@playwright/test";
import { demoSqs, expectNoSeriousA11yViolations, saveScreenshot, storageStateFor } from "./support";

/**
 * The demo's unt-svc DLQ holds one batch that starts with a poison record (no OldImage)
 * and whose range is past the stream's retention: it can never be archived. An admin
 * discards it with a reason and the service's DLQ light turns green. The message is put
 * back afterwards, so the specs that count the demo's failures see what the demo seeded.
 */
const QUEUE = "lazarus-unt-svc-dlq";
let seededBody: string | undefined;

test.describe("an admin discards a poison batch", () => {
  test.use({ storageState: storageStateFor("admin") });

  test.beforeAll(async () => {
    const sqs = await demoSqs();
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }))).QueueUrl!;
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 5, WaitTimeSeconds: 0 }));
    const message = received.Messages?.[0];
    if (message?.ReceiptHandle) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    seededBody = message?.Body;
  });

  test.afterAll(async () => {
    const sqs = await demoSqs();
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }))).QueueUrl!;
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    if ((left.Messages ?? []).length === 0 && seededBody) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: seededBody }));
  });

  test("with a reason; the DLQ light of unt-svc turns green", async ({ page }) => {
    expect(seededBody, "the demo seeds one failed batch for unt-svc").toBeDefined();
    const dlqLight = (summary: RegExp) =>
      page.getByRole("row").filter({ has: page.getByRole("link", { name: "unt-svc", exact: true }) }).getByRole("link", { name: summary });

    await page.goto("/protection");
    await expect(dlqLight(/^On-failure destination \(DLQ\): [A-Za-z ]+: 1 message\(s\)/)).toBeVisible();

    await page.goto("/dlq");
    const units = page.getByRole("region", { name: "unt-svc" });
    await expect(units.getByTestId("dlq-failure")).toHaveCount(1);
    await units.getByRole("button", { name: /^Discard the batch of 1 records/ }).click();
    const form = units.getByRole("form", { name: "Discard this failed batch" });
    await expect(form).toContainText("will never be archived");

    // A reason is required, and a word is not one.
    await form.getByLabel("Why can it never be archived?").fill("poison");
    await form.getByRole("button", { name: "Confirm discard" }).click();
    await expect(form.getByText("Say why in at least 10 characters.")).toBeVisible();
    await expectNoSeriousA11yViolations(page);

    await form.getByLabel("Why can it never be archived?").fill("Poison record without OldImage; its range left the stream.");
    await form.getByRole("button", { name: "Confirm discard" }).click();
    const outcome = units.getByRole("status").filter({ hasText: "Discarded: the failure was deleted" });
    await expect(outcome).toBeVisible({ timeout: 30_000 });
    await expect(outcome).toContainText("_discarded/unt-svc/");
    await expect(units.getByText("Discarded", { exact: true })).toBeVisible();
    await saveScreenshot(page, "dlq-discarded");

    await outcome.getByRole("button", { name: "Refresh the list" }).click();
    await expect(units.getByText("No failed batches.")).toBeVisible();

    await page.goto("/protection");
    await expect(dlqLight(/^On-failure destination \(DLQ\): Protected: Empty/)).toBeVisible();
    await saveScreenshot(page, "protection-after-discard");
  });
});
