import { describe, expect, it } from "vitest";
import { toPlainJson } from "./plain-json";

describe("plain JSON view of an item", () => {
  it("drops the type tags and keeps 38-digit numbers exact", () => {
    const text = toPlainJson(
      {
        PK: { S: "CONTACT#c-1001" },
        balance: { N: "12345678901234567890123456789012345678" },
        ratio: { N: "0.10" },
        tags: { SS: ["a", "b"] },
        scores: { NS: ["1", "99999999999999999999999999999999999999"] },
        avatar: { B: "AAEC/w==" },
        address: { M: { city: { S: "Aarhus" }, lines: { L: [{ S: "x" }, { NULL: true }, { BOOL: false }] } } },
      },
      0,
    );
    expect(text).toBe(
      '{"PK":"CONTACT#c-1001","balance":12345678901234567890123456789012345678,"ratio":0.10,"tags":["a","b"],"scores":[1,99999999999999999999999999999999999999],"avatar":"AAEC/w==","address":{"city":"Aarhus","lines":["x",null,false]}}',
    );
  });

  it("leaves a string that looks like a marker alone", () => {
    expect(toPlainJson({ s: { S: "n:12" } }, 0)).toBe('{"s":"n:12"}');
  });
});
