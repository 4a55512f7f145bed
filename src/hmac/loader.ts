import { readFileSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { inspect } from 'node:util';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { keyFileFromEnv, type KeyFileLocation } from './env.ts';
import { parseRingFile } from './ring-file.ts';
import type { KeyRing } from './ring.ts';

export interface KeyRingFileOptions {
  clock?: Clock;
  /** Watch the directory for the rename that replaces the file. @default true */
  watch?: boolean;
  /** Period of the stat fallback (fs.watch can miss events, e.g. on some volumes). @default 10 s */
  pollMs?: number;
  /** Called with each new ring after a reload. */
  onReload?: (ring: KeyRing) => void;
  /** Called when a reload fails; the last good ring stays current. */
  onError?: (error: Error) => void;
}

/** Loads a ring file (no watching); throws naming the path, the variable and the fix. */
export function readKeyRingFile(location: KeyFileLocation): KeyRing {
  const { path, variable } = location;
  const source = `${path} (${variable})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw missing(location, error);
  }
  return parseRingFile(text, source);
}

function missing(location: KeyFileLocation, error: unknown): Error {
  const { path, variable } = location;
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === 'ENOENT' ? 'missing' : `unreadable (${code ?? String(error)})`;
  const fix =
    location.fix ??
    `is the pod annotated for Vault Agent (vault.hashicorp.com/agent-inject-secret-${basename(path)}) ` +
      "and may its Vault role read the key ring's path? posture adds both for a TradingService " +
      'that lists the ring under spec.hmac and that the HmacKeyRing names as signer or listener.';
  return new Error(`HMAC key file ${path} ${what} (${variable}): ${fix}`);
}

const fingerprint = (s: Stats) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/**
 * A ring file that follows its changes. Vault Agent replaces the file by rename, so the
 * directory is watched (the file's inode changes), with a periodic stat as a fallback. A
 * changed file that is missing or invalid keeps the last good ring and reports through
 * onError: the keys it held were valid, and a service must not stop verifying mid-rotation.
 */
export class KeyRingFile {
  readonly location: KeyFileLocation;
  #ring: KeyRing;
  #seen = '';
  #watcher: FSWatcher | undefined;
  #timer: TimerHandle = undefined;
  #closed = false;
  readonly #clock: Clock;
  readonly #options: KeyRingFileOptions;

  /** Opens `<NAME>_FILE` from the environment (NAME or NAME_FILE). */
  static fromEnv(name: string, options: KeyRingFileOptions = {}): KeyRingFile {
    return new KeyRingFile(keyFileFromEnv(name), options);
  }

  /** Reads the file now (throws when missing or invalid), then follows it. */
  constructor(location: KeyFileLocation, options: KeyRingFileOptions = {}) {
    this.location = location;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#seen = this.#stat();
    this.#ring = readKeyRingFile(location);
    if (options.watch !== false) this.#watch();
    this.#schedule();
  }

  current(): KeyRing {
    return this.#ring;
  }

  /** Re-reads the file; true when the ring changed. Watch and poll call it; so may tests. */
  reload(): boolean {
    try {
      this.#seen = this.#stat();
      const ring = readKeyRingFile(this.location);
      if (ring.equals(this.#ring)) return false;
      this.#ring = ring;
      this.#options.onReload?.(ring);
      return true;
    } catch (error) {
      this.#options.onError?.(error as Error);
      return false;
    }
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#clock.clearTimeout(this.#timer);
  }

  #stat(): string {
    try {
      return fingerprint(statSync(this.location.path));
    } catch {
      return 'missing';
    }
  }

  #watch(): void {
    try {
      // Any event in the directory: the rename that replaces the file, or a symlink swap.
      this.#watcher = watch(dirname(this.location.path), { persistent: false }, () =>
        this.reload(),
      );
      this.#watcher.on('error', (error) => this.#options.onError?.(error));
    } catch (error) {
      this.#options.onError?.(error as Error);
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stat() !== this.#seen) this.reload();
      this.#schedule();
    }, this.#options.pollMs ?? 10_000);
  }

  toJSON(): Record<string, unknown> {
    return { ...this.location, ring: this.#ring.toJSON() };
  }

  [inspect.custom](): string {
    return `KeyRingFile ${JSON.stringify(this.toJSON())}`;
  }
}
