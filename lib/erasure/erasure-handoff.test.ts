import { describe, expect, it } from "vitest";
import { erasureHandoffHref, handedOverKeys, MAX_HANDED_OVER_KEYS } from "./erasure-request";

describe("keys handed from content search to erasure", () => {
  it("carries every distinct key in the URL and reads them back, unicode and # included", () => {
    const keys = ["CONTACT#c-1001", "CONTACT#ünï & co", "CONTACT#c-1002"];
    const href = erasureHandoffHref(keys);
    const back = new URL(href, "http://localhost").searchParams.getAll("key");
    expect(handedOverKeys(back)).toEqual(keys);
    expect(handedOverKeys("CONTACT#c-1")).toEqual(["CONTACT#c-1"]);
  });

  it("keeps at most the limit, drops repeats and keys the form would refuse", () => {
    const many = Array.from({ length: MAX_HANDED_OVER_KEYS + 5 }, (_, i) => `K#${i}`);
    expect(new URL(erasureHandoffHref(many), "http://localhost").searchParams.getAll("key")).toHaveLength(MAX_HANDED_OVER_KEYS);
    expect(handedOverKeys(["a", "a", "", "x".repeat(3000), "b"])).toEqual(["a", "b"]);
    expect(handedOverKeys(undefined)).toEqual([]);
  });
});
