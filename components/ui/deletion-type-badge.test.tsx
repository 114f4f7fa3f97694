import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { DeletionTypeBadge } from "./deletion-type-badge";
import { OutcomeBadge } from "../audit/audit-table";

function text(html: string): string {
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

describe("badges carry their meaning in text", () => {
  it("names the deletion type", () => {
    expect(text(renderToStaticMarkup(<DeletionTypeBadge type="ttl" />))).toBe("TTL");
    expect(text(renderToStaticMarkup(<DeletionTypeBadge type="manual" />))).toBe("Manual");
    expect(text(renderToStaticMarkup(<DeletionTypeBadge type={null} />))).toBe("Unknown");
  });

  it("hides the icon from assistive technology and explains on hover", () => {
    const html = renderToStaticMarkup(<DeletionTypeBadge type="ttl" />);
    expect(html).toContain('aria-hidden="true"');
    expect(html).toContain("title=\"Expired by DynamoDB&#x27;s time to live\"");
  });

  it("names audit outcomes", () => {
    expect(text(renderToStaticMarkup(<OutcomeBadge outcome="refused" />))).toBe("Refused");
    expect(text(renderToStaticMarkup(<OutcomeBadge outcome="succeeded" />))).toBe("Succeeded");
  });
});
