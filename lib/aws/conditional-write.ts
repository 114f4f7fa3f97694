/**
 * S3 conditional writes (If-Match, If-None-Match) are how console instances agree
 * without a database: the one whose write lands first wins, the others get this.
 */
export function isPreconditionFailed(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === "PreconditionFailed" || error.name === "ConditionalRequestConflict" || status === 412 || status === 409;
}
