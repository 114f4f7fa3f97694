/**
 * Cross-site request refusal for everything that changes state. Route handlers get
 * no CSRF protection from Next, and Next lets a server action through when the
 * request has no Origin, so both check here. Browsers send Sec-Fetch-Site on every
 * request (and Origin on every POST); a request that carries neither is not from a
 * page of this console and is refused.
 */

export type OriginCheck = { ok: true } | { ok: false; message: string };

const REFUSED = "Refused a state-changing request that did not come from a Lazarus page";

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * `appOrigin` is the console's own origin (NEXTAUTH_URL's), when configured;
 * otherwise the request's Host header stands for it.
 */
export function checkSameOrigin(headers: Headers, appOrigin: string | null): OriginCheck {
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  if (site === "same-origin") return { ok: true };
  if (site === "cross-site" || site === "same-site") return { ok: false, message: `${REFUSED} (Sec-Fetch-Site: ${site}).` };

  const origin = headers.get("origin");
  if (!origin || origin === "null") return { ok: false, message: `${REFUSED}: it has no Origin header.` };
  if (appOrigin) {
    let given: string | null = null;
    try {
      given = new URL(origin).origin;
    } catch {
      given = null;
    }
    return given === new URL(appOrigin).origin ? { ok: true } : { ok: false, message: `${REFUSED}: Origin ${origin.slice(0, 200)} is not ${appOrigin}.` };
  }
  const host = headers.get("host")?.toLowerCase();
  if (host && hostOf(origin) === host) return { ok: true };
  return { ok: false, message: `${REFUSED}: Origin ${origin.slice(0, 200)} does not match the host ${host ?? "(none)"}.` };
}

/** NEXTAUTH_URL's origin, or null when unset or not a URL (the Host header then stands in). */
export function configuredAppOrigin(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const value = env.NEXTAUTH_URL?.trim();
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}
