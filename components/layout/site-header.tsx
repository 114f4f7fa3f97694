import Link from "next/link";
import { UserRound } from "lucide-react";
import { can, ROLE_LABELS, type SessionUser } from "@/lib/auth/roles";
import { HeaderMenu } from "./header-menu";
import { NavLinks, type NavItem } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

export function SiteHeader({ user }: { user: SessionUser | null }) {
  // The pages most roles open daily come first; the rest go behind "More" on a desktop.
  const items: NavItem[] = [
    { href: "/", label: "Overview" },
    { href: "/search", label: "Search" },
    { href: "/protection", label: "Protection" },
    ...(can(user?.role, "report:export") ? [{ href: "/reports", label: "Reports" }] : []),
    ...(can(user?.role, "incidents") ? [{ href: "/incidents", label: "Incidents", more: true }] : []),
    ...(can(user?.role, "audit:read") ? [{ href: "/audit", label: "Audit" }] : []),
    ...(can(user?.role, "erasure") ? [{ href: "/erasure", label: "Erasure" }] : []),
    ...(can(user?.role, "bulk-restore") ? [{ href: "/bulk-restore", label: "Bulk restore" }] : []),
    ...(can(user?.role, "pitr") ? [{ href: "/pitr", label: "Point-in-time", more: true }] : []),
    ...(can(user?.role, "dlq") ? [{ href: "/dlq", label: "DLQ", more: true }] : []),
    ...(can(user?.role, "approvals") ? [{ href: "/approvals", label: "Approvals" }] : []),
    ...(can(user?.role, "drills") ? [{ href: "/drills", label: "Drills", more: true }] : []),
  ];
  return (
    <header data-surface="dark" className="border-b border-slate-800 bg-slate-900 text-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="text-lg font-semibold tracking-tight">
          Lazarus
        </Link>
        {user ? (
          <HeaderMenu>
            <nav aria-label="Main" className="md:flex-1">
              <NavLinks items={items} />
            </nav>
            <div className="flex flex-wrap items-center gap-3 text-sm">
              <span className="flex min-w-0 items-center gap-1.5">
                <UserRound aria-hidden="true" className="size-4" />
                <span className="flex min-w-0 flex-col leading-tight break-all">
                  <span>{user.name || user.email}</span>
                  {user.name && user.name !== user.email ? <span className="text-xs text-slate-300">{user.email}</span> : null}
                </span>
                <span className="rounded bg-slate-700 px-1.5 py-0.5 text-xs font-medium">
                  <span className="sr-only">role: </span>
                  {ROLE_LABELS[user.role]}
                </span>
              </span>
              <SignOutButton />
            </div>
          </HeaderMenu>
        ) : null}
      </div>
    </header>
  );
}
