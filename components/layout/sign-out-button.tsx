"use client";

import { useState } from "react";
import { LogOut } from "lucide-react";

/**
 * Ends the session through DELETE /api/session, then follows where it says: the sign-in
 * page, or the identity provider's sign-out when auth.endProviderSession is on.
 */
export function SignOutButton() {
  const [state, setState] = useState<"idle" | "pending" | "failed">("idle");
  async function signOut() {
    if (state === "pending") return;
    setState("pending");
    try {
      const res = await fetch("/api/session", { method: "DELETE" });
      // 401: the session had already ended.
      if (!res.ok && res.status !== 401) throw new Error(String(res.status));
      const body = res.ok ? ((await res.json()) as { redirectTo?: unknown }) : {};
      window.location.assign(typeof body.redirectTo === "string" ? body.redirectTo : "/signin");
    } catch {
      setState("failed");
    }
  }
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        onClick={signOut}
        aria-disabled={state === "pending"}
        className="flex items-center gap-1 rounded px-2 py-1 text-slate-200 hover:bg-slate-800 hover:text-white aria-disabled:opacity-70"
      >
        <LogOut aria-hidden="true" className="size-4" />
        Sign out
      </button>
      <span role="status" className="text-xs text-amber-200">
        {state === "failed" ? "Sign-out did not go through; try again." : ""}
      </span>
    </span>
  );
}
