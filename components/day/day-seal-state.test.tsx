import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { DaySealStateView } from "./day-seal-state";

describe("a day's seal state", () => {
  it("a sealed day says when, from the manifest's sealed-at, and how many records are in bundles", () => {
    const html = renderToStaticMarkup(<DaySealStateView state={{ state: "sealed", sealedAt: "2026-12-06T10:12:03.456Z", records: 1234 }} />);
    expect(html).toContain('aria-label="Storage of this day"');
    expect(html).toContain(">Sealed<");
    expect(html).toContain("on 2026-12-06 10:12:03 UTC: 1,234 records in gzip bundles");
  });

  it("an open day says from when it will be sealed, or that it is due", () => {
    const waiting = renderToStaticMarkup(<DaySealStateView state={{ state: "open", sealableFrom: "2026-12-08T00:00:00.000Z", isDue: false }} />);
    expect(waiting).toContain(">Open<");
    expect(waiting).toContain("until the day is sealed, from 2026-12-08 00:00:00 UTC");
    const due = renderToStaticMarkup(<DaySealStateView state={{ state: "open", sealableFrom: "2026-11-01T00:00:00.000Z", isDue: true }} />);
    expect(due).toContain("the next sealing run bundles them");
    expect(due).not.toContain(">Sealed<");
  });

  it("a damaged manifest is named, not shown as open", () => {
    const html = renderToStaticMarkup(<DaySealStateView state={{ state: "unreadable", problem: "the manifest of usr-contact-svc on 2026-11-02 is not valid JSON" }} />);
    expect(html).toContain("Seal state unknown");
    expect(html).toContain("is not valid JSON");
    expect(html).not.toContain(">Open<");
  });
});
