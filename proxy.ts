import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { PAGE_PATH_HEADER } from "./lib/auth/page-path";

/**
 * Sends signed-out visitors of a page to /signin and back afterwards. Convenience
 * only: it is not what protects anything. Every API route, server action and page
 * checks the session and the role itself (lib/http/route.ts, lib/http/action.ts,
 * lib/auth/page.ts), so a request that slips past this still gets a 401 or a redirect.
 */
export async function proxy(request: NextRequest) {
  const path = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  const token = await getToken({ req: request }).catch(() => null);
  if (!token) {
    const signIn = new URL("/signin", request.url);
    signIn.searchParams.set("callbackUrl", path);
    return NextResponse.redirect(signIn);
  }
  // Lets a server component send the user back here if the session ends mid-visit.
  const headers = new Headers(request.headers);
  headers.set(PAGE_PATH_HEADER, path);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: the API answers 401 itself, and next-auth, the sign-in page and static files must stay reachable.
  matcher: ["/((?!api/|signin|_next/static|_next/image|favicon\\.ico|robots\\.txt|.*\\.(?:png|svg|ico|jpg|jpeg|webp|webmanifest|css|js|map|txt)$).*)"],
};
