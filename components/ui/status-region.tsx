"use client";

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode, type Ref } from "react";
import clsx from "clsx";

/**
 * A polite live region, rendered from the start and filled later. Screen readers watch
 * regions that exist; one inserted together with its message is often not read at all.
 * Render it whatever the state, with empty children until there is something to say.
 */
export function StatusRegion({
  children,
  className,
  visuallyHidden = false,
  ref,
  ...rest
}: {
  children?: ReactNode;
  className?: string;
  /** For announcements that repeat what the screen shows another way (a progress bar). */
  visuallyHidden?: boolean;
  ref?: Ref<HTMLDivElement>;
  "aria-label"?: string;
  "data-testid"?: string;
  tabIndex?: number;
}) {
  return (
    <div ref={ref} role="status" aria-live="polite" aria-atomic="true" className={clsx(visuallyHidden && "sr-only", className)} {...rest}>
      {children}
    </div>
  );
}

/** Which quarter of the way a job is, 0 to 3, and 4 when it is done. */
export function progressStep(done: number, total: number): number {
  if (total <= 0) return 0;
  if (done >= total) return 4;
  return Math.min(3, Math.floor((done / total) * 4));
}

/**
 * The message as it was when `step` last changed: progress is announced at the start,
 * at every 25 % and at the end, not on every update (a 94-row export would otherwise
 * send some 70 announcements). The screen itself can show every update.
 */
export function useThrottledAnnouncement(step: string | number, message: string): string {
  const [shown, setShown] = useState({ step, message });
  if (shown.step !== step) {
    setShown({ step, message });
    return message;
  }
  return shown.message;
}

const AnnounceContext = createContext<(message: string) => void>(() => {});

/**
 * The page-wide live region, for results rendered on the server (a key search) and for
 * messages that must outlive the component that sends them (a fix that refreshes the page
 * and removes its own button).
 */
export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [said, setSaid] = useState({ message: "", count: 0 });
  // The same message twice must be read twice: a trailing no-break space alternates so the text changes.
  const announce = useCallback((message: string) => setSaid((s) => ({ message, count: s.count + 1 })), []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <StatusRegion visuallyHidden data-testid="page-announcer">
        {said.message ? `${said.message}${said.count % 2 === 0 ? "\u00a0" : ""}` : ""}
      </StatusRegion>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}

/** Announces `message` through the page-wide region when it mounts or changes. */
export function Announce({ message }: { message: string }) {
  const announce = useAnnounce();
  useEffect(() => {
    announce(message);
  }, [announce, message]);
  return null;
}
