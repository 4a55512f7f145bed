import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * How to reach one apiserver: its URL, TLS material and a bearer token. Loaded from a
 * kubeconfig or from the pod's ServiceAccount, without @kubernetes/client-node: its KubeConfig
 * pulls in the whole generated API (85 MB of resident memory measured, more than the rest of
 * the operator at 1,000 CRs), and posture only needs these few fields (docs/adr/0013).
 */
export interface ClusterAccess {
  server: string;
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean };
  /** The bearer token now (re-read from its file: projected ServiceAccount tokens rotate). */
  token?: () => string | undefined;
}

interface Cluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
}
interface User {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  username?: string;
}
interface Kubeconfig {
  clusters?: { name: string; cluster?: Cluster }[];
  users?: { name: string; user?: User }[];
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  'current-context'?: string;
}

/** A token file read again at most once a minute (kubelet refreshes projected tokens hourly). */
export function tokenFromFile(file: string, now: () => number = Date.now): () => string {
  let cached: { token: string; at: number } | undefined;
  return () => {
    if (!cached || now() - cached.at > 60_000)
      cached = { token: readFileSync(file, 'utf8').trim(), at: now() };
    return cached.token;
  };
}

function problem(file: string, field: string, message: string): Error {
  return new Error(`${file}: ${field}: ${message}`);
}

/** PEM from `<field>-data` (base64) or the file `<field>` (relative to the kubeconfig). */
function pem(base: string, data: string | undefined, path: string | undefined): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  return path ? readFileSync(resolve(base, path), 'utf8') : undefined;
}

function refuseUnsupported(file: string, field: string, user: User): void {
  const plugin = user.exec ? 'exec' : user['auth-provider'] ? 'auth-provider' : undefined;
  if (plugin)
    throw problem(
      file,
      `${field}.${plugin}`,
      'credential plugins are not supported by posture: use a token, a tokenFile or a client certificate',
    );
  if (user.username)
    throw problem(file, `${field}.username`, 'basic auth is not supported: use a token');
}

function userToken(base: string, user: User): (() => string | undefined) | undefined {
  if (user.token) return () => user.token;
  return user.tokenFile ? tokenFromFile(resolve(base, user.tokenFile)) : undefined;
}

function userAccess(file: string, name: string, user: User): Pick<ClusterAccess, 'tls' | 'token'> {
  const field = `users[${name}].user`;
  refuseUnsupported(file, field, user);
  const base = dirname(file);
  const cert = pem(base, user['client-certificate-data'], user['client-certificate']);
  const key = pem(base, user['client-key-data'], user['client-key']);
  if (Boolean(cert) !== Boolean(key))
    throw problem(file, field, 'a client certificate needs its key, and a key its certificate');
  const token = userToken(base, user);
  return { tls: { ...(cert && { cert }), ...(key && { key }) }, ...(token && { token }) };
}

const named = <T>(list: { name: string }[] | undefined, name: string | undefined) =>
  list?.find((item) => item.name === name) as T | undefined;

type Context = { cluster?: string; user?: string };

function pickContext(file: string, config: Kubeconfig, contextName?: string): Context {
  const wanted = contextName ?? config['current-context'];
  if (!wanted) throw problem(file, 'current-context', 'not set: set it or name a context');
  const context = named<{ context?: Context }>(config.contexts, wanted)?.context;
  if (!context) throw problem(file, 'contexts', `no context named ${wanted}`);
  return context;
}

function contextOf(file: string, config: Kubeconfig, contextName?: string) {
  const context = pickContext(file, config, contextName);
  const cluster = named<{ cluster?: Cluster }>(config.clusters, context.cluster)?.cluster;
  if (!cluster?.server)
    throw problem(
      file,
      `clusters[${context.cluster}].cluster.server`,
      'missing: the apiserver URL',
    );
  const user = named<{ user?: User }>(config.users, context.user)?.user ?? {};
  return { server: cluster.server, cluster, user, userName: String(context.user) };
}

/** The access of a kubeconfig's context (its current-context unless named). */
export function loadKubeconfig(file: string, contextName?: string): ClusterAccess {
  const config = (parse(readFileSync(file, 'utf8')) ?? {}) as Kubeconfig;
  const { server, cluster, user, userName } = contextOf(file, config, contextName);
  const access = userAccess(file, userName, user);
  const base = dirname(file);
  const ca = pem(base, cluster['certificate-authority-data'], cluster['certificate-authority']);
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  return {
    server: server.replace(/\/+$/, ''),
    tls: { ...access.tls, ...(ca && { ca }), ...(insecure && { insecure }) },
    ...(access.token && { token: access.token }),
  };
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In a pod: the apiserver from KUBERNETES_SERVICE_HOST/PORT, the ServiceAccount's token and CA. */
export function inClusterAccess(
  env: NodeJS.ProcessEnv = process.env,
  dir = SERVICE_ACCOUNT_DIR,
): ClusterAccess {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port)
    throw new Error(
      'not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset): pass --kubeconfig or set KUBECONFIG',
    );
  const server = host.includes(':') ? `https://[${host}]:${port}` : `https://${host}:${port}`;
  const ca = readFileSync(`${dir}/ca.crt`, 'utf8');
  return { server, tls: { ca }, token: tokenFromFile(`${dir}/token`) };
}

/** Like kubectl: the first file in $KUBECONFIG, else ~/.kube/config, else the pod's account. */
export function defaultAccess(env: NodeJS.ProcessEnv = process.env): ClusterAccess {
  const fromEnv = env['KUBECONFIG']?.split(':').find(Boolean);
  if (fromEnv) return loadKubeconfig(fromEnv);
  const home = resolve(homedir(), '.kube', 'config');
  try {
    return loadKubeconfig(home);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return inClusterAccess(env);
  }
}
