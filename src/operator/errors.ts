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

/**
 * The TerminalError in `error` or its chain of causes (like Go's errors.As): a step that wraps
 * a terminal failure for context (`new Error('apply', { cause })`) keeps it terminal.
 */
export function terminalIn(error: unknown): TerminalError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof TerminalError) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}
