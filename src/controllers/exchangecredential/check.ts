import type { ExchangeCredential } from '../../api/exchangecredential/schema.ts';
import {
  ExchangeUnavailableError,
  introspects,
  type ExchangeApi,
  type ExchangeKey,
} from '../../exchanges/types.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { vaultFailure } from '../kit/vault.ts';
import type { CheckResult } from './verify.ts';

/** The two fields every reader of an exchange key expects (`posture dev up` seeds the same). */
function keyOf(data: Record<string, string> | undefined): ExchangeKey | undefined {
  const apiKey = data?.apiKey;
  const apiSecret = data?.apiSecret;
  if (!apiKey || !apiSecret) return undefined;
  return { apiKey, apiSecret };
}

type KeyRead = { ok: true; key: ExchangeKey } | { ok: false; result: CheckResult };

async function readKey(vault: VaultAdapter, path: string, version: number): Promise<KeyRead> {
  try {
    const secret = await vault.kvRead(path, version);
    const key = keyOf(secret?.data);
    if (key) return { ok: true, key };
    const message = secret
      ? `the secret at ${path} (version ${version}) lacks apiKey or apiSecret: write both fields`
      : `version ${version} of ${path} is deleted: write the key again`;
    return { ok: false, result: { state: 'unusable', message } };
  } catch (error) {
    const vault = vaultFailure(error);
    if (vault) return { ok: false, result: { state: 'vault', vault } };
    throw error;
  }
}

/**
 * Gather, when planCheck says so: reads key version `version` from Vault (the one whose
 * metadata was seen) and asks the exchange about it, signed with it. The key lives only in this
 * call: it is never returned, stored, logged or put in an error.
 */
export async function askExchange(
  io: { vault: VaultAdapter; exchanges: ExchangeApi },
  credential: ExchangeCredential,
  version: number,
  signal?: AbortSignal,
): Promise<CheckResult> {
  const { exchange, vaultPath } = credential.spec;
  if (!introspects(exchange)) throw new Error(`${exchange} cannot be asked about keys`);
  const read = await readKey(io.vault, vaultPath, version);
  if (!read.ok) return read.result;
  try {
    return {
      state: 'answered',
      answer: await io.exchanges.describeKey(exchange, read.key, signal),
    };
  } catch (error) {
    if (error instanceof ExchangeUnavailableError)
      return { state: 'unreachable', message: error.message };
    throw error;
  }
}
