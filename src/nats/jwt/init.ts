import { JwtAuthority, type KeyStore } from './authority.ts';

/** The public half of decentralized auth, as platform settings carry it (`nats.jwt`). */
export interface JwtSettings {
  operator: string;
  systemAccount: string;
}

/**
 * Creates (or reads: it is idempotent) the operator key and the system account's keys in Vault
 * and returns the JWTs nats-server must trust: the operator's, naming the system account, and
 * the system account's, which the resolver preloads. Two runs give JWTs for the same keys.
 */
export async function initJwt(
  store: KeyStore,
  kvMount: string,
  systemAccount: string,
): Promise<JwtSettings> {
  const authority = new JwtAuthority(store, kvMount, { create: true });
  const system = await authority.account(systemAccount);
  return {
    operator: await authority.operatorJwt(system.identity.getPublicKey()),
    systemAccount: await authority.accountJwt({ name: systemAccount, revocations: {} }),
  };
}
