"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import clsx from "clsx";
import { backSection, safeBackPath } from "../routing/links";

export interface NavItem {
  href: string;
  label: string;
}

const RECORD_PAGE = /^\/services\/[^/]+\/record$/;

/**
 * The section a page belongs to. A record belongs to where it was opened from (its
 * `back` link: search, a report, the audit log, a day); opened directly, to none.
 */
function currentSection(pathname: string, back: string | undefined): string | undefined {
  if (RECORD_PAGE.test(pathname)) return back ? backSection(back).nav : undefined;
  if (pathname === "/" || pathname.startsWith("/services/")) return "/";
  return pathname;
}

function isCurrent(section: string | undefined, href: string): boolean {
  if (section === undefined) return false;
  if (href === "/") return section === "/";
  return section === href || section.startsWith(`${href}/`);
}

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname() ?? "";
  const section = currentSection(pathname, safeBackPath(useSearchParams()?.get("back")));
  return (
    // Tight enough that an admin's ten links and the signed-in user share one row at 1440 px.
    <ul className="flex flex-col gap-1 md:flex-row md:flex-wrap md:items-center md:gap-0.5">
      {items.map((item) => {
        const current = isCurrent(section, item.href);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? "page" : undefined}
              className={clsx(
                "block rounded px-3 py-1.5 text-sm font-medium md:px-2",
                current ? "bg-slate-700 text-white" : "text-slate-200 hover:bg-slate-800 hover:text-white",
              )}
            >
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
