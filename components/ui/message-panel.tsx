import Link from "next/link";
import type { ReactNode, Ref } from "react";
import { CircleAlert, CircleCheck, Info, TriangleAlert } from "lucide-react";
import clsx from "clsx";

type Tone = "error" | "warning" | "info" | "success";

const TONES: Record<Tone, { Icon: typeof Info; className: string }> = {
  error: { Icon: CircleAlert, className: "border-red-300 bg-red-50 text-red-950" },
  warning: { Icon: TriangleAlert, className: "border-amber-300 bg-amber-50 text-amber-950" },
  info: { Icon: Info, className: "border-slate-300 bg-slate-50 text-slate-900" },
  success: { Icon: CircleCheck, className: "border-emerald-300 bg-emerald-50 text-emerald-950" },
};

export function MessagePanel({
  tone = "info",
  title,
  children,
  role,
  headingLevel = 2,
  className,
  focusRef,
}: {
  tone?: Tone;
  title: string;
  children?: ReactNode;
  /** "alert" for errors that appear after an action; static panels need none. */
  role?: "alert" | "status";
  headingLevel?: 2 | 3 | 4;
  className?: string;
  /** Makes the heading focusable and hands it over, for a panel that focus moves to (a confirmation, a result). */
  focusRef?: Ref<HTMLHeadingElement>;
}) {
  const { Icon, className: toneClass } = TONES[tone];
  const Heading = `h${headingLevel}` as const;
  return (
    <div role={role} className={clsx("flex gap-3 rounded-md border p-4", toneClass, className)}>
      <Icon aria-hidden="true" className="mt-0.5 size-5 shrink-0" />
      <div className="min-w-0 space-y-1">
        <Heading ref={focusRef} tabIndex={focusRef ? -1 : undefined} className="font-semibold">
          {title}
        </Heading>
        {children ? <div className="text-sm [&_a]:underline">{children}</div> : null}
      </div>
    </div>
  );
}

/** What a page shows for a bad URL (a 400): the message, and a way back. */
export function BadRequestPanel({ message }: { message: string }) {
  return (
    <MessagePanel tone="warning" title="This address is not valid">
      <p>{message}</p>
      <p className="mt-2">
        <Link href="/">Back to the overview</Link>
      </p>
    </MessagePanel>
  );
}

/** An error already mapped to a user-facing message (toUserFacingError). */
export function ErrorPanel({ title = "Could not load this", message, headingLevel }: { title?: string; message: string; headingLevel?: 2 | 3 | 4 }) {
  return (
    <MessagePanel tone="error" title={title} headingLevel={headingLevel}>
      <p>{message}</p>
    </MessagePanel>
  );
}
