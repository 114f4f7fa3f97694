import { describe, expect, it } from "vitest";
import { checkSameOrigin, configuredAppOrigin } from "./same-origin";

const headers = (h: Record<string, string>) => new Headers(h);

describe("checkSameOrigin", () => {
  it("accepts Sec-Fetch-Site: same-origin", () => {
    expect(checkSameOrigin(headers({ "sec-fetch-site": "same-origin", host: "localhost:3000" }), null)).toEqual({ ok: true });
  });

  it("refuses cross-site and same-site requests, whatever Origin says", () => {
    const crossSite = checkSameOrigin(headers({ "sec-fetch-site": "cross-site", origin: "https://evil.example", host: "localhost:3000" }), null);
    expect(crossSite).toMatchObject({ ok: false, message: expect.stringContaining("Sec-Fetch-Site: cross-site") });
    expect(checkSameOrigin(headers({ "sec-fetch-site": "same-site", origin: "http://localhost:3000", host: "localhost:3000" }), null).ok).toBe(false);
  });

  it("refuses a request with neither Sec-Fetch-Site nor Origin", () => {
    expect(checkSameOrigin(headers({ host: "localhost:3000" }), null)).toMatchObject({ ok: false, message: expect.stringContaining("no Origin") });
    expect(checkSameOrigin(headers({ host: "localhost:3000", origin: "null" }), null).ok).toBe(false);
  });

  it("accepts a matching Origin without Sec-Fetch-Site (older browsers)", () => {
    expect(checkSameOrigin(headers({ origin: "http://localhost:3000", host: "localhost:3000" }), null)).toEqual({ ok: true });
    expect(checkSameOrigin(headers({ origin: "https://lazarus.example.com", host: "internal:8080" }), "https://lazarus.example.com")).toEqual({ ok: true });
  });

  it("refuses a foreign Origin", () => {
    expect(checkSameOrigin(headers({ origin: "https://evil.example", host: "localhost:3000" }), null).ok).toBe(false);
    expect(checkSameOrigin(headers({ origin: "http://localhost:3000.evil.example", host: "localhost:3000" }), null).ok).toBe(false);
    expect(checkSameOrigin(headers({ origin: "not a url", host: "localhost:3000" }), null).ok).toBe(false);
  });

  it("compares against NEXTAUTH_URL's origin, scheme and port included, when it is set", () => {
    const app = "https://lazarus.example.com";
    expect(checkSameOrigin(headers({ origin: "http://lazarus.example.com", host: "lazarus.example.com" }), app).ok).toBe(false);
    expect(checkSameOrigin(headers({ origin: "https://lazarus.example.com:8443", host: "lazarus.example.com" }), app).ok).toBe(false);
  });
});

describe("configuredAppOrigin", () => {
  it("reads NEXTAUTH_URL's origin, or null", () => {
    expect(configuredAppOrigin({ NEXTAUTH_URL: "https://lazarus.example.com/some/path" })).toBe("https://lazarus.example.com");
    expect(configuredAppOrigin({})).toBeNull();
    expect(configuredAppOrigin({ NEXTAUTH_URL: "  " })).toBeNull();
    expect(configuredAppOrigin({ NEXTAUTH_URL: "ftp://x" })).toBeNull();
  });
});
