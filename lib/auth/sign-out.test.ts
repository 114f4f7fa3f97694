import { describe, expect, it, vi } from "vitest";
import { endSessionEndpoint, providerSignOutUrl, sessionCookieNames } from "./sign-out";

vi.mock("server-only", () => ({}));

describe("providerSignOutUrl", () => {
  it("names the session by its ID token and returns the browser to the sign-in page", () => {
    const url = new URL(providerSignOutUrl("https://idp.example.com/oauth2/v1/logout?x=1", { idToken: "a.b.c", clientId: "lazarus", appOrigin: "https://lazarus.example.com" }));
    expect(url.origin + url.pathname).toBe("https://idp.example.com/oauth2/v1/logout");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: "1",
      id_token_hint: "a.b.c",
      client_id: "lazarus",
      post_logout_redirect_uri: "https://lazarus.example.com/signin",
    });
  });
});

describe("endSessionEndpoint", () => {
  it("reads it from the discovery document, once per issuer", async () => {
    const fetcher = vi.fn(async () => Response.json({ issuer: "https://a.example", end_session_endpoint: "https://a.example/logout" }));
    expect(await endSessionEndpoint("https://a.example", fetcher as never)).toBe("https://a.example/logout");
    expect(await endSessionEndpoint("https://a.example", fetcher as never)).toBe("https://a.example/logout");
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher).toHaveBeenCalledWith("https://a.example/.well-known/openid-configuration", expect.anything());
  });

  it("is null for a provider without one (Cognito, Google), and asks again after a failure", async () => {
    const none = vi.fn(async () => Response.json({ issuer: "https://b.example" }));
    expect(await endSessionEndpoint("https://b.example", none as never)).toBeNull();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failing = vi.fn(async () => new Response("down", { status: 503 }));
    expect(await endSessionEndpoint("https://c.example", failing as never)).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("discovery answered 503"));
    const back = vi.fn(async () => Response.json({ end_session_endpoint: "https://c.example/logout" }));
    expect(await endSessionEndpoint("https://c.example", back as never)).toBe("https://c.example/logout");
    warn.mockRestore();
  });
});

describe("sessionCookieNames", () => {
  it("finds the session cookie and its chunks, and nothing else", () => {
    const present = ["next-auth.session-token.0", "next-auth.session-token.1", "next-auth.csrf-token", "other", "next-auth.session-token"];
    expect(sessionCookieNames(present, false)).toEqual(["next-auth.session-token.0", "next-auth.session-token.1", "next-auth.session-token"]);
    expect(sessionCookieNames(["__Host-next-auth.session-token", "next-auth.session-token"], true)).toEqual(["__Host-next-auth.session-token"]);
  });
});
