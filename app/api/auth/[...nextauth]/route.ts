import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { getAuthOptions } from "@/lib/auth/options";

/**
 * next-auth's own endpoints (sign-in, callback, session, CSRF token, sign-out): the
 * one route outside lib/http/route.ts, since it is what makes a session. Options are
 * built on the first request, so a build without the sign-in environment still works.
 */
let nextAuth: ReturnType<typeof NextAuth> | undefined;

async function handler(request: NextRequest, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  nextAuth ??= NextAuth(getAuthOptions());
  return nextAuth(request, context);
}

export { handler as GET, handler as POST };
