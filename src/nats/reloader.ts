/**
 * Coalesces NATS auth-config changes into few reloads and confirms each one took effect.
 * A burst of CR changes asks for many configs; only the newest matters, so the first request
 * opens a short window, the newest text in it is written once, the server is told to reload,
 * and every request made before that write resolves when the server confirms the reload.
 * Requests that arrive during a reload wait for the next round (at most one more).
 */

export interface ReloadTarget {
  /** Writes the whole auth config (a Secret in the cluster, a file in tests). */
  write: (text: string) => Promise<void>;
  /** Asks nats-server to re-read its config (SIGHUP, or `nats-server --signal reload`). */
  reload: () => Promise<void>;
  /** A marker that changes when the server loads its config: /varz `config_load_time`. */
  loadedMarker: () => Promise<string>;
}

export interface ReloaderOptions {
  target: ReloadTarget;
  /** How long a burst may gather before it is written. @default 200 */
  windowMs?: number;
  /** How long to wait for the server to confirm a reload. @default 10_000 */
  confirmTimeoutMs?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CoalescingReloader {
  readonly #target: ReloadTarget;
  readonly #windowMs: number;
  readonly #confirmTimeoutMs: number;
  #pending: { text: string; waiters: Waiter[] } | undefined;
  #draining = false;
  /** Reloads performed so far (for tests and metrics). */
  reloads = 0;

  constructor(options: ReloaderOptions) {
    this.#target = options.target;
    this.#windowMs = options.windowMs ?? 200;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  }

  /** Resolves once a config at least as new as `text` is loaded and confirmed by the server. */
  apply(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiters = [...(this.#pending?.waiters ?? []), { resolve, reject }];
      this.#pending = { text, waiters };
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining || !this.#pending) return;
    this.#draining = true;
    // #drain settles every waiter itself; a request that slipped in as it ended is picked up.
    void this.#drain().finally(() => {
      this.#draining = false;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending) {
      await sleep(this.#windowMs);
      const round = this.#pending;
      this.#pending = undefined;
      try {
        await this.#reloadOnce(round.text);
        round.waiters.forEach((w) => w.resolve());
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        round.waiters.forEach((w) => w.reject(failure));
      }
    }
  }

  async #reloadOnce(text: string): Promise<void> {
    const before = await this.#target.loadedMarker();
    await this.#target.write(text);
    await this.#target.reload();
    this.reloads += 1;
    const deadline = Date.now() + this.#confirmTimeoutMs;
    let unread: Error | undefined;
    while (Date.now() < deadline) {
      // One slow or failed read (a busy nats-server or machine) is not a failed reload: the
      // config is written and signalled, so keep asking until the deadline.
      unread = undefined;
      const marker = await this.#target.loadedMarker().catch((error: unknown) => {
        unread = error instanceof Error ? error : new Error(String(error));
        return before;
      });
      if (marker !== before) return;
      await sleep(50);
    }
    const why =
      unread === undefined ? 'config_load_time unchanged' : `last read: ${unread.message}`;
    throw new Error(
      `nats-server did not confirm the reload within ${this.#confirmTimeoutMs} ms (${why}): check its log for a config error`,
    );
  }
}

/** nats-server's monitoring endpoint: the time it last loaded its config. */
export async function varzConfigLoadTime(monitorUrl: string): Promise<string> {
  const response = await fetch(`${monitorUrl}/varz`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`nats-server /varz answered ${response.status}`);
  const varz = (await response.json()) as { config_load_time?: string };
  return varz.config_load_time ?? '';
}
