import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { MonthCalendar, monthWeeks } from "./month-calendar";

describe("monthWeeks", () => {
  it("starts weeks on Monday and pads with the neighbouring months", () => {
    // 1 January 2024 was a Monday; 1 February 2024 a Thursday (leap year: 29 days).
    expect(monthWeeks(2024, 1)[0]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const feb = monthWeeks(2024, 2);
    expect(feb[0]).toEqual([null, null, null, 1, 2, 3, 4]);
    expect(feb.at(-1)).toEqual([26, 27, 28, 29, null, null, null]);
  });
});

describe("MonthCalendar", () => {
  it("links days that have deletions and labels their counts", () => {
    const html = renderToStaticMarkup(
      <MonthCalendar
        service="unt-svc"
        summary={{
          month: { year: 2024, month: 2 },
          outsideDays: 0,
          days: [{ date: "2024-02-14", day: { year: 2024, month: 2, day: 14 }, objects: 12, records: 12, ttl: 5, manual: 7, legacy: 0, unknown: 0 }],
        }}
      />,
    );
    expect(html).toContain('href="/services/unt-svc/days/2024-02-14"');
    const linkText = /<a [^>]*>(.*?)<\/a>/.exec(html)?.[1]?.replace(/<[^>]+>/g, "").replace(/\s+/g, " ");
    expect(linkText).toBe("14 February 2024,12 deletions,TTL 5,Manual 7");
    expect(html.match(/href=/g)?.length).toBe(1);
    expect(html).toContain('<th scope="col"');
    expect(html).toContain("February 2024");
  });
});
