import { randomBytes } from 'node:crypto';
import type { CustomResources } from '../render/build-model.ts';
import type { VaultAdapter } from '../vault/adapter.ts';
import { VaultRequestError } from '../vault/errors.ts';

/**
 * Local development only: the secrets a platform declares, written into the dev Vault with
 * random values where nothing is stored yet, so `posture dev up` shows the platform Ready.
 * Never hardcoded: each value is 32 random bytes, made here and never printed.
 */

const random = () => randomBytes(32).toString('base64url');

/** Path → the fields a reader expects there. */
export function declaredSecrets(resources: CustomResources): Map<string, string[]> {
  const paths = new Map<string, Set<string>>();
  const want = (path: string, ...fields: string[]) => {
    const set = paths.get(path) ?? new Set<string>();
    fields.forEach((f) => set.add(f));
    paths.set(path, set);
  };
  for (const { object } of resources.exchangeCredentials)
    want(object.spec.vaultPath, 'apiKey', 'apiSecret');
  for (const { object } of resources.hmacKeyRings) want(object.spec.vaultPath, 'primary', 'keyId');
  for (const { object } of resources.tradingServices)
    for (const secret of object.spec.secrets) want(secret.vaultPath, secret.key);
  return new Map([...paths].map(([path, fields]) => [path, [...fields].sort()]));
}

/** Writes each declared secret that does not exist yet (check-and-set 0); returns the count. */
export async function seedDevSecrets(
  vault: VaultAdapter,
  resources: CustomResources,
): Promise<number> {
  let written = 0;
  for (const [path, fields] of declaredSecrets(resources)) {
    const data = Object.fromEntries(fields.map((f) => [f, f === 'keyId' ? 'dev-1' : random()]));
    try {
      await vault.kvWrite(path, data, 0);
      written += 1;
    } catch (error) {
      // check-and-set 0 refuses an existing secret: it stays as it is.
      if (!(error instanceof VaultRequestError)) throw error;
    }
  }
  return written;
}
