import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { Role } from "../auth/roles";
import { getSessionUser } from "../auth/session";
import { action, actionPermissionOf } from "./action";

vi.mock("../auth/session", () => ({ getSessionUser: vi.fn() }));
const requestHeaders = vi.hoisted(() => ({ current: new Headers() }));
vi.mock("next/headers", () => ({ headers: async () => requestHeaders.current }));

const session = vi.mocked(getSessionUser);
const as = (role: Role | null) => session.mockResolvedValue(role ? { id: `t:${role}`, email: `${role}@example.com`, name: role, role } : null);

const erase = action("erasure", z.object({ archiveKey: z.string().min(1) }), async (input, { user }) => ({ erased: input.archiveKey, by: user.role }));

beforeEach(() => {
  requestHeaders.current = new Headers({ "sec-fetch-site": "same-origin", host: "localhost:3000" });
});

describe("action()", () => {
  it("marks the action with its permission", () => {
    expect(actionPermissionOf(erase)).toBe("erasure");
  });

  it("checks session, role and origin in that order", async () => {
    requestHeaders.current = new Headers({ host: "localhost:3000" });
    as(null);
    expect(await erase({ archiveKey: "k" })).toMatchObject({ ok: false, status: 401 });
    as("support");
    expect(await erase({ archiveKey: "k" })).toMatchObject({ ok: false, status: 403, error: { code: "forbidden" } });
    as("compliance");
    // Next lets an action with no Origin header through; this does not.
    expect(await erase({ archiveKey: "k" })).toMatchObject({ ok: false, status: 403, error: { code: "cross-site-request" } });
  });

  it("returns field errors for bad input and runs with good input, from FormData too", async () => {
    as("compliance");
    expect(await erase({ archiveKey: "" })).toMatchObject({ ok: false, status: 400, fieldErrors: { archiveKey: [expect.any(String)] } });
    expect(await erase({ archiveKey: "k" })).toEqual({ ok: true, data: { erased: "k", by: "compliance" } });
    const form = new FormData();
    form.set("archiveKey", "from-form");
    form.set("$ACTION_ID_abc", "");
    expect(await erase(null, form)).toEqual({ ok: true, data: { erased: "from-form", by: "compliance" } });
  });

  it("maps thrown errors to a value, never throwing to the client", async () => {
    as("admin");
    const failing = action("erasure", z.object({}), async () => {
      throw Object.assign(new Error("denied"), { name: "AccessDenied" });
    });
    expect(await failing({})).toMatchObject({ ok: false, status: 403, error: { code: "aws-access-denied" } });
  });
});
