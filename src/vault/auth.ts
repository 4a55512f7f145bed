import { readFile } from 'node:fs/promises';

/** Supplies the token each Vault call uses; re-evaluated per call so rotations apply. */
export type TokenSource = () => Promise<string>;

export function staticToken(token: string): TokenSource {
  return () => Promise.resolve(token);
}

/** A token mounted as a file (Vault Agent sink, Kubernetes Secret); re-read on each call. */
export function tokenFile(path: string): TokenSource {
  return async () => (await readFile(path, 'utf8')).trim();
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
