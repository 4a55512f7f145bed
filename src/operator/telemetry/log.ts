import { pino, type BaseLogger, type DestinationStream, type Level } from 'pino';

/** What runtime code logs through: pino's methods with constant messages and key/values. */
export type Log = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

export const MASK = '[MASKED]';

/**
 * Keys whose values are secrets wherever they appear (top level and two levels deep).
 * Deliberately not `key`: that is the queue key (namespace/name) in every reconcile log.
 */
export const SECRET_KEYS = [
  'token',
  'clientToken',
  'client_token',
  'accessor',
  'password',
  'passwd',
  'seed',
  'nkeySeed',
  'secret',
  'secretId',
  'secret_id',
  'privateKey',
  'private_key',
  'keyMaterial',
  'signingKey',
  'hmacKey',
  'apiKey',
  'apiSecret',
  'authorization',
  'Authorization',
  'cookie',
  'jwt',
] as const;

const HEADER_PATHS = [
  'headers.authorization',
  'headers["x-vault-token"]',
  '*.headers.authorization',
  '*.headers["x-vault-token"]',
];

export function redactPaths(): string[] {
  return [...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), ...HEADER_PATHS];
}

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Where JSON lines go. @default stdout */
  destination?: DestinationStream;
  /** Bound to every line, e.g. { controller: 'tradingservice' }. */
  bindings?: Record<string, string>;
}

/** A pino JSON logger that masks secret-looking fields as `[MASKED]`. */
export function createLogger(options: LoggerOptions = {}): pino.Logger {
  const config = {
    level: options.level ?? 'info',
    base: { component: 'posture', ...options.bindings },
    redact: { paths: redactPaths(), censor: MASK },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that drops everything (unit tests). */
export const silentLog: Log = createLogger({ level: 'silent' });
