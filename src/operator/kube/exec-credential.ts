import { isAbsolute, resolve } from 'node:path';

/*
 * client-go credential plugins (kubeconfig `users[].user.exec`), as kubectl runs them: the
 * plugin gets the ExecCredential request in KUBERNETES_EXEC_INFO and prints an ExecCredential
 * whose status holds a token and/or a client certificate and key, valid until
 * `expirationTimestamp` (docs/adr/0014). This module holds the rules; `exec-plugin.ts` runs the
 * process.
 */

export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export const INTERACTIVE_MODES = ['Never', 'IfAvailable', 'Always'] as const;
export type InteractiveMode = (typeof INTERACTIVE_MODES)[number];

/** `users[].user.exec`, checked, with the command resolved against the kubeconfig's folder. */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: ExecApiVersion;
  interactiveMode: InteractiveMode;
  installHint?: string;
  provideClusterInfo: boolean;
}

/** ExecCredential `spec.cluster`: what a plugin with `provideClusterInfo` is told. */
export interface ExecCluster {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** base64 of the PEM bundle, as kubeconfigs carry it. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension. */
  config?: unknown;
}

/** A plugin's credential: a bearer token, a client certificate and key (PEM), or both. */
export interface PluginCredential {
  token?: string;
  cert?: string;
  key?: string;
}

/** What the transport needs of a plugin (ClusterAccess.plugin). */
export interface CredentialPlugin {
  /** The cached credential, synchronously; a Promise only while the plugin runs. */
  credential(): PluginCredential | Promise<PluginCredential>;
  /** The apiserver answered 401 to `credential`: the next call runs the plugin again. */
  refused(credential: PluginCredential): void;
}

const fail = (where: string, message: string): Error => new Error(`${where}: ${message}`);

function text(where: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fail(where, 'must be a string');
  return value;
}

function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  const what = value === undefined || value === null ? 'missing' : JSON.stringify(value);
  throw fail(where, `${what}: set one of ${allowed.join(', ')}`);
}

function argsOf(where: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((arg) => typeof arg !== 'string'))
    throw fail(`${where}.args`, 'must be a list of strings');
  return value as string[];
}

function envOf(where: string, value: unknown): Record<string, string> {
  const list = (value ?? []) as { name?: unknown; value?: unknown }[];
  if (!Array.isArray(list)) throw fail(`${where}.env`, 'must be a list of {name, value}');
  const env: Record<string, string> = {};
  list.forEach((entry, i) => {
    const name = text(`${where}.env[${i}].name`, entry?.name);
    if (!name) throw fail(`${where}.env[${i}].name`, 'missing');
    env[name] = text(`${where}.env[${i}].value`, entry.value) ?? '';
  });
  return env;
}

/** v1beta1 defaults to IfAvailable; from v1 on the kubeconfig must say (the spec's rule). */
function modeOf(where: string, apiVersion: ExecApiVersion, value: unknown): InteractiveMode {
  if (value !== undefined && value !== null && value !== '')
    return oneOf(`${where}.interactiveMode`, value, INTERACTIVE_MODES);
  if (apiVersion === 'client.authentication.k8s.io/v1beta1') return 'IfAvailable';
  throw fail(
    `${where}.interactiveMode`,
    `required with apiVersion ${apiVersion}: set Never, IfAvailable or Always`,
  );
}

/** A command with a slash but not absolute is relative to the kubeconfig, like kubectl. */
function commandOf(where: string, value: unknown, base: string): string {
  const command = text(`${where}.command`, value);
  if (!command) throw fail(`${where}.command`, 'missing: the credential plugin to run');
  return command.includes('/') && !isAbsolute(command) ? resolve(base, command) : command;
}

/** Checks `users[].user.exec`; `where` names it (`<file>: users[<name>].user.exec`). */
export function parseExecConfig(where: string, raw: unknown, base: string): ExecConfig {
  const exec = (raw ?? {}) as Record<string, unknown>;
  const apiVersion = oneOf(`${where}.apiVersion`, exec['apiVersion'], EXEC_API_VERSIONS);
  const installHint = text(`${where}.installHint`, exec['installHint']);
  return {
    command: commandOf(where, exec['command'], base),
    args: argsOf(where, exec['args']),
    env: envOf(where, exec['env']),
    apiVersion,
    interactiveMode: modeOf(where, apiVersion, exec['interactiveMode']),
    ...(installHint && { installHint }),
    provideClusterInfo: exec['provideClusterInfo'] === true,
  };
}

/**
 * Whether the plugin gets the terminal: Never does not, IfAvailable does when standard input
 * is one, Always must (else the error says so rather than letting the plugin hang or fail).
 */
export function interactiveOf(where: string, mode: InteractiveMode, stdinIsTTY: boolean): boolean {
  if (mode === 'Never') return false;
  if (mode === 'IfAvailable') return stdinIsTTY;
  if (stdinIsTTY) return true;
  throw fail(
    `${where}.interactiveMode`,
    'Always, but standard input is not a terminal: run the command from a terminal, ' +
      'or log in with the plugin first so that it has a credential to hand out',
  );
}

/** KUBERNETES_EXEC_INFO: the ExecCredential request, in the kubeconfig's apiVersion. */
export function execInfo(config: ExecConfig, interactive: boolean, cluster?: ExecCluster): string {
  const spec = { interactive, ...(config.provideClusterInfo && cluster && { cluster }) };
  return JSON.stringify({ apiVersion: config.apiVersion, kind: 'ExecCredential', spec });
}

/** A credential and when to stop using it (ms since the epoch; none: for the whole process). */
export interface ParsedCredential {
  credential: PluginCredential;
  expiresAt?: number;
}

function statusOf(where: string, config: ExecConfig, stdout: string): Record<string, unknown> {
  let output: { apiVersion?: unknown; kind?: unknown; status?: unknown };
  try {
    output = JSON.parse(stdout) as typeof output;
  } catch (error) {
    throw fail(where, `the plugin printed no ExecCredential JSON (${(error as Error).message})`);
  }
  if (output?.kind !== 'ExecCredential')
    throw fail(where, `the plugin printed kind ${String(output?.kind)}, not ExecCredential`);
  if (output.apiVersion !== config.apiVersion)
    throw fail(
      where,
      `the plugin answered in ${String(output.apiVersion)}, the kubeconfig asks for ${config.apiVersion}`,
    );
  if (!output.status || typeof output.status !== 'object')
    throw fail(where, 'the plugin returned no status');
  return output.status as Record<string, unknown>;
}

function expiryOf(where: string, value: unknown): number | undefined {
  const stamp = text(`${where}: status.expirationTimestamp`, value);
  if (!stamp) return undefined;
  const at = Date.parse(stamp);
  if (Number.isNaN(at)) throw fail(where, `status.expirationTimestamp ${stamp} is not RFC 3339`);
  return at;
}

/** The plugin's stdout: an ExecCredential in the configured apiVersion with a usable status. */
export function parseExecCredential(
  where: string,
  config: ExecConfig,
  stdout: string,
): ParsedCredential {
  const status = statusOf(where, config, stdout);
  const token = text(`${where}: status.token`, status['token']);
  const cert = text(`${where}: status.clientCertificateData`, status['clientCertificateData']);
  const key = text(`${where}: status.clientKeyData`, status['clientKeyData']);
  if (!token && !cert && !key)
    throw fail(where, 'the plugin returned neither a token nor a client certificate and key');
  if (Boolean(cert) !== Boolean(key))
    throw fail(where, 'the plugin returned a client certificate without its key, or a key alone');
  const expiresAt = expiryOf(where, status['expirationTimestamp']);
  const credential = { ...(token && { token }), ...(cert && key && { cert, key }) };
  return { credential, ...(expiresAt !== undefined && { expiresAt }) };
}

/** Run a little before the expiry (clocks drift, a request takes time), but never in a loop. */
export const REFRESH_MARGIN_MS = 10_000;

/** When to run the plugin again for a credential received at `now`. */
export function refreshAt(now: number, expiresAt: number | undefined): number {
  if (expiresAt === undefined) return Number.POSITIVE_INFINITY;
  return expiresAt - Math.max(0, Math.min(REFRESH_MARGIN_MS, (expiresAt - now) / 2));
}
