/** Set by proxy.ts on page requests so a server component knows where to come back to after sign-in. */
export const PAGE_PATH_HEADER = "x-lazarus-path";
