"use client";

import "./globals.css";
import { RouteError } from "@/components/ui/route-error";

/** When even the header cannot render (the session lookup failed): the same message, in its own document. */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <title>Lazarus</title>
        <main className="mx-auto max-w-3xl px-4 py-10">
          <RouteError error={error} retry={retry} what="Lazarus" />
        </main>
      </body>
    </html>
  );
}
