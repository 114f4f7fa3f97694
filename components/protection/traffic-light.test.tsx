import { describe, expect, it, vi } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { ProtectionReport, ServiceProtection } from "@/lib/protection/protection-types";
import { ProtectionTable } from "./protection-views";
import { TrafficLight } from "./traffic-light";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => {} }) }));

/** What a screen reader reads from static markup: the text, without what is hidden from it. */
function spoken(html: string): string {
  return html
    .replace(/<(\w+)[^>]*aria-hidden="true"[^>]*>[\s\S]*?<\/\1>/g, "")
    .replace(/<[^>]+>/g, "")
    .replaceAll("&gt;", ">")
    .replace(/\s+/g, " ")
    .trim();
}

/** What a sighted reader sees: the text, without the visually hidden parts. */
function visible(html: string): string {
  return spoken(html.replace(/<span class="sr-only">[^<]*<\/span>/g, ""));
}

describe("a traffic light speaks its severity", () => {
  it("amber and green with similar summaries sound different", () => {
    const amber = renderToStaticMarkup(<TrafficLight light="amber" label="Enabled, on failure → SQS" />);
    const green = renderToStaticMarkup(<TrafficLight light="green" label="Enabled, on failure → S3" />);
    expect(spoken(amber)).toBe("Needs attention: Enabled, on failure → SQS");
    expect(spoken(green)).toBe("Protected: Enabled, on failure → S3");
    // The severity is hidden text: the light shows only its summary, as before.
    expect(visible(amber)).toBe("Enabled, on failure → SQS");
  });

  it.each([
    ["red", "At risk: Disabled"],
    ["unknown", "Unknown: Could not check"],
  ] as const)("%s says so before its summary", (light, expected) => {
    const label = expected.split(": ")[1];
    expect(spoken(renderToStaticMarkup(<TrafficLight light={light} label={label} />))).toBe(expected);
  });

  it("a light without a summary says its severity once", () => {
    expect(spoken(renderToStaticMarkup(<TrafficLight light="amber" />))).toBe("Needs attention");
    expect(spoken(renderToStaticMarkup(<TrafficLight light="green" label="Protected" />))).toBe("Protected");
  });

  it("the fleet table's links name the check, its severity and its summary", () => {
    const service: ServiceProtection = {
      service: "usr-contact-svc",
      table: "usr-contact",
      status: "amber",
      checks: [
        { id: "dlq", label: "On-failure destination (DLQ)", status: "amber", summary: "Enabled, on failure → SQS", facts: [], findings: [] },
        { id: "pitr", label: "Point-in-time recovery", status: "green", summary: "Enabled", facts: [], findings: [] },
      ],
    };
    const report: ProtectionReport = { generatedAt: "2025-06-01T12:00:00.000Z", status: "amber", thresholds: { pitrCoverageDays: 30, pitrRecoveryPeriodDays: 35, streamRetentionHours: 24, sealLagThresholdDays: 2 }, services: [service] };
    const html = renderToStaticMarkup(<ProtectionTable report={report} canReplayDlq />);
    const names = [...html.matchAll(/aria-label="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&gt;", ">"));
    expect(names).toContain("On-failure destination (DLQ): Needs attention: Enabled, on failure → SQS (open the failed batches)");
    expect(names).toContain("Point-in-time recovery: Protected: Enabled");
  });
});
