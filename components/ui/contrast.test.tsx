import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { wcagContrast } from "culori";

/**
 * The colours chosen for contrast in app/globals.css, measured with the WCAG 2.1 formula
 * against the surfaces they are used on (Tailwind's own palette, as shipped): a lighter
 * focus ring or fainter chart text fails here before anyone squints at it.
 */

function customProperties(css: string): Map<string, string> {
  return new Map([...css.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

const ours = customProperties(readFileSync(new URL("../../app/globals.css", import.meta.url), "utf8"));
const tailwind = customProperties(readFileSync(createRequire(import.meta.url).resolve("tailwindcss/theme.css"), "utf8"));

function colour(name: string): string {
  const value = ours.get(`color-${name}`) ?? tailwind.get(`color-${name}`);
  if (!value) throw new Error(`no colour --color-${name} in app/globals.css or Tailwind's theme`);
  return value;
}

const FOCUS_INDICATOR = 3;
const TEXT = 4.5;

const pairs: { what: string; foreground: string; background: string; minimum: number }[] = [
  { what: "focus outline on a white card", foreground: "focus", background: "white", minimum: FOCUS_INDICATOR },
  { what: "focus outline on the page", foreground: "focus", background: "slate-50", minimum: FOCUS_INDICATOR },
  // The PITR form's fields use the page's focus outline, not a ring of their own.
  { what: "focus outline on a form field's surroundings", foreground: "focus", background: "slate-100", minimum: FOCUS_INDICATOR },
  { what: "focus outline on the dark header", foreground: "focus-on-dark", background: "slate-900", minimum: FOCUS_INDICATOR },
  { what: "focus outline beside the header's current link", foreground: "focus-on-dark", background: "slate-700", minimum: FOCUS_INDICATOR },
  { what: "chart legend text (12 px)", foreground: "chart-text", background: "white", minimum: TEXT },
];

describe("contrast of the colours chosen for it", () => {
  it.each(pairs)("$what is at least $minimum:1", ({ foreground, background, minimum }) => {
    expect(wcagContrast(colour(foreground), colour(background))).toBeGreaterThanOrEqual(minimum);
  });

  it("measures as WCAG does", () => {
    expect(wcagContrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    // The TTL legend before: amber-600 text on white, 3.19:1.
    expect(wcagContrast(colour("amber-600"), colour("white"))).toBeLessThan(TEXT);
  });
});
