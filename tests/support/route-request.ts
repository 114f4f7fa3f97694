import { NextRequest } from "next/server";

export const TEST_ORIGIN = "http://localhost:3000";

type RouteHandler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface RouteCall {
  method?: string;
  body?: unknown;
  params?: Record<string, string>;
  headers?: Record<string, string>;
}

/** A request to a route handler as the console's own pages send it: same origin, JSON. */
export function invokeRoute(handler: unknown, path: string, init: RouteCall = {}): Promise<Response> {
  const request = new NextRequest(`${TEST_ORIGIN}${path}`, {
    method: init.method ?? "GET",
    headers: { "sec-fetch-site": "same-origin", host: "localhost:3000", "content-type": "application/json", ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return (handler as RouteHandler)(request, { params: Promise.resolve(init.params ?? {}) });
}

/** The status and the parsed JSON body. */
export async function callRoute<T = Record<string, unknown>>(handler: unknown, path: string, init: RouteCall = {}) {
  const response = await invokeRoute(handler, path, init);
  return { status: response.status, body: (await response.json()) as T & { error?: { code: string; message: string } } };
}
