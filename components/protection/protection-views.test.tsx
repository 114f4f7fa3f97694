import { describe, expect, it, vi } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { ProtectionReport, ServiceProtection } from "@/lib/protection/protection-types";
import { ProtectionTable, ServiceProtectionDetail } from "./protection-views";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => {} }) }));

const service: ServiceProtection = {
  service: "usr-contact-svc",
  table: "usr-contact",
  status: "red",
  checks: [
    {
      id: "pitr",
      label: "Point-in-time recovery",
      status: "red",
      summary: "Disabled",
      facts: [{ label: "Status", value: "DISABLED" }],
      findings: [
        {
          severity: "red",
          why: "Without point-in-time recovery …",
          fix: "Enable point-in-time recovery on the table.",
          command: "aws dynamodb update-continuous-backups --table-name usr-contact --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
          consoleFix: "enable-pitr",
        },
      ],
    },
    { id: "alarms", label: "Alarms", status: "unknown", summary: "Could not check", facts: [], findings: [], error: "AWS is throttling" },
  ],
};

describe("protection views", () => {
  it("the table shows a worded light per service and check", () => {
    const report: ProtectionReport = { generatedAt: "2025-06-01T12:00:00.000Z", status: "red", thresholds: { pitrCoverageDays: 30, pitrRecoveryPeriodDays: 35, streamRetentionHours: 24, sealLagThresholdDays: 2 }, services: [service] };
    const html = renderToStaticMarkup(<ProtectionTable report={report} />);
    expect(html).toContain('href="/protection/usr-contact-svc"');
    expect(html).toContain("At risk");
    expect(html).toContain("Disabled");
  });
  it("the detail shows why, the command, and the fix button only to those who can fix", () => {
    const admin = renderToStaticMarkup(<ServiceProtectionDetail service={service} canFix />);
    expect(admin).toContain("PointInTimeRecoveryEnabled=true");
    expect(admin).toContain("Enable point-in-time recovery</button>");
    expect(admin).toContain("Could not check: AWS is throttling");
    const viewer = renderToStaticMarkup(<ServiceProtectionDetail service={service} canFix={false} />);
    expect(viewer).toContain("Copy command");
    expect(viewer).not.toContain("Enable point-in-time recovery</button>");
  });
});
