import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { unsealText } from '../sops/file.ts';
import { ageIdentities } from '../sops/keys.ts';
import type { VaultAdapter } from '../vault/adapter.ts';
import { staticToken, tokenFile, type TokenSource } from '../vault/auth.ts';
import { isCasMismatch } from '../vault/errors.ts';
import { pushSource, planPush, targetPath, type Current } from './push-plan.ts';

/**
 * `posture vault push FILE` (docs/adr/0055-vault-push.md): a sealed Secret's values into Vault KV v2, so git
 * keeps the sealed copy and Vault Agent delivers it at run time. Decrypts in memory only; prints
 * keys and versions, never a value.
 */

export interface PushOptions {
  path?: string;
  force?: boolean;
  cas?: number;
}

export interface PushIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The plaintext of a sealed file; a plaintext file is refused with how to seal it. */
export function sealedPlaintext(file: string, text: string, env: PushIo['env']): string {
  const document: unknown = parse(text);
  const sealed = typeof document === 'object' && document !== null && 'sops' in document;
  if (!sealed)
    throw new Error(
      `is not sealed (no sops metadata): seal it first with \`posture seal -i ${file}\` ` +
        '(recipients from .sops.yaml), so only the sealed copy is ever committed',
    );
  return unsealText(text, ageIdentities(env));
}

async function currentAt(vault: VaultAdapter, path: string): Promise<Current> {
  const secret = await vault.kvRead(path);
  if (secret) return { version: secret.version, data: secret.data };
  // A deleted version reads as absent but still counts for check-and-set.
  return { version: (await vault.kvMetadata(path))?.currentVersion ?? 0 };
}

/** Decrypts, decides, writes; returns the exit code (0 written or unchanged, 1 refused). */
export async function runVaultPush(
  file: string,
  options: PushOptions,
  io: PushIo,
  vault: () => VaultAdapter,
): Promise<number> {
  try {
    const source = pushSource(sealedPlaintext(file, readFileSync(file, 'utf8'), io.env));
    const path = targetPath(options.path, source.annotatedPath);
    const client = vault();
    const plan = planPush(await currentAt(client, path), source.values, options);
    const keys = Object.keys(source.values).sort().join(', ');
    if ('refused' in plan) throw new Error(`${path}: ${plan.refused}; nothing was written`);
    if (!plan.write) {
      io.stdout.write(`${path}: unchanged at version ${plan.version} (keys ${keys})\n`);
      return 0;
    }
    const written = await client.kvWrite(path, source.values, plan.cas).catch((error: unknown) => {
      if (!isCasMismatch(error)) throw error;
      throw new Error(
        `${path} changed while pushing (check-and-set refused); nothing was written: run again`,
      );
    });
    io.stdout.write(`${path}: wrote version ${written.version} (keys ${keys})\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`posture vault push: ${file}: ${(error as Error).message}\n`);
    return 1;
  }
}

export interface VaultAccessOptions {
  vaultAddr?: string;
  vaultTokenFile?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The Vault the push writes to: `--vault-addr` or VAULT_ADDR, the token from
 * `--vault-token-file` or VAULT_TOKEN. A token and secret values never cross the network in
 * clear: http is allowed on loopback only (a dev server, a local agent). TLS trust is Node's:
 * the system CAs plus NODE_EXTRA_CA_CERTS.
 */
export function vaultAccess(
  options: VaultAccessOptions,
  env: PushIo['env'],
): { address: string; token: TokenSource } {
  const address = options.vaultAddr ?? env['VAULT_ADDR'];
  if (!address) throw new Error('no Vault address: pass --vault-addr or set VAULT_ADDR');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`--vault-addr ${address} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new Error(
      `${address}: use https (http only on loopback): a token must not travel in clear`,
    );
  if (options.vaultTokenFile) return { address, token: tokenFile(options.vaultTokenFile) };
  const token = env['VAULT_TOKEN'];
  if (!token) throw new Error('no Vault token: pass --vault-token-file or set VAULT_TOKEN');
  return { address, token: staticToken(token) };
}
