import type { ListOptions, WatchOptions } from '../kube/client.ts';
import type { Resource } from '../kube/resources.ts';
import type { KubeList, KubeObject, WatchEvent } from '../kube/types.ts';

/** A scripted watch stream: push events, end it, or leave it silent (a stalled watch). */
export class Channel {
  readonly #events: Array<WatchEvent | 'end' | Error> = [];
  #wake: (() => void) | undefined;

  push(event: WatchEvent | 'end' | Error): void {
    this.#events.push(event);
    this.#wake?.();
  }

  async *stream(signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    const aborted = new Promise<void>((resolve) =>
      signal?.addEventListener('abort', () => resolve()),
    );
    for (;;) {
      const next = this.#events.shift();
      if (next === 'end') return;
      if (next instanceof Error) throw next;
      if (next) {
        yield next;
        continue;
      }
      await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), aborted]);
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    }
  }
}

export interface SourceCall {
  verb: 'list' | 'watch';
  resourceVersion?: string;
}

/**
 * A WatchSource driven by the test: each list answers the next scripted list (or throws the
 * scripted error), each watch streams the next scripted channel.
 */
export class FakeSource {
  readonly calls: SourceCall[] = [];
  readonly lists: Array<KubeList | Error> = [];
  readonly watches: Channel[] = [];

  listAll<T extends KubeObject>(_resource: Resource, _options?: ListOptions): Promise<KubeList<T>> {
    this.calls.push({ verb: 'list' });
    const next = this.lists.shift();
    if (!next) return Promise.reject(new Error('FakeSource: no list scripted'));
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(next as KubeList<T>);
  }

  watch<T extends KubeObject>(
    _resource: Resource,
    options: WatchOptions,
  ): AsyncGenerator<WatchEvent<T>> {
    this.calls.push({ verb: 'watch', resourceVersion: options.resourceVersion });
    const channel = this.watches.shift() ?? new Channel();
    return channel.stream(options.signal) as AsyncGenerator<WatchEvent<T>>;
  }
}

export function object(name: string, resourceVersion: string, namespace = 'ns'): KubeObject {
  return { metadata: { name, namespace, resourceVersion } };
}
