"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import clsx from "clsx";
import { backSection, safeBackPath } from "../routing/links";
import { MoreMenu, navLinkClass } from "./more-menu";

export interface NavItem {
  href: string;
  label: string;
  /** Less used pages: behind "More" from md up, in the list like the others on a phone. */
  more?: boolean;
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
  // One less used page alone is not worth a menu.
  const more = items.filter((item) => item.more).length > 1 ? items.filter((item) => item.more) : [];
  return (
    <ul className="flex flex-col gap-1 md:flex-row md:flex-wrap md:items-center md:gap-0.5">
      {items.map((item) => {
        const current = isCurrent(section, item.href);
        return (
          // A page under "More" is in this list too, for the phone's menu, and hidden from md up.
          <li key={item.href} className={clsx(more.includes(item) && "md:hidden")}>
            <Link href={item.href} aria-current={current ? "page" : undefined} className={navLinkClass(current)}>
              {item.label}
            </Link>
          </li>
        );
      })}
      {more.length > 0 ? (
        <li className="hidden md:block">
          <MoreMenu items={more.map((item) => ({ ...item, current: isCurrent(section, item.href) }))} />
        </li>
      ) : null}
    </ul>
  );
}
