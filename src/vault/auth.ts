import { readFile } from 'node:fs/promises';

/** Supplies the token each Vault call uses; re-evaluated per call so rotations apply. */
export type TokenSource = () => Promise<string>;

export function staticToken(token: string): TokenSource {
  return () => Promise.resolve(token);
}

export interface TokenFileOptions {
  /**
   * How long a read token is reused before the file is read again. A rotated token (Vault
   * Agent renewing its sink, a Secret update reaching the pod within the kubelet's sync) is
   * picked up within this long; reading per request cost a tenth of the operator's CPU
   * (open, fstat, read, close for every Vault call). @default 10_000
   */
  maxAgeMs?: number;
  now?: () => number;
}

/** A token mounted as a file (Vault Agent sink, Kubernetes Secret), read again every few seconds. */
export function tokenFile(path: string, options: TokenFileOptions = {}): TokenSource {
  const { maxAgeMs = 10_000, now = Date.now } = options;
  let cached: { token: string; readAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    const token = (await readFile(path, 'utf8')).trim();
    cached = { token, readAt: now() };
    return token;
  };
  return () => {
    if (cached && now() - cached.readAt < maxAgeMs) return Promise.resolve(cached.token);
    pending ??= read().finally(() => (pending = undefined));
    return pending;
  };
}

export interface KubernetesLoginOptions {
  role: string;
  /** @default 'kubernetes' */
  mount?: string;
  /** @default the pod's projected ServiceAccount token */
  jwtFile?: string;
  login: (
    mount: string,
    role: string,
    jwt: string,
  ) => Promise<{ token: string; leaseDurationSeconds: number }>;
  now?: () => number;
}

/**
 * Logs in with the pod's ServiceAccount token and reuses the Vault token until two thirds of
 * its lease passed; concurrent callers share one login.
 */
export function kubernetesLogin(options: KubernetesLoginOptions): TokenSource {
  const now = options.now ?? Date.now;
  const jwtFile = options.jwtFile ?? '/var/run/secrets/kubernetes.io/serviceaccount/token';
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const login = async (): Promise<string> => {
    const jwt = (await readFile(jwtFile, 'utf8')).trim();
    const result = await options.login(options.mount ?? 'kubernetes', options.role, jwt);
    cached = { token: result.token, renewAt: now() + (result.leaseDurationSeconds * 1000 * 2) / 3 };
    return result.token;
  };
  return () => {
    if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
    pending ??= login().finally(() => (pending = undefined));
    return pending;
  };
}
