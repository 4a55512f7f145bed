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

/**
 * A token source that reuses the token `fetch` gave until its `renewAt` (epoch ms) passed;
 * concurrent callers share one fetch, and a failed fetch is tried again by the next caller.
 */
function reusedUntil(
  fetch: () => Promise<{ token: string; renewAt: number }>,
  now: () => number,
): TokenSource {
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    cached = await fetch();
    return cached.token;
  };
  return () => {
    if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
    pending ??= refresh().finally(() => (pending = undefined));
    return pending;
  };
}

/** A token mounted as a file (Vault Agent sink, Kubernetes Secret), read again every few seconds. */
export function tokenFile(path: string, options: TokenFileOptions = {}): TokenSource {
  const { maxAgeMs = 10_000, now = Date.now } = options;
  return reusedUntil(async () => {
    const token = (await readFile(path, 'utf8')).trim();
    return { token, renewAt: now() + maxAgeMs };
  }, now);
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
  return reusedUntil(async () => {
    const jwt = (await readFile(jwtFile, 'utf8')).trim();
    const result = await options.login(options.mount ?? 'kubernetes', options.role, jwt);
    return { token: result.token, renewAt: now() + (result.leaseDurationSeconds * 1000 * 2) / 3 };
  }, now);
}
