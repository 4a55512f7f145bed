import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { residentBySource } from './smaps.ts';

const mapping = (range: string, path: string, rssKb: number) =>
  [
    `${range} r-xp 00000000 08:01 123${path ? `                      ${path}` : ''}`,
    `Size:              ${rssKb * 2} kB`,
    `Rss:               ${rssKb} kB`,
    `Pss:               ${rssKb} kB`,
  ].join('\n');

describe('residentBySource', () => {
  it("should put the node binary's pages, malloc's arena, anonymous memory and other files apart", () => {
    const smaps = [
      mapping('00400000-00500000', '/work/node_modules/node/bin/node', 40 * 1024),
      mapping('00500000-00600000', '/work/node_modules/node/bin/node', 14 * 1024),
      mapping('01000000-03000000', '[heap]', 30 * 1024),
      mapping('7f0000000000-7f0001000000', '', 100 * 1024),
      mapping('7f0001000000-7f0001100000', '[stack]', 1024),
      mapping('7f0002000000-7f0002100000', '/usr/lib/x86_64-linux-gnu/libc.so.6', 2 * 1024),
    ].join('\n');
    assert.deepEqual(residentBySource(smaps), { binary: 54, malloc: 30, anonymous: 101, files: 2 });
  });

  it('should read the smaps of a live process', async () => {
    const { residentOf } = await import('./smaps.ts');
    const r = residentOf(process.pid);
    assert.ok(r.binary > 0 && r.anonymous > 0, JSON.stringify(r));
  });
});
