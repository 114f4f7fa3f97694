import type { ReactNode } from "react";
import clsx from "clsx";

/**
 * A box that scrolls on its own (a wide table on a phone, a long list): keyboard users
 * reach it with Tab and scroll it with the arrow keys, and a screen reader names it.
 * Give it a label, or the id of the heading that names it.
 */
// `relative`: visually hidden text inside is positioned against the box, not the page, so it cannot widen the page.
export function ScrollRegion({
  label,
  labelledBy,
  className,
  children,
}: {
  children: ReactNode;
  className?: string;
} & ({ label: string; labelledBy?: never } | { labelledBy: string; label?: never })) {
  return (
    <div role="region" aria-label={label} aria-labelledby={labelledBy} tabIndex={0} className={clsx("relative overflow-x-auto", className)}>
      {children}
    </div>
  );
}
