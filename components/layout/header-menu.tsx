"use client";

import { useState, type ReactNode } from "react";
import { usePathname } from "next/navigation";
import { Menu, X } from "lucide-react";
import clsx from "clsx";

/**
 * Below the md breakpoint the navigation and the signed-in user fold behind one
 * button, so the header stays one line on a phone; from md up they are always shown.
 */
export function HeaderMenu({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  // Open on the page it was opened on: a link followed from the menu lands with it closed.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  return (
    <>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="site-menu"
        onClick={() => setOpenOn(open ? null : pathname)}
        className="ml-auto inline-flex items-center gap-1.5 rounded px-2 py-1 text-sm font-medium text-slate-100 ring-1 ring-slate-600 hover:bg-slate-800 md:hidden"
      >
        {open ? <X aria-hidden="true" className="size-4" /> : <Menu aria-hidden="true" className="size-4" />}
        Menu
      </button>
      <div
        id="site-menu"
        className={clsx(
          "w-full flex-col gap-3 pb-1 md:flex md:w-auto md:flex-1 md:flex-row md:flex-wrap md:items-center md:gap-x-6 md:pb-0",
          open ? "flex" : "hidden",
        )}
      >
        {children}
      </div>
    </>
  );
}
