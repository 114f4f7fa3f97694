import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { Role } from "@/lib/auth/roles";
import { SiteHeader } from "./site-header";

function header(role: Role): string {
  return renderToStaticMarkup(<SiteHeader user={{ id: "u1", email: `${role}@demo.lazarus`, name: `Demo ${role}`, role }} />);
}

describe("SiteHeader", () => {
  it("shows the user, their role and a sign-out button", () => {
    const html = header("support");
    expect(html).toContain("Demo support");
    expect(html).toContain("support@demo.lazarus");
    expect(html).toMatch(/role: <\/span>Support/);
    expect(html).toMatch(/<button type="button"[^>]*>.*Sign out<\/button>/);
  });

  it("links the audit log only for roles that may read it", () => {
    expect(header("viewer")).not.toContain('href="/audit"');
    expect(header("support")).not.toContain('href="/audit"');
    expect(header("compliance")).toContain('href="/audit"');
    expect(header("admin")).toContain('href="/audit"');
  });

  it("links the approvals only for roles that can ask for or approve an action under approval", () => {
    expect(header("viewer")).not.toContain('href="/approvals"');
    expect(header("support")).not.toContain('href="/approvals"');
    expect(header("compliance")).toContain('href="/approvals"');
    expect(header("admin")).toContain('href="/approvals"');
  });

  it("puts an admin's less used pages behind a closed More button, and keeps them in the phone's list", () => {
    const html = header("admin");
    expect(html).toMatch(/<button type="button" aria-expanded="false" aria-controls="[^"]+"[^>]*>More/);
    // Each of them twice: in the list the phone's menu shows (hidden from md up) and under More.
    for (const href of ["/incidents", "/pitr", "/dlq", "/drills"]) expect(html.split(`href="${href}"`)).toHaveLength(3);
    expect(html.split('href="/bulk-restore"')).toHaveLength(2);
  });

  it("gives a role with one less used page or none no More button", () => {
    expect(header("viewer")).not.toContain(">More");
    expect(header("support")).not.toContain(">More");
  });

  it("shows no navigation when signed out", () => {
    const html = renderToStaticMarkup(<SiteHeader user={null} />);
    expect(html).toContain("Lazarus");
    expect(html).not.toContain("<nav");
  });
});
