/**
 * The local identity provider's people. Their groups match the role rules in
 * lazarus.config.json (`lazarus-viewers` … `lazarus-admins`), and arrive both as
 * `groups` (Okta, Entra ID) and as `cognito:groups` (Cognito), so one provider serves
 * either `auth.groupsClaim`. Any password signs in: this provider is for the demo and
 * the tests only.
 */

export interface LocalIdpUser {
  /** The login typed on the provider's page, and the ID token's `sub`. */
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
}

export const LOCAL_IDP_USERS: readonly LocalIdpUser[] = [
  { id: "vera", email: "vera@example.test", emailVerified: true, name: "Vera Viewer", groups: ["lazarus-viewers"] },
  { id: "sam", email: "sam@example.test", emailVerified: true, name: "Sam Support", groups: ["lazarus-support"] },
  { id: "cora", email: "cora@example.test", emailVerified: true, name: "Cora Compliance", groups: ["lazarus-compliance"] },
  { id: "ada", email: "ada@example.test", emailVerified: true, name: "Ada Admin", groups: ["lazarus-admins"] },
  { id: "max", email: "max@example.test", emailVerified: true, name: "Max Many-Groups", groups: ["lazarus-viewers", "lazarus-admins", "lazarus-support"] },
  { id: "ned", email: "ned@example.test", emailVerified: true, name: "Ned Nogroup", groups: ["marketing"] },
  { id: "hal", email: "helpdesk@example.test", emailVerified: true, name: "Hal Helpdesk", groups: [] },
  { id: "uma", email: "auditor@example.test", emailVerified: false, name: "Uma Unverified", groups: [] },
  { id: "mo", email: "mo@example.test", emailVerified: true, name: "Mo Mover", groups: ["lazarus-viewers"] },
];

/** The role each group-holding user should get under lazarus.config.json's rules. */
export const LOCAL_IDP_ROLE_BY_USER: Readonly<Record<string, string>> = {
  vera: "viewer",
  sam: "support",
  cora: "compliance",
  ada: "admin",
};
