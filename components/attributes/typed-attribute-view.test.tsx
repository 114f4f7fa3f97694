import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { AttributeMap } from "@/lib/archive/attribute-value";
import { TypedAttributeView } from "./typed-attribute-view";
import { base64ByteLength, summarizeAttribute } from "./attribute-format";

function render(item: AttributeMap, keyNames?: string[]): string {
  return renderToStaticMarkup(<TypedAttributeView item={item} {...(keyNames ? { keyNames } : {})} />);
}

/** The text a reader sees, tags stripped and entities decoded. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

describe("TypedAttributeView", () => {
  it("shows a 38-digit number exactly as archived, with its type", () => {
    const big = "12345678901234567890123456789012345678";
    const html = render({ balance: { N: big }, tiny: { N: "-0.000000000000000000000000000000000000001" } });
    expect(html).toContain(big);
    expect(html).toContain("-0.000000000000000000000000000000000000001");
    expect(html).toMatch(/<abbr title="Number"[^>]*>N<\/abbr>/);
    // Number(big) would print 1.2345678901234568e+37.
    expect(html).not.toContain("e+37");
  });

  it("shows strings exactly, including markup-like text, and marks an empty one", () => {
    const html = render({ note: { S: '<b>bold</b> & "quoted"  two spaces' }, empty: { S: "" } });
    expect(html).not.toContain("<b>bold</b>");
    expect(text(html)).toContain('<b>bold</b> & "quoted" two spaces');
    expect(html).toContain("empty string");
  });

  it("shows binary as base64 with its byte count", () => {
    const html = render({ avatar: { B: "AAEC/w==" }, blob: { B: "aGVsbG8gd29ybGQ=" } });
    expect(html).toContain("AAEC/w==");
    expect(text(html)).toContain("(4 bytes, base64)");
    expect(text(html)).toContain("(11 bytes, base64)");
    expect(html).toMatch(/title="Binary"[^>]*>B<\/abbr>/);
  });

  it("lists the members of string, number and binary sets", () => {
    const html = render({
      tags: { SS: ["red", "green"] },
      scores: { NS: ["1", "99999999999999999999999999999999999999"] },
      keys: { BS: ["AQ==", "AgM="] },
    });
    const t = text(html);
    expect(t).toContain("SS tags red green");
    expect(t).toContain("NS scores 1 99999999999999999999999999999999999999");
    expect(t).toContain("AQ== (1 byte)");
    expect(t).toContain("AgM= (2 bytes)");
    expect(html.match(/<li>/g)?.length).toBe(6);
  });

  it("nests maps and lists in collapsible sections with their own types", () => {
    const html = render({
      address: { M: { city: { S: "Lyon" }, geo: { M: { lat: { N: "45.764043" } } } } },
      history: { L: [{ S: "created" }, { N: "3" }, { L: [] }] },
    });
    expect(html).toContain("<details open");
    expect(html).toContain("<summary");
    const t = text(html);
    expect(t).toContain("M address 2 attributes");
    expect(t).toContain("S city Lyon");
    expect(t).toContain("N lat 45.764043");
    expect(t).toContain("L history 3 items [0] S created [1] N 3 [2] L 0 items");
  });

  it("shows BOOL and NULL", () => {
    const t = text(render({ active: { BOOL: false }, deletedBy: { NULL: true } }));
    expect(t).toContain("BOOL active false");
    expect(t).toContain("NULL deletedBy null");
  });

  it("puts key attributes first and marks them", () => {
    const t = text(render({ zeta: { S: "z" }, SK: { S: "PROFILE" }, alpha: { S: "a" }, PK: { S: "CUST#1" } }, ["PK", "SK"]));
    expect(t).toBe("S PK key CUST#1 S SK key PROFILE S alpha a S zeta z");
  });

  it("keeps an attribute named __proto__", () => {
    const item = JSON.parse('{"__proto__": {"S": "still here"}}') as AttributeMap;
    expect(text(render(item))).toContain("S __proto__ still here");
  });
});

describe("attribute formatting", () => {
  it("computes base64 byte lengths without decoding", () => {
    expect(base64ByteLength("")).toBe(0);
    expect(base64ByteLength("AA==")).toBe(1);
    expect(base64ByteLength("AAA=")).toBe(2);
    expect(base64ByteLength("AAAA")).toBe(3);
  });

  it("summarises values on one line", () => {
    expect(summarizeAttribute({ N: "12345678901234567890123456789012345678" })).toBe("12345678901234567890123456789012345678");
    expect(summarizeAttribute({ SS: ["a", "b"] })).toBe('["a", "b"]');
    expect(summarizeAttribute({ M: { a: { NULL: true } } })).toBe("1 attribute");
  });
});
