import { json, route } from "@/lib/http/route";
import { buildProtectionReport } from "@/lib/protection/protection-report";
import { protectionClients, protectionReportOptions } from "@/lib/protection/protection-clients";

// Per request: the report reflects AWS as it is now (describe answers are cached for 30 s).
export const dynamic = "force-dynamic";

/** The protection health report, for the page and for monitoring (session or monitoring token). Shape: docs/PROTECTION.md. */
export const GET = route({ permission: "archive:read", monitoring: true }, async ({ config }) => {
  return json(await buildProtectionReport(protectionClients(config), config, protectionReportOptions(config)));
});
