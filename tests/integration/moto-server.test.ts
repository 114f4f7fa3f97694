import { Agent, request, type IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { motoEnv, uniqueName } from "../support/aws";

/**
 * The local moto_server's connections (scripts/local-stack/moto-server.py): a connection
 * stays open from one request to the next, a body the server did not read never reaches
 * the next request, and a body of unknown length still closes the connection.
 */

const { endpoint } = motoEnv();
const AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
  reusedSocket: boolean;
}

function send(agent: Agent, method: string, path: string, options: { body?: Buffer; chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = { authorization: AUTHORIZATION };
    if (options.body && !options.chunked) headers["content-length"] = String(options.body.length);
    if (options.chunked) headers["transfer-encoding"] = "chunked";
    const req = request(new URL(path, endpoint), { method, agent, headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, connection: res.headers.connection, body: Buffer.concat(chunks).toString("utf8"), reusedSocket: req.reusedSocket }),
      );
    });
    req.on("error", fail);
    if (options.body) req.write(options.body);
    req.end();
  });
}

describe("the local moto_server's connections", () => {
  it("serves one request after another on the same connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const bucket = uniqueName("keep-alive");
    const answers = [await send(agent, "PUT", `/${bucket}`), await send(agent, "PUT", `/${bucket}/a.txt`, { body: Buffer.from("one") }), await send(agent, "GET", `/${bucket}/a.txt`)];
    agent.destroy();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.connection)).not.toContain("close");
    expect(answers.map((a) => a.reusedSocket)).toEqual([false, true, true]);
    expect(answers[2]!.body).toBe("one");
  });

  it("reads off a body the server did not read, so the next request on the connection is answered as sent", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const bucket = uniqueName("unread-body");
    await send(agent, "PUT", `/${bucket}`);
    // moto's own API page reads no body: 64 KB of request lines that would be answered next if left behind.
    const unread = Buffer.from("GET /not-a-bucket HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1_700));
    const page = await send(agent, "GET", "/moto-api/", { body: unread });
    const listing = await send(agent, "GET", `/${bucket}?list-type=2`);
    agent.destroy();
    expect(page.status).toBe(200);
    expect(listing).toMatchObject({ status: 200, reusedSocket: true });
    expect(listing.body).toContain(`<Name>${bucket}</Name>`);
  });

  it("closes the connection after a body of unknown length, as werkzeug does", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const bucket = uniqueName("chunked");
    await send(agent, "PUT", `/${bucket}`);
    const put = await send(agent, "PUT", `/${bucket}/b.txt`, { body: Buffer.from("two"), chunked: true });
    const get = await send(agent, "GET", `/${bucket}/b.txt`);
    agent.destroy();
    expect(put).toMatchObject({ status: 200, connection: "close" });
    expect(get).toMatchObject({ status: 200, reusedSocket: false, body: "two" });
  });
});
