import NextAuth from "next-auth";
import { cookies } from "next/headers";
import { NextRequest } from "next/server";
import { isParsableCallbackUrl } from "@/lib/auth/callback-url";
import { DEMO_PROVIDER_ID } from "@/lib/auth/demo-users";
import { getAuthOptions } from "@/lib/auth/options";
import { throttledPasswordSignIn } from "@/lib/auth/sign-in-guard";
import { withApiSecurityHeaders } from "@/lib/http/security-headers";

/**
 * next-auth's own endpoints (sign-in, callback, session, CSRF token, sign-out): the
 * one route outside lib/http/route.ts, since it is what makes a session. Options are
 * built on the first request, so a build without the sign-in environment still works.
 */
let nextAuth: ReturnType<typeof NextAuth> | undefined;

/**
 * next-auth answers 500 to a callback URL it cannot parse, whether it comes in the
 * query or in the callback-url cookie (which another port or a sibling subdomain can
 * set), and keeps answering 500 until the cookie expires. Such a value is dropped
 * here, and the cookie deleted, so the user can still sign in; a parsable but foreign
 * URL is the redirect callback's to refuse.
 */
async function withoutBadCallbackUrl(request: NextRequest): Promise<NextRequest> {
  const name = getAuthOptions().cookies?.callbackUrl?.name;
  const jar = await cookies();
  const cookie = name ? jar.get(name)?.value : undefined;
  if (name && cookie !== undefined && !isParsableCallbackUrl(cookie)) jar.delete(name);
  const param = request.nextUrl.searchParams.get("callbackUrl");
  if (param === null || isParsableCallbackUrl(param)) return request;
  const url = request.nextUrl.clone();
  url.searchParams.delete("callbackUrl");
  return new NextRequest(url, request);
}

async function handler(request: NextRequest, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  const auth = (nextAuth ??= NextAuth(getAuthOptions()));
  const run = async (r: NextRequest) => auth(r, context);
  const [action, provider] = (await context.params).nextauth;
  const clean = await withoutBadCallbackUrl(request);
  // Password sign-ins are throttled; OIDC sign-ins are the identity provider's to throttle.
  const isPasswordSignIn = request.method === "POST" && action === "callback" && provider === DEMO_PROVIDER_ID;
  const response = isPasswordSignIn ? await throttledPasswordSignIn(clean, run) : await run(clean);
  return withApiSecurityHeaders(response, request.nextUrl, "next-auth");
}

export { handler as GET, handler as POST };
