import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescingReloader, type ReloadTarget } from './reloader.ts';

/** A server whose marker changes on reload; `failReads` marker reads after the write fail. */
function target(failReads: number): ReloadTarget & { written: string[] } {
  let loaded = 0;
  let written = false;
  let failures = failReads;
  const texts: string[] = [];
  return {
    written: texts,
    write: (text) => {
      texts.push(text);
      written = true;
      return Promise.resolve();
    },
    reload: () => {
      loaded += 1;
      return Promise.resolve();
    },
    loadedMarker: () => {
      if (written && failures-- > 0) return Promise.reject(new Error('/varz timed out'));
      return Promise.resolve(String(loaded));
    },
  };
}

describe('CoalescingReloader', () => {
  it('should write a burst once and confirm the newest text', async () => {
    const server = target(0);
    const reloader = new CoalescingReloader({ target: server, windowMs: 10 });
    await Promise.all([reloader.apply('a'), reloader.apply('b'), reloader.apply('c')]);
    assert.deepEqual(server.written, ['c']);
    assert.equal(reloader.reloads, 1);
  });

  it('should keep confirming through a failed read of the marker', async () => {
    const server = target(2);
    const reloader = new CoalescingReloader({ target: server, windowMs: 0 });
    await reloader.apply('a');
    assert.equal(reloader.reloads, 1);
  });

  it('should fail with the last read error when the marker cannot be read until the deadline', async () => {
    const server = target(Number.POSITIVE_INFINITY);
    const reloader = new CoalescingReloader({ target: server, windowMs: 0, confirmTimeoutMs: 200 });
    await assert.rejects(reloader.apply('a'), /within 200 ms \(last read: \/varz timed out\)/);
  });
});
