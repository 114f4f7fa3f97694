import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { authCookieName, isServedOverHttps } from "./lib/auth/cookies";
import { PAGE_PATH_HEADER } from "./lib/auth/page-path";
import { isRole } from "./lib/auth/roles";
import { ConfigError, loadConfig } from "./lib/config/load";
import { pageStatus } from "./lib/http/page-status";
import { isHttpsRequest, pageSecurityHeaders } from "./lib/http/security-headers";

const SIGN_IN_PATH = "/signin";

/**
 * Three jobs for every page request. It gives the page its security headers, with a
 * fresh CSP nonce that Next reads from the request's own CSP header and puts on its
 * scripts. And it sends signed-out visitors to /signin and back afterwards:
 * convenience only, not what protects anything. Every API route, server action and
 * page checks the session and the role itself (lib/http/route.ts, lib/http/action.ts,
 * lib/auth/page.ts), so a request that slips past this still gets a 401 or a redirect.
 * And it sets the status of a page the address alone condemns (403, 404, 400: see
 * lib/http/page-status.ts); the page renders the panel that says why.
 */
export async function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const security = pageSecurityHeaders(nonce, { https: isHttpsRequest(request.nextUrl), development: process.env.NODE_ENV === "development" });
  const respond = (response: NextResponse) => {
    for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
    return response;
  };

  const path = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", security["Content-Security-Policy"]!);
  if (request.nextUrl.pathname === SIGN_IN_PATH) return respond(NextResponse.next({ request: { headers } }));

  const token = await getToken({ req: request, cookieName: authCookieName("sessionToken", isServedOverHttps()) }).catch(() => null);
  if (!token) {
    const signIn = new URL(SIGN_IN_PATH, request.url);
    signIn.searchParams.set("callbackUrl", path);
    return respond(NextResponse.redirect(signIn));
  }
  // Lets a server component send the user back here if the session ends mid-visit.
  headers.set(PAGE_PATH_HEADER, path);
  const status = statusFor(request, token.lazarus);
  return respond(NextResponse.next({ request: { headers }, ...(status ? { status } : {}) }));
}

function statusFor(request: NextRequest, claims: unknown): number | undefined {
  const role = typeof claims === "object" && claims !== null ? (claims as { role?: unknown }).role : undefined;
  // No role: the page ends the session and sends the user to sign in.
  if (!isRole(role)) return undefined;
  try {
    return pageStatus(request.nextUrl.pathname, request.nextUrl.searchParams, role, loadConfig());
  } catch (error) {
    // A broken config is the page's to explain (with a 500), not a reason to guess a status here.
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

export const config = {
  // Pages, the sign-in page included. The API answers 401 itself and sets its own headers; static files carry no script.
  matcher: ["/((?!api/|_next/static|_next/image|favicon\\.ico|robots\\.txt|.*\\.(?:png|svg|ico|jpg|jpeg|webp|webmanifest|css|js|map|txt)$).*)"],
};
