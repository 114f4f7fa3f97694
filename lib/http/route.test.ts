import { NextRequest } from "next/server";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { Role, SessionUser } from "../auth/roles";
import { getSessionUser } from "../auth/session";
import { permissionOf, requirePermission, route } from "./route";

vi.mock("../auth/session", () => ({ getSessionUser: vi.fn() }));
const session = vi.mocked(getSessionUser);
const as = (role: Role | null) => session.mockResolvedValue(role ? ({ id: `t:${role}`, email: `${role}@example.com`, name: role, role } satisfies SessionUser) : null);

const SAME_ORIGIN = { "sec-fetch-site": "same-origin", host: "localhost:3000" };

const restore = route(
  { permission: "record:restore", params: z.object({ service: z.string().regex(/^[a-z-]+$/) }), body: z.object({ mode: z.enum(["no-clobber", "overwrite"]) }).strict() },
  async ({ params, body, user }) => {
    if (body.mode === "overwrite") requirePermission(user, "record:restore-overwrite");
    return Response.json({ service: params.service, mode: body.mode, by: user.role });
  },
);

const read = route({ permission: "archive:read", query: z.object({ limit: z.coerce.number().int().max(10).default(5) }).strict() }, async ({ query }) =>
  Response.json({ limit: query.limit }),
);

function post(body: string | undefined, headers: Record<string, string> = SAME_ORIGIN, service = "usr-contact-svc") {
  const request = new NextRequest(`http://localhost:3000/api/x/${service}`, { method: "POST", headers, ...(body !== undefined ? { body } : {}) });
  return restore(request, { params: Promise.resolve({ service }) });
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

beforeEach(() => {
  session.mockReset();
});

describe("route()", () => {
  it("marks the handler with its permission", () => {
    expect(permissionOf(restore)).toBe("record:restore");
    expect(permissionOf(read)).toBe("archive:read");
    expect(permissionOf(async () => new Response())).toBeUndefined();
  });

  it("answers 401 to a signed-out request before looking at anything else", async () => {
    as(null);
    const response = await post("not json", { "sec-fetch-site": "cross-site" }, "BAD");
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: "unauthenticated", message: "Sign in to use Lazarus." });
  });

  it("answers 403 to a role without the permission, before checking origin or input", async () => {
    as("viewer");
    const response = await post("not json", { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toMatchObject({ code: "forbidden", message: expect.stringContaining("cannot restore records") });
  });

  it("refuses cross-site and origin-less state-changing requests", async () => {
    as("admin");
    const crossSite = await post(JSON.stringify({ mode: "no-clobber" }), { "sec-fetch-site": "cross-site", origin: "https://evil.example", host: "localhost:3000" });
    expect(crossSite.status).toBe(403);
    expect((await errorOf(crossSite)).code).toBe("cross-site-request");
    expect((await post(JSON.stringify({ mode: "no-clobber" }), { host: "localhost:3000" })).status).toBe(403);
    expect((await post(JSON.stringify({ mode: "no-clobber" }), { origin: "http://localhost:3000", host: "localhost:3000" })).status).toBe(200);
  });

  it("does not ask reads for an Origin", async () => {
    as("viewer");
    const response = await read(new NextRequest("http://localhost:3000/api/read?limit=3"), { params: Promise.resolve({}) });
    expect(await response.json()).toEqual({ limit: 3 });
  });

  it("answers 400 naming the bad path segment, query field or body", async () => {
    as("support");
    const badParam = await post(JSON.stringify({ mode: "no-clobber" }), SAME_ORIGIN, "BAD");
    expect(badParam.status).toBe(400);
    expect((await errorOf(badParam)).message).toMatch(/^Invalid path: service: /);

    const badQuery = await read(new NextRequest("http://localhost:3000/api/read?limit=50"), { params: Promise.resolve({}) });
    expect(badQuery.status).toBe(400);
    expect((await errorOf(badQuery)).message).toMatch(/^Invalid query: limit: /);
    const unknownQuery = await read(new NextRequest("http://localhost:3000/api/read?bucket=other"), { params: Promise.resolve({}) });
    expect(unknownQuery.status).toBe(400);

    expect((await errorOf(await post("{nope"))).message).toBe("The request body is not valid JSON.");
    expect((await post(undefined)).status).toBe(400);
    expect((await errorOf(await post(JSON.stringify({ mode: "clobber" })))).message).toMatch(/^Invalid body: mode: /);
    expect((await post(JSON.stringify({ mode: "no-clobber", extra: 1 }))).status).toBe(400);
    expect((await post(JSON.stringify({ mode: "no-clobber", pad: "x".repeat(70_000) }))).status).toBe(413);
  });

  it("refuses query parameters and bodies a route does not take", async () => {
    as("admin");
    const list = route({ permission: "archive:read" }, async () => Response.json({ ok: true }));
    const withQuery = await list(new NextRequest("http://localhost:3000/api/list?bucket=other"), { params: Promise.resolve({}) });
    expect(withQuery.status).toBe(400);
    expect((await errorOf(withQuery)).message).toContain("bucket");

    const cancel = route({ permission: "bulk-restore" }, async () => Response.json({ ok: true }));
    const send = (body?: string) => cancel(new NextRequest("http://localhost:3000/api/cancel", { method: "POST", headers: SAME_ORIGIN, ...(body !== undefined ? { body } : {}) }), { params: Promise.resolve({}) });
    expect((await send()).status).toBe(200);
    expect((await send("{}")).status).toBe(200);
    const withBody = await send(JSON.stringify({ force: true }));
    expect(withBody.status).toBe(400);
    expect((await errorOf(withBody)).message).toContain("force");
  });

  it("names the unknown field even when required ones are missing too", async () => {
    as("support");
    const response = await post(JSON.stringify({ mdoe: "no-clobber" }));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/^Invalid body: Unrecognized key: "mdoe"/);
  });

  it("answers every response, refusals included, with the security headers", async () => {
    as(null);
    for (const response of [await post(JSON.stringify({ mode: "no-clobber" })), (as("support"), await post(JSON.stringify({ mode: "no-clobber" })))]) {
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("runs the handler with the parsed input and the user", async () => {
    as("support");
    const response = await post(JSON.stringify({ mode: "no-clobber" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ service: "usr-contact-svc", mode: "no-clobber", by: "support" });
  });

  it("turns a permission the input needs into a 403", async () => {
    as("support");
    const response = await post(JSON.stringify({ mode: "overwrite" }));
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toContain("cannot overwrite a live item");
    as("admin");
    expect((await post(JSON.stringify({ mode: "overwrite" }))).status).toBe(200);
  });

  it("maps what a handler throws through the one error mapping", async () => {
    as("viewer");
    const throttled = route({ permission: "archive:read" }, async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    });
    const response = await throttled(new NextRequest("http://localhost:3000/api/t"), { params: Promise.resolve({}) });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("aws-throttled");
  });
});
