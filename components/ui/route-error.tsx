"use client";

import { useEffect } from "react";
import { RotateCw } from "lucide-react";
import { MessagePanel } from "./message-panel";

/**
 * The error boundary's face. Server errors reach the browser without their
 * message (Next hides it in production), so this says what a person can do and
 * gives the reference that matches the server log.
 */
export function RouteError({ error, retry, what }: { error: unknown; retry: () => void; what: string }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">{what} could not be shown</h1>
      <MessagePanel tone="error" title="Something went wrong on the server" role="alert">
        <p>This is usually temporary (AWS throttling or a network problem). Try again in a moment.</p>
        {digest ? (
          <p className="mt-1">
            If it keeps happening, give your administrator this reference: <code className="font-mono">{digest}</code>
          </p>
        ) : null}
      </MessagePanel>
      <button
        type="button"
        onClick={() => retry()}
        className="inline-flex items-center gap-2 rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-800"
      >
        <RotateCw aria-hidden="true" className="size-4" />
        Try again
      </button>
    </div>
  );
}
