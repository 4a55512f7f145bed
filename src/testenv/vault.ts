import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, httpOk, startProcess, waitUntil, type Managed } from './process.ts';

export interface VaultServer {
  addr: string;
  token: string;
  process: Managed;
}

async function vaultRequest(
  addr: string,
  token: string,
  path: string,
  body: unknown,
): Promise<void> {
  const response = await fetch(`${addr}/v1/${path}`, {
    method: 'POST',
    headers: { 'x-vault-token': token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new Error(`vault POST ${path}: ${response.status} ${await response.text()}`);
  }
}

/**
 * Vault in dev mode (in memory, unsealed) with a random root token, KV v2 at `secret/`
 * (dev mode's default) and the Kubernetes auth method enabled at `auth/kubernetes`.
 */
export async function startVault(bin: string, dir: string): Promise<VaultServer> {
  const port = await freePort();
  const addr = `http://127.0.0.1:${port}`;
  const token = `root-${randomBytes(12).toString('hex')}`;
  const vault = startProcess({
    name: 'vault',
    bin,
    logFile: join(dir, 'vault.log'),
    args: [
      'server',
      '-dev',
      `-dev-root-token-id=${token}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      '-dev-no-store-token',
    ],
    // Dev mode writes a token helper file under HOME; keep it inside the environment folder.
    env: { HOME: dir, VAULT_ADDR: addr },
  });
  await waitUntil(vault, () => httpOk(`${addr}/v1/sys/health`), { timeoutMs: 60_000 });
  try {
    await vaultRequest(addr, token, 'sys/auth/kubernetes', { type: 'kubernetes' });
  } catch (error) {
    await vault.stop();
    throw error;
  }
  return { addr, token, process: vault };
}
