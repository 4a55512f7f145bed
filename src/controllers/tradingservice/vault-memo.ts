import { createHash } from 'node:crypto';

/**
 * What the TradingService controller last read or wrote of the Vault state only it writes
 * (docs/adr/0067): each service's policy and Kubernetes-auth role (as digests of the text
 * posture wants), the NKey's newest version and public key, and what the creds' JWT says. Never
 * a seed: those are read from Vault when a JWT is issued, and leave with the creds.
 *
 * Remembered until the next resync (and forgotten when leadership starts), so every resync
 * reads Vault as every reconcile did before: what someone else changed there is found, and put
 * right, by the same resync as ever. A change of the TradingService itself (spec, labels,
 * annotations: not its status) forgets its entries too, so the reconcile it queues reads Vault
 * whole. Between those, a reconcile that another object's event queued (a peer, a child, the
 * NATS confirmation) reads only what others write (the KV versions it pins), not what it wrote
 * itself a moment ago: at 1,000 services that was 6 reads of 17.5 Vault requests per service.
 *
 * A write forgets its entry before it is sent and remembers what it wrote only once Vault
 * answered: a write that failed may or may not have landed, so the next reconcile reads again.
 * Check-and-set guards the KV writes anyway; a stale entry there fails the write, never
 * overwrites.
 */

/** Vault holds nothing there, as this operator last saw or made it. */
export const ABSENT = Symbol('absent');

export type Known<T> = T | typeof ABSENT;

export class VaultMemo {
  readonly #entries = new Map<string, unknown>();
  /** Reads in flight, by key: a forget or clear drops a key's, so its answer is not kept. */
  readonly #reading = new Map<string, symbol>();
  /** Keys a check-and-set write found taken: read before anything is assumed of them again. */
  readonly #taken = new Set<string>();

  /** What is remembered at `key` (ABSENT included), or undefined when nothing is. */
  known<T>(key: string): Known<T> | undefined {
    return this.#entries.get(key) as Known<T> | undefined;
  }

  /** `read`'s answer (undefined: absent), asking Vault only when nothing is remembered. */
  async read<T>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const known = this.known<T>(key);
    if (known !== undefined) return known === ABSENT ? undefined : known;
    const token = Symbol(key);
    this.#reading.set(key, token);
    try {
      const value = await read();
      // The key was forgotten while Vault answered: the answer may predate what made it forget.
      if (this.#reading.get(key) === token) this.#entries.set(key, value ?? ABSENT);
      this.#taken.delete(key);
      return value;
    } finally {
      if (this.#reading.get(key) === token) this.#reading.delete(key);
    }
  }

  /** Runs `write` with nothing remembered at `key`, then remembers what it says Vault holds. */
  async write<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.#entries.delete(key);
    const value = await write();
    if (value !== undefined) this.#entries.set(key, value);
    return value;
  }

  /**
   * Takes `keys` as absent, unread, where nothing is remembered: a service never reconciled (no
   * status) has nothing of its own in Vault yet. Its writes are checked-and-set against absence,
   * so if something is there after all (a crash before its status was written), the write fails,
   * `taken` marks the key, and the retry reads it.
   */
  assumeAbsent(...keys: string[]): void {
    for (const key of keys)
      if (!this.#entries.has(key) && !this.#taken.has(key)) this.#entries.set(key, ABSENT);
  }

  /** A check-and-set write at `key` found another version: forget it, and read it next time. */
  taken(key: string): void {
    this.forget(key);
    this.#taken.add(key);
  }

  /** Remembers `value` at `key` (what a read just confirmed). */
  remember<T>(key: string, value: Known<T>): void {
    this.#entries.set(key, value);
  }

  /** Forgets `keys`: the next reconcile that needs them reads Vault again. */
  forget(...keys: string[]): void {
    for (const key of keys) {
      this.#entries.delete(key);
      this.#reading.delete(key);
    }
  }

  /** Forgets everything: the next reconcile of each service reads Vault again. */
  clear(): void {
    this.#entries.clear();
    this.#reading.clear();
    this.#taken.clear();
  }
}

/** Digest of a text posture wants in Vault: the memo keeps this, not the text. */
export const digestOf = (text: string): string =>
  createHash('sha256').update(text).digest('base64');

const at = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;

/** The memo's keys. */
export const memoKey = {
  policy: (name: string) => `policy:${name}`,
  role: (name: string) => `role:${name}`,
  nkey: (ref: { namespace: string; name: string }) => `nkey:${at(ref)}`,
  creds: (ref: { namespace: string; name: string }) => `creds:${at(ref)}`,
};

/** Every key of a service: its policy and role (`vaultName`), NKey and creds. */
export const serviceKeys = (ref: { namespace: string; name: string }, vaultName: string) => [
  memoKey.policy(vaultName),
  memoKey.role(vaultName),
  memoKey.nkey(ref),
  memoKey.creds(ref),
];
