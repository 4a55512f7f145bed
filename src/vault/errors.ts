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
  'ERR_NETWORK',
  'ERR_CANCELED',
]);

interface ErrorShape {
  message?: unknown;
  code?: unknown;
  response?: { statusCode?: unknown };
}

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

function statusOf(error: ErrorShape): number | undefined {
  const status = error.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 404 from Vault: the policy, role or secret does not exist. */
export function isVaultNotFound(error: unknown): boolean {
  return statusOf(shapeOf(error)) === 404;
}

/** 4xx except 429 (rate limited) and 412 (replication lag): Vault refused for good. */
function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429 && status !== 412;
}

function networkDetail(shape: ErrorShape, message: string): string {
  const code = typeof shape.code === 'string' ? shape.code : '';
  return NETWORK_CODES.has(code) ? `${code}: ${message}` : message;
}

/**
 * Turns whatever node-vault (axios underneath) threw into one of the two typed errors.
 * Only a 4xx answer is terminal; anything unknown is treated as unavailability, so the
 * caller retries instead of concluding something it cannot know.
 */
export function classifyVaultError(
  what: string,
  error: unknown,
): VaultUnavailableError | VaultRequestError {
  if (error instanceof VaultUnavailableError || error instanceof VaultRequestError) return error;
  const shape = shapeOf(error);
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const status = statusOf(shape);
  if (status !== undefined && isRefusal(status))
    return new VaultRequestError(what, status, message);
  const detail = status !== undefined ? `${status}: ${message}` : networkDetail(shape, message);
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
