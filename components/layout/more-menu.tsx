"use client";

import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { ChevronDown } from "lucide-react";
import clsx from "clsx";

export function navLinkClass(current: boolean): string {
  return clsx(
    "block rounded px-3 py-1.5 text-sm font-medium md:px-2",
    current ? "bg-slate-700 text-white" : "text-slate-200 hover:bg-slate-800 hover:text-white",
  );
}

/**
 * The less used pages behind one button, so that every role's links and the signed-in
 * user fit one row at 1440 px. A disclosure, not an ARIA menu: Tab moves through its links as through
 * the rest of the navigation. Escape closes it and gives focus back to the button;
 * so do a click elsewhere and Tab past its last link (without taking focus back).
 */
export function MoreMenu({ items }: { items: { href: string; label: string; current: boolean }[] }) {
  const pathname = usePathname();
  const id = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  // Open on the page it was opened on: following one of its links lands with it closed.
  const [openOn, setOpenOn] = useState<{ pathname: string | null } | null>(null);
  const open = openOn?.pathname === pathname;
  const holdsCurrent = items.some((item) => item.current);

  useEffect(() => {
    if (!open) return;
    const closeOutside = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpenOn(null);
    };
    document.addEventListener("pointerdown", closeOutside);
    return () => document.removeEventListener("pointerdown", closeOutside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !open) return;
    event.preventDefault();
    setOpenOn(null);
    buttonRef.current?.focus();
  };

  return (
    <div
      ref={rootRef}
      className="relative"
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        if (open && event.relatedTarget instanceof Node && !event.currentTarget.contains(event.relatedTarget)) setOpenOn(null);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpenOn(open ? null : { pathname })}
        className={clsx(navLinkClass(holdsCurrent), "flex items-center gap-1")}
      >
        More
        <ChevronDown aria-hidden="true" className={clsx("size-4 transition-transform", open && "rotate-180")} />
      </button>
      <ul id={id} hidden={!open} className="absolute right-0 z-20 mt-1 min-w-44 space-y-0.5 rounded-md bg-slate-900 p-1 shadow-lg ring-1 ring-slate-600">
        {items.map((item) => (
          <li key={item.href}>
            <Link href={item.href} aria-current={item.current ? "page" : undefined} className={clsx(navLinkClass(item.current), "whitespace-nowrap")}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
