/**
 * A reconcile failure that retrying cannot fix (an invalid spec, a forbidden combination):
 * the controller records it and does not retry until the object changes or the next resync.
 * Any other error is retried with backoff.
 */
export class TerminalError extends Error {
  /** A condition reason constant, e.g. Reason.InvalidSpec. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}
