import { describe, expect, it } from "vitest";
import { can, forbiddenMessage, highestRole, PERMISSIONS, ROLES, rolesWith, type Permission, type Role } from "./roles";

/** The table from DESIGN.md, written out so a change to the grants is a deliberate change here too. */
const EXPECTED: Record<Permission, Role[]> = {
  "archive:read": ["viewer", "support", "compliance", "admin"],
  "glacier:retrieve": ["support", "compliance", "admin"],
  "record:restore": ["support", "admin"],
  "record:restore-overwrite": ["admin"],
  "record:restore-other-table": ["admin"],
  "audit:read": ["compliance", "admin"],
  "report:export": ["compliance", "admin"],
  erasure: ["compliance", "admin"],
  "bulk-restore": ["admin"],
  pitr: ["admin"],
  dlq: ["admin"],
  "protection:change": ["admin"],
  approvals: ["compliance", "admin"],
  incidents: ["compliance", "admin"],
  drills: ["compliance", "admin"],
  "drills:run": ["admin"],
};

describe("roles", () => {
  it("lists every permission in the expected table", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PERMISSIONS].sort());
  });

  for (const permission of PERMISSIONS) {
    for (const role of ROLES) {
      const allowed = EXPECTED[permission].includes(role);
      it(`${role} ${allowed ? "can" : "cannot"} ${permission}`, () => {
        expect(can(role, permission)).toBe(allowed);
      });
    }
  }

  it("gives nothing to a missing or unknown role", () => {
    for (const permission of PERMISSIONS) {
      expect(can(null, permission)).toBe(false);
      expect(can(undefined, permission)).toBe(false);
      expect(can("root" as Role, permission)).toBe(false);
      expect(can("__proto__" as Role, permission)).toBe(false);
    }
  });

  it("ranks roles for role mapping: the highest wins", () => {
    expect(highestRole(["support", "viewer"])).toBe("support");
    expect(highestRole(["viewer", "admin", "compliance"])).toBe("admin");
    expect(highestRole([])).toBeNull();
  });

  it("says who can when a role cannot", () => {
    expect(rolesWith("audit:read")).toEqual(["compliance", "admin"]);
    expect(forbiddenMessage("viewer", "record:restore")).toBe("Your role (viewer) cannot restore records; that needs support or admin.");
  });
});
