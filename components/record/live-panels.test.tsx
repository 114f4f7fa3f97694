import { describe, expect, it, vi } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Role } from "@/lib/auth/roles";
import type { ComparePlan } from "../query/api-types";
import { compareQueryOptions } from "../query/archive-queries";
import { LivePanels } from "./live-panels";

// Rendered without Next's app router: after a restore the panel refreshes the page through it.
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => undefined }) }));

const service = "usr-contact-svc";
const archiveKey = "usr-contact-svc/2024/01/15/102959Z_manual_CUST%23123_PROFILE_0123456789abcdef.json";

function render(role: Role, plan: ComparePlan): string {
  const client = new QueryClient();
  client.setQueryData(compareQueryOptions(service, archiveKey).queryKey, plan);
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <LivePanels service={service} archiveKey={archiveKey} keyText="PK = CUST#123, SK = PROFILE" role={role} />
    </QueryClientProvider>,
  );
}

const gone: ComparePlan = { comparison: { status: "gone" }, liveFingerprint: "absent", ttl: null, live: null, table: "usr-contact" };
const changed: ComparePlan = {
  comparison: { status: "changed", changes: [{ kind: "changed", path: ["name"], archived: { S: "Ann" }, live: { S: "Anne" } }] },
  liveFingerprint: "a".repeat(64),
  ttl: null,
  live: { name: { S: "Anne" } },
  table: "usr-contact",
};

describe("LivePanels", () => {
  it("shows the comparison to every role but the restore form only to roles that may restore", () => {
    const viewer = render("viewer", gone);
    expect(viewer).toContain("Gone — nothing live with this key");
    expect(viewer).not.toContain("Restore");
    expect(render("compliance", gone)).not.toContain("Review restore");
    expect(render("support", gone)).toContain("Review restore");
    expect(render("admin", gone)).toContain("Review restore");
  });

  it("offers overwrite only to admins, and only when a live item exists", () => {
    expect(render("admin", changed)).toContain('value="overwrite"');
    expect(render("admin", gone)).not.toContain('value="overwrite"');
    const support = render("support", changed);
    expect(support).not.toContain('value="overwrite"');
    expect(support).toContain("a no-clobber restore will be refused");
    expect(support).toContain("Only an admin can overwrite it.");
  });

  it("offers another target table only to admins", () => {
    expect(render("admin", gone)).toContain("Restore into another table");
    expect(render("support", gone)).not.toContain("Restore into another table");
  });

  it("offers TTL choices when the item has a TTL and warns when it has expired", () => {
    const expired: ComparePlan = { ...gone, ttl: { attribute: "expiresAt", expiresAt: "2024-01-15T10:00:00.000Z", expired: true } };
    const html = render("support", expired);
    expect(html).toContain("This record&#x27;s TTL has expired");
    expect(html).toContain("2024-01-15 10:00:00 UTC");
    expect(html).toContain('value="drop"');
    expect(html).toContain('value="extend"');
    expect(html).toContain('type="datetime-local"');
    // None of the three is chosen before the user chooses.
    expect(html).not.toMatch(/name="restore-ttl"[^>]*checked/);
    expect(render("support", gone)).not.toContain('value="drop"');
  });
});
