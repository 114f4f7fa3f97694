import { NextResponse } from "next/server";
import { getAuthEnv } from "@/lib/auth/options";
import { isServedOverHttps } from "@/lib/auth/cookies";
import { sessionCookieNames, signOutDestination } from "@/lib/auth/sign-out";
import { route } from "@/lib/http/route";
import { configuredAppOrigin } from "@/lib/http/same-origin";

/** Sign out: expires the session cookie and says where the browser goes next (the provider's sign-out or /signin). */
export const DELETE = route({ permission: "archive:read" }, async ({ request, config }) => {
  const appOrigin = configuredAppOrigin() ?? request.nextUrl.origin;
  const redirectTo = await signOutDestination({ request, auth: config.auth, oidc: getAuthEnv().oidc, appOrigin });
  const response = NextResponse.json({ redirectTo }, { headers: { "Cache-Control": "no-store" } });
  const secure = isServedOverHttps();
  for (const name of sessionCookieNames(request.cookies.getAll().map((c) => c.name), secure)) {
    response.cookies.set(name, "", { maxAge: 0, path: "/", httpOnly: true, sameSite: "lax", secure });
  }
  return response;
});
