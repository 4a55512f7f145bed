import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseExecConfig, type CredentialPlugin, type ExecCluster } from './exec-credential.ts';
import { ExecCredentialSource } from './exec-plugin.ts';

/**
 * How to reach one apiserver: its URL, TLS material and a bearer token. Loaded from a
 * kubeconfig or from the pod's ServiceAccount, without @kubernetes/client-node: its KubeConfig
 * pulls in the whole generated API (85 MB of resident memory measured, more than the rest of
 * the operator at 1,000 CRs), and posture only needs these few fields (docs/adr/0013, 0014).
 */
export interface ClusterAccess {
  server: string;
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean };
  /**
   * The bearer token now: synchronous and cheap for a kubeconfig token or a token file (re-read
   * now and then: projected ServiceAccount tokens rotate), a Promise while a credential plugin
   * runs.
   */
  token?: () => string | undefined | Promise<string | undefined>;
  /**
   * A kubeconfig user's `exec` credential plugin. The transport takes the token and the client
   * certificate from it rather than from `token` and `tls`, and runs it again after a 401.
   */
  plugin?: CredentialPlugin;
}

interface Cluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: { name: string; extension?: unknown }[];
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
  if (user['auth-provider'])
    throw problem(
      file,
      `${field}.auth-provider`,
      'auth-provider plugins are not supported by posture (kubectl dropped them too): ' +
        'use an exec credential plugin, a token, a tokenFile or a client certificate',
    );
  if (user.username)
    throw problem(file, `${field}.username`, 'basic auth is not supported: use a token');
}

function userToken(base: string, user: User): (() => string | undefined) | undefined {
  if (user.token) return () => user.token;
  return user.tokenFile ? tokenFromFile(resolve(base, user.tokenFile)) : undefined;
}

type UserAccess = Pick<ClusterAccess, 'tls' | 'token' | 'plugin'>;

function pluginAccess(
  where: string,
  exec: unknown,
  base: string,
  cluster: ExecCluster,
): UserAccess {
  const plugin = new ExecCredentialSource({
    where,
    config: parseExecConfig(where, exec, base),
    cluster,
  });
  const token = () => {
    const credential = plugin.credential();
    return credential instanceof Promise ? credential.then((c) => c.token) : credential.token;
  };
  return { tls: {}, token, plugin };
}

function userAccess(file: string, name: string, user: User, cluster: ExecCluster): UserAccess {
  const field = `users[${name}].user`;
  refuseUnsupported(file, field, user);
  const base = dirname(file);
  const cert = pem(base, user['client-certificate-data'], user['client-certificate']);
  const key = pem(base, user['client-key-data'], user['client-key']);
  if (Boolean(cert) !== Boolean(key))
    throw problem(file, field, 'a client certificate needs its key, and a key its certificate');
  const token = userToken(base, user);
  // As in kubectl, a token or certificate of the user's own wins over its plugin.
  if (!token && !cert && user.exec)
    return pluginAccess(`${file}: ${field}.exec`, user.exec, base, cluster);
  return { tls: { ...(cert && { cert }), ...(key && { key }) }, ...(token && { token }) };
}

const EXEC_CLUSTER_FIELDS = [
  'tls-server-name',
  'insecure-skip-tls-verify',
  'proxy-url',
  'disable-compression',
] as const;

/** What a plugin with provideClusterInfo is told: the cluster as kubectl passes it. */
function execClusterOf(cluster: Cluster, server: string, ca: string | undefined): ExecCluster {
  const fields = EXEC_CLUSTER_FIELDS.filter((field) => cluster[field] !== undefined);
  const config = cluster.extensions?.find(
    (extension) => extension.name === 'client.authentication.k8s.io/exec',
  )?.extension;
  return {
    server,
    ...Object.fromEntries(fields.map((field) => [field, cluster[field]])),
    ...(ca && { 'certificate-authority-data': Buffer.from(ca).toString('base64') }),
    ...(config !== undefined && { config }),
  };
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
  const context = contextOf(file, config, contextName);
  const { cluster, user, userName } = context;
  const server = context.server.replace(/\/+$/, '');
  const ca = pem(
    dirname(file),
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
  );
  const access = userAccess(file, userName, user, execClusterOf(cluster, server, ca));
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  return {
    server,
    tls: { ...access.tls, ...(ca && { ca }), ...(insecure && { insecure }) },
    ...(access.token && { token: access.token }),
    ...(access.plugin && { plugin: access.plugin }),
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
