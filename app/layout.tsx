import type { Metadata } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { AuthEnvError } from "@/lib/auth/env";
import type { SessionUser } from "@/lib/auth/roles";
import { getSessionUser } from "@/lib/auth/session";
import { SiteHeader } from "@/components/layout/site-header";
import { QueryProvider } from "@/components/query/query-provider";
import { AnnouncerProvider } from "@/components/ui/status-region";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Lazarus", template: "%s · Lazarus" },
  description: "Find, inspect and restore deleted DynamoDB items",
  // public/icon.svg is the drawing; the PNG and ICO sizes are rendered from it (scripts/render-icons.ts).
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "48x48" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
    apple: "/apple-touch-icon.png",
  },
  manifest: "/manifest.webmanifest",
};

/** The header's user; with sign-in misconfigured there is none, and the sign-in page explains why. */
async function headerUser(): Promise<SessionUser | null> {
  // Every screen depends on who is signed in: nothing is prerendered at build time.
  await connection();
  try {
    return await getSessionUser();
  } catch (error) {
    if (error instanceof AuthEnvError) return null;
    throw error;
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await headerUser();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900 focus:shadow"
        >
          Skip to main content
        </a>
        <SiteHeader user={user} />
        <QueryProvider>
          <AnnouncerProvider>
            <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
              {children}
            </main>
          </AnnouncerProvider>
        </QueryProvider>
      </body>
    </html>
  );
}
