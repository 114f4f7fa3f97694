import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Slack-compatible webhook receiver for the demo (`--alerts-webhook`): it prints each
 * alert's text to the demo's log, so the console's alerts can be watched without a chat
 * workspace. Loopback only.
 */
export async function startAlertReceiver(log: (line: string) => void): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: unknown };
        log(`alert received: ${typeof body.text === "string" ? body.text : "(no text)"}`);
        response.statusCode = 200;
      } catch {
        response.statusCode = 400;
      }
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
