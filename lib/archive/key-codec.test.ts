import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeKeyValue, encodeKeyPrefix, encodeKeyValue, isHashedEncoding, MAX_LITERAL_BYTES } from "./key-codec";

const SAFE_NAME = /^[A-Za-z0-9\-.#@=%~]+$/;

describe("key codec", () => {
  it("keeps readable keys readable", () => {
    expect(encodeKeyValue({ S: "USER#123" })).toBe("USER#123");
    expect(encodeKeyValue({ S: "user@example.com" })).toBe("user@example.com");
    expect(encodeKeyValue({ N: "-12.5E+3" })).toBe("-12.5E%2B3");
  });

  it("escapes separators, path characters and dots that would form a segment", () => {
    expect(encodeKeyValue({ S: "a/b_c%d~e" })).toBe("a%2Fb%5Fc%25d%7Ee");
    expect(encodeKeyValue({ S: ".." })).toBe("%2E.");
    expect(encodeKeyValue({ S: "é" })).toBe("%C3%A9");
  });

  it("hashes binary keys and long keys", () => {
    expect(encodeKeyValue({ B: "AAEC" })).toMatch(/^~[0-9a-f]{32}$/);
    const long = encodeKeyValue({ S: "x".repeat(2048) });
    expect(long).toMatch(/^x{150}~[0-9a-f]{32}$/);
    expect(decodeKeyValue(long, "S")).toBeNull();
  });

  it("round-trips any string or number key short enough to show in full (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), (text) => {
        const encoded = encodeKeyValue({ S: text });
        expect(encoded).toMatch(SAFE_NAME);
        expect(encoded.startsWith(".")).toBe(false);
        expect(encoded).not.toContain("_");
        expect(encoded).not.toContain("/");
        expect(encoded.length).toBeLessThanOrEqual(MAX_LITERAL_BYTES);
        if (!isHashedEncoding(encoded)) expect(decodeKeyValue(encoded, "S")).toEqual({ S: text });
      }),
    );
  });

  it("finds every key by any of its prefixes (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 400 }), fc.nat(), (text, cut) => {
        const chars = [...text];
        const prefix = chars.slice(0, cut % (chars.length + 1)).join("");
        const { encoded } = encodeKeyPrefix(prefix);
        expect(encodeKeyValue({ S: text }).startsWith(encoded)).toBe(true);
      }),
    );
  });

  it("gives distinct encodings to distinct keys (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1 }), fc.string({ unit: "binary", minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        expect(encodeKeyValue({ S: a })).not.toBe(encodeKeyValue({ S: b }));
      }),
    );
  });
});
