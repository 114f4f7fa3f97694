/**
 * The one base for errors a person should read: it carries the HTTP status and the
 * stable code the UI keys on, next to a message that says what happened. Modules
 * throw their own subclasses (an archive key that is not valid, a job in the wrong
 * state); only lib/http/error-response.ts turns any error into a response, so a
 * feature never maps its errors to statuses itself. Isomorphic: no server imports.
 */
export class DomainError extends Error {
  override name = "DomainError";
  /** Extra fields of the error body, e.g. the audit entry that records a refusal. */
  readonly details: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? {};
  }
}
