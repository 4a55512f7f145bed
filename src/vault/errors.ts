/**
 * Vault could not answer (connection refused, timeout, 5xx, sealed, rate limited): retry
 * with backoff, report VaultUnavailable, and never fall back to anything weaker.
 */
export class VaultUnavailableError extends Error {
  constructor(what: string, detail: string, options?: { cause?: unknown }) {
    super(`vault ${what}: unavailable: ${detail}`, options);
    this.name = 'VaultUnavailableError';
  }
}

/**
 * Vault answered and refused (4xx: bad request, permission denied): retrying soon cannot help.
 * Controllers report it as VaultUnavailable with reason VaultRefused (a 403 names the operator's
 * policy) and look again only slowly; it is not a TerminalError, since a policy fix in Vault
 * changes nothing the operator watches.
 */
export class VaultRequestError extends Error {
  readonly status: number;

  constructor(what: string, status: number, detail: string) {
    super(`vault ${what}: ${status}: ${detail}`);
    this.name = 'VaultRequestError';
    this.status = status;
  }
}

/** A login Vault refused, or a request it answered with 403 permission denied. */
export type VaultAuthFailure = 'login' | 'permission_denied';

/** Which auth failure a classified error is, if any: only Vault's own refusals count. */
export function authFailureOf(error: unknown, login: boolean): VaultAuthFailure | undefined {
  if (!(error instanceof VaultRequestError)) return undefined;
  if (login) return 'login';
  return error.status === 403 ? 'permission_denied' : undefined;
}

/** Errors of the connection rather than of Vault: their code leads the detail. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // undici's own: the deadline passed before the connection, the headers or the body.
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // The connection closed under the request (`other side closed`), or the pool was closed.
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** 4xx except 429 (rate limited) and 412 (replication lag): Vault refused for good. */
function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429 && status !== 412;
}

/**
 * Vault's answer with a status that is not success, as one of the two typed errors. `detail`
 * is Vault's `errors` text (see vaultErrorsText).
 */
export function classifyVaultAnswer(
  what: string,
  status: number,
  detail: string,
): VaultUnavailableError | VaultRequestError {
  if (isRefusal(status)) return new VaultRequestError(what, status, detail);
  return new VaultUnavailableError(what, `${status}: ${detail}`);
}

/** The text of Vault's `{"errors": [...]}` body; the status when it has none. */
export function vaultErrorsText(status: number, body: string): string {
  try {
    const errors = (JSON.parse(body) as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join('; ');
  } catch {
    // Not Vault's JSON (a proxy's page): its start says more than nothing.
    if (body.trim() !== '') return body.trim().slice(0, 200);
  }
  return `Status ${status}`;
}

/**
 * Turns what a request threw (no answer: the connection failed, a deadline passed, the token
 * source failed) into one of the two typed errors. Typed errors pass through; anything else is
 * unavailability, so the caller retries instead of concluding something it cannot know.
 */
export function classifyVaultError(
  what: string,
  error: unknown,
): VaultUnavailableError | VaultRequestError {
  if (error instanceof VaultUnavailableError || error instanceof VaultRequestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
  const detail =
    typeof code === 'string' && NETWORK_CODES.has(code) ? `${code}: ${message}` : message;
  return new VaultUnavailableError(what, detail, { cause: error });
}

/**
 * Vault refused a KV write whose check-and-set version is no longer the current one: someone
 * wrote since the caller read. Not a refusal for good: read again and decide again.
 */
export function isCasMismatch(error: unknown): boolean {
  return (
    error instanceof VaultRequestError &&
    error.status === 400 &&
    /check-and-set/i.test(error.message)
  );
}
