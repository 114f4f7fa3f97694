import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { compareItems, type DiffChange } from "@/lib/diff/item-diff";
import { ComparisonSummary, DiffTable, formatDiffPath } from "./diff-table";

function text(html: string): string {
  return html.replace(/<[^>]+>/g, " ").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}

describe("DiffTable", () => {
  const changes: DiffChange[] = [
    { kind: "added", path: ["nickname"], live: { S: "Jo" } },
    { kind: "removed", path: ["address", "zip"], archived: { S: "69001" } },
    { kind: "changed", path: ["tags", 2], archived: { S: "gold" }, live: { N: "12345678901234567890123456789012345678" } },
  ];

  it("joins nested paths with dots, list indexes included", () => {
    expect(formatDiffPath(["address", "city"])).toBe("address.city");
    expect(formatDiffPath(["tags", 2, "name"])).toBe("tags.2.name");
  });

  it("renders one row per change with a text label for its kind, not colour alone", () => {
    const html = renderToStaticMarkup(<DiffTable changes={changes} />);
    expect(html.match(/<tr/g)?.length).toBe(4);
    expect(html).toContain('<th scope="col"');
    expect(html).toContain('<th scope="row"');
    const t = text(html);
    expect(t).toContain("nickname Added absent S Jo");
    expect(t).toContain("address.zip Removed S 69001 absent");
    expect(t).toContain("tags.2 Changed S gold N 12345678901234567890123456789012345678");
    expect(t).toContain("3 differences");
    expect(html).toContain("bg-emerald-50");
    expect(html).toContain("bg-rose-50");
    expect(html).toContain("bg-amber-50");
  });

  it("also lists each change as a card for phones, archived above live, so the live value is never cut off", () => {
    const html = renderToStaticMarkup(<DiffTable changes={changes} />);
    const list = /<ul[^>]*md:hidden[^>]*>(.*)<\/ul>/s.exec(html)?.[1] ?? "";
    expect(list.match(/<li/g)?.length).toBe(3);
    expect(text(list)).toContain("tags.2 Changed Archived S gold Live N 12345678901234567890123456789012345678");
    expect(text(list)).toContain("nickname Added Archived absent Live S Jo");
  });

  it("says which of the three outcomes a comparison has", () => {
    const archived = { PK: { S: "A" }, name: { S: "Ann" } };
    expect(text(renderToStaticMarkup(<ComparisonSummary comparison={compareItems(archived, null)} />))).toBe("Gone — nothing live with this key");
    expect(text(renderToStaticMarkup(<ComparisonSummary comparison={compareItems(archived, { ...archived })} />))).toBe("Identical to the live item");
    const changed = text(renderToStaticMarkup(<ComparisonSummary comparison={compareItems(archived, { PK: { S: "A" }, name: { S: "Anne" } })} />));
    expect(changed).toContain("Changed — the live item differs in 1 attribute");
    expect(changed).toContain("name Changed S Ann S Anne");
  });

  it("shows a nested map change at its full path", () => {
    const comparison = compareItems(
      { PK: { S: "A" }, address: { M: { city: { S: "Lyon" } } } },
      { PK: { S: "A" }, address: { M: { city: { S: "Paris" } } } },
    );
    expect(text(renderToStaticMarkup(<ComparisonSummary comparison={comparison} />))).toContain("address.city Changed S Lyon S Paris");
  });
});
