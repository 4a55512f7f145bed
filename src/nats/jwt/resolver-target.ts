import { connect, credsAuthenticator, type NatsConnection } from 'nats';
import { parseAccountsText, type AccountClaims } from '../../render/nats/jwt.ts';
import type { ReloadTarget } from '../reloader.ts';
import type { JwtAuthority } from './authority.ts';

/**
 * Pushes account JWTs to nats-server's full resolver over the system account
 * (`$SYS.REQ.CLAIMS.UPDATE`) and confirms each: the reply must say `jwt updated`, the resolver
 * must hold exactly the pushed JWT, and a loaded account must run it. The reply alone is not
 * enough: nats-server 2.12 answers 200 for a JWT its resolver stores but then refuses to apply
 * (an untrusted issuer). Trust itself is checked before: the operator key in Vault must be the
 * subject of the operator JWT the platform settings give nats-server, and posture's system user
 * (signed with keys from Vault) must be able to log in. Revocations take effect without a
 * reload: nats-server disconnects a revoked user as it applies the account.
 */

/** The one call this needs: request/reply (a NatsConnection satisfies it). */
export interface SystemConnection {
  request(
    subject: string,
    data: Uint8Array,
    opts: { timeout: number },
  ): Promise<{ data: Uint8Array }>;
}

interface ServerReply {
  data?: { code?: number; message?: string; jwt?: string };
  error?: { code?: number; description?: string };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function ask(conn: SystemConnection, subject: string, body: string, timeout: number) {
  const reply = await conn.request(subject, encoder.encode(body), { timeout });
  return JSON.parse(decoder.decode(reply.data)) as ServerReply;
}

/** Throws what nats-server said when it did not answer `jwt updated`. */
function refusal(name: string, update: ServerReply): void {
  if (!update.error && update.data?.code === 200) return;
  const why = update.error?.description ?? update.data?.message ?? 'no reason given';
  throw new Error(`nats-server refused account ${name}: ${why}`);
}

/** Pushes one account; resolves once nats-server runs it. */
export async function pushAccount(
  conn: SystemConnection,
  jwt: string,
  account: { name: string; publicKey: string },
  timeoutMs = 10_000,
): Promise<void> {
  refusal(account.name, await ask(conn, '$SYS.REQ.CLAIMS.UPDATE', jwt, timeoutMs));
  const lookup = await lookupJwt(conn, account.publicKey, timeoutMs);
  if (lookup !== jwt)
    throw new Error(
      `nats-server answered "jwt updated" for account ${account.name} but its resolver holds another JWT: another writer, or a newer one was pushed`,
    );
  // An account nobody uses yet is not loaded; it loads the stored JWT at first use. A loaded
  // one must now run exactly this JWT.
  const info = await ask(conn, `$SYS.REQ.ACCOUNT.${account.publicKey}.INFO`, '', timeoutMs);
  const notLoaded = /does not exist/.test(info.error?.description ?? '');
  if (!notLoaded && info.data?.jwt !== jwt)
    throw new Error(
      `nats-server stored account ${account.name} but does not run it (its log says why: an operator key it does not trust?)`,
    );
}

/** The JWT nats-server's resolver holds for an account (an empty answer: none). */
async function lookupJwt(conn: SystemConnection, account: string, timeoutMs: number) {
  const reply = await conn.request(`$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`, new Uint8Array(), {
    timeout: timeoutMs,
  });
  return decoder.decode(reply.data);
}

export interface ResolverTargetOptions {
  systemAccount: string;
  timeoutMs?: number;
}

/** The natural connection: reconnects forever, named so nats-server's logs say who it is. */
export function systemConnection(url: string) {
  return async (creds: Uint8Array): Promise<NatsConnection> =>
    connect({
      servers: url,
      name: 'posture-operator',
      authenticator: credsAuthenticator(creds),
      maxReconnectAttempts: -1,
    });
}

/**
 * A ReloadTarget for the publisher: `write` pushes the accounts whose claims changed since the
 * last confirmed push (the text is accountsText), and confirms them; there is nothing to reload.
 */
export function resolverTarget(
  authority: JwtAuthority,
  connectAs: (creds: Uint8Array) => Promise<SystemConnection>,
  options: ResolverTargetOptions,
): ReloadTarget & { close: () => Promise<void> } {
  let conn: Promise<SystemConnection> | undefined;
  const pushed = new Map<string, string>();
  let generation = 0;
  const connection = () => {
    conn ??= authority
      .creds(options.systemAccount, 'posture-operator')
      .then((creds) => connectAs(creds))
      .catch((error: unknown) => {
        conn = undefined;
        throw error;
      });
    return conn;
  };
  const push = async (claims: AccountClaims) => {
    const canonical = JSON.stringify(claims);
    if (pushed.get(claims.name) === canonical) return;
    const keys = await authority.account(claims.name);
    const jwt = await authority.accountJwt(claims);
    await pushAccount(
      await connection(),
      jwt,
      { name: claims.name, publicKey: keys.identity.getPublicKey() },
      options.timeoutMs,
    );
    pushed.set(claims.name, canonical);
  };
  return {
    write: async (text) => {
      for (const claims of parseAccountsText(text)) await push(claims);
      generation += 1;
    },
    reload: () => Promise.resolve(),
    loadedMarker: () => Promise.resolve(String(generation)),
    close: async () => {
      const open = await conn?.catch(() => undefined);
      const closable = open as { close?: () => Promise<void> } | undefined;
      await closable?.close?.();
    },
  };
}
