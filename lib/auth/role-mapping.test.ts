import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import { groupsFromClaims, mapRole, verifiedEmailFromClaims } from "./role-mapping";

const base = {
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
  ],
};

function authConfig(auth: unknown) {
  return parseConfig({ ...base, auth }).auth;
}

const auth = authConfig({
  roles: {
    viewer: { groups: ["lazarus-viewers"] },
    support: { groups: ["lazarus-support"], emails: ["Helpdesk@Example.com"] },
    compliance: { groups: ["lazarus-compliance"] },
    admin: { groups: ["lazarus-admins"], emails: ["root@example.com"] },
  },
});

describe("mapRole", () => {
  it("maps a group in the groups claim to its role", () => {
    expect(mapRole({ sub: "1", groups: ["other", "lazarus-support"] }, auth).role).toBe("support");
  });

  it("gives the highest role when several match", () => {
    expect(mapRole({ sub: "1", groups: ["lazarus-viewers", "lazarus-admins", "lazarus-support"] }, auth).role).toBe("admin");
    expect(mapRole({ sub: "1", groups: ["lazarus-viewers"], email: "root@example.com", email_verified: true }, auth).role).toBe("admin");
  });

  it("maps by email, case-insensitively, unless the IdP says the email is unverified", () => {
    expect(mapRole({ sub: "1", email: "helpdesk@EXAMPLE.com" }, auth).role).toBe("support");
    expect(mapRole({ sub: "1", email: "helpdesk@example.com", email_verified: false }, auth).role).toBeNull();
    expect(mapRole({ sub: "1", email: "helpdesk@example.com", email_verified: "false" }, auth).role).toBeNull();
    expect(mapRole({ sub: "1", email: "helpdesk@example.com", email_verified: "true" }, auth).role).toBe("support");
  });

  it("gives no role (not viewer) to a user who matches nothing", () => {
    expect(mapRole({ sub: "1", groups: ["marketing"], email: "someone@example.com" }, auth).role).toBeNull();
    expect(mapRole({ sub: "1" }, auth).role).toBeNull();
    expect(mapRole(undefined, auth).role).toBeNull();
  });

  it("reads the groups from the configured claim (Cognito's cognito:groups)", () => {
    const cognito = authConfig({ groupsClaim: "cognito:groups", roles: { compliance: { groups: ["auditors"] } } });
    expect(mapRole({ sub: "1", "cognito:groups": ["auditors"] }, cognito).role).toBe("compliance");
    expect(mapRole({ sub: "1", groups: ["auditors"] }, cognito).role).toBeNull();
  });

  it("defaults: groups claim, 8-hour sessions, no rules", () => {
    const defaults = authConfig(undefined);
    expect(defaults).toEqual({ sessionHours: 8, groupsClaim: "groups", roles: {}, endProviderSession: false });
    expect(mapRole({ sub: "1", groups: ["lazarus-admins"] }, defaults).role).toBeNull();
  });

  it("refuses config that is not a role mapping", () => {
    expect(() => authConfig({ roles: { superuser: { groups: ["x"] } } })).toThrow(/auth\.roles/);
    expect(() => authConfig({ roles: { admin: { emails: ["not-an-email"] } } })).toThrow(/auth\.roles\.admin\.emails\[0\]: must be an email address/);
    expect(() => authConfig({ sessionHours: 720 })).toThrow(/auth\.sessionHours/);
  });
});

describe("claims", () => {
  it("accepts groups as an array or a single string, ignoring anything else", () => {
    expect(groupsFromClaims({ groups: ["a", 1, "", "b"] }, "groups")).toEqual(["a", "b"]);
    expect(groupsFromClaims({ groups: "a" }, "groups")).toEqual(["a"]);
    expect(groupsFromClaims({ groups: { a: true } }, "groups")).toEqual([]);
  });

  it("reads a usable email only", () => {
    expect(verifiedEmailFromClaims({ email: " Ada@Example.com " })).toBe("ada@example.com");
    expect(verifiedEmailFromClaims({ email: "no-at-sign" })).toBeNull();
    expect(verifiedEmailFromClaims({ email: 42 })).toBeNull();
  });
});
