import { ShieldX } from "lucide-react";

/** A signed-in user whose role lacks the permission (the page's 403). */
export function ForbiddenPanel({ message }: { message: string }) {
  return (
    <div className="space-y-4">
      <h1 className="flex items-center gap-2 text-2xl font-semibold">
        <ShieldX aria-hidden="true" className="size-6 text-red-700" />
        Not allowed
      </h1>
      <p className="text-slate-700">{message}</p>
      <p className="text-sm text-slate-600">Ask an administrator if your job needs it.</p>
    </div>
  );
}
