import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '../lib/testing/fake-clock.ts';
import { keyFileFromEnv } from './env.ts';
import { KeyRingFile, readKeyRingFile } from './loader.ts';
import type { RingFile } from './ring-file.ts';
import type { KeyRing } from './ring.ts';
import { ringFile, rotated } from './testing/rings.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const dir = scratchDir('posture-hmac-');
let files = 0;

/** Writes the ring as Vault Agent does: a temporary file, then a rename over the target. */
function replace(path: string, ring: RingFile | string): void {
  const temp = join(dir, `.tmp-${files++}`);
  writeFileSync(temp, typeof ring === 'string' ? ring : JSON.stringify(ring), { mode: 0o400 });
  renameSync(temp, path);
}

function newFile(ring: RingFile): string {
  const path = join(dir, `ring-${files++}.json`);
  replace(path, ring);
  return path;
}

/** Resolves with the next reloaded ring, or rejects after a bound generous for a loaded CI box. */
function nextReload(wait: { resolve?: (ring: KeyRing) => void }, ms = 20_000): Promise<KeyRing> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reload within ${ms} ms`)), ms);
    wait.resolve = (ring) => {
      clearTimeout(timer);
      resolve(ring);
    };
  });
}

describe('key ring file', () => {
  it('should pick up a rotated key when the file is replaced by rename', async () => {
    const first = ringFile('k1');
    const path = newFile(first);
    const wait: { resolve?: (ring: KeyRing) => void } = {};
    const file = new KeyRingFile(
      { path, variable: 'TITAN_HMAC_SECRET_FILE' },
      { pollMs: 1_000, onReload: (ring) => wait.resolve?.(ring) },
    );
    try {
      assert.equal(file.current().keyId, 'k1');
      const reloaded = nextReload(wait);
      replace(path, rotated(first, 'k2'));
      assert.deepEqual((await reloaded).keyIds, ['k2', 'k1']);
      assert.deepEqual(file.current().keyIds, ['k2', 'k1']);
    } finally {
      file.close();
    }
  });

  it('should notice a replaced file by its periodic stat when no watch event comes', async () => {
    const clock = new FakeClock();
    const path = newFile(ringFile('k1'));
    const file = new KeyRingFile(
      { path, variable: 'X_FILE' },
      { clock, pollMs: 5_000, watch: false },
    );
    try {
      replace(path, ringFile('k2'));
      await clock.advance(4_999);
      assert.equal(file.current().keyId, 'k1');
      await clock.advance(1);
      assert.equal(file.current().keyId, 'k2');
      assert.equal(clock.pending, 1);
    } finally {
      file.close();
    }
    assert.equal(clock.pending, 0);
  });

  it('should keep the last good ring and report when the new file is invalid', () => {
    const path = newFile(ringFile('k1'));
    const errors: string[] = [];
    const file = new KeyRingFile(
      { path, variable: 'X_FILE' },
      { watch: false, clock: new FakeClock(), onError: (e) => errors.push(e.message) },
    );
    try {
      replace(path, '{"algorithm":"sha1"}');
      assert.equal(file.reload(), false);
      assert.equal(file.current().keyId, 'k1');
      assert.match(errors[0] ?? '', /HMAC key file .* \(X_FILE\) is not a valid key ring: /);
      replace(path, ringFile('k3'));
      assert.equal(file.reload(), true);
      assert.equal(file.current().keyId, 'k3');
    } finally {
      file.close();
    }
  });

  it('should report no change when the same ring is written again', () => {
    const ring = ringFile('k1');
    const path = newFile(ring);
    const file = new KeyRingFile(
      { path, variable: 'X_FILE' },
      { watch: false, clock: new FakeClock() },
    );
    replace(path, ring);
    assert.equal(file.reload(), false);
    file.close();
  });

  it('should refuse a missing file naming the path, the variable and the Vault Agent fix', () => {
    const path = '/vault/secrets/command-signals';
    assert.throws(
      () => readKeyRingFile({ path, variable: 'COMMAND_SIGNALS_FILE' }),
      new RegExp(
        '^Error: HMAC key file /vault/secrets/command-signals missing \\(COMMAND_SIGNALS_FILE\\): ' +
          'is the pod annotated for Vault Agent \\(vault\\.hashicorp\\.com/agent-inject-secret-command-signals\\)',
      ),
    );
  });

  it('should open the file named by NAME_FILE from the environment', () => {
    const path = newFile(ringFile('k5'));
    process.env['POSTURE_TEST_HMAC_FILE'] = path;
    try {
      const file = KeyRingFile.fromEnv('POSTURE_TEST_HMAC', {
        watch: false,
        clock: new FakeClock(),
      });
      assert.equal(file.current().keyId, 'k5');
      file.close();
    } finally {
      delete process.env['POSTURE_TEST_HMAC_FILE'];
    }
  });
});

describe('key file variable', () => {
  const cases: [string, string, Record<string, string>, string | RegExp][] = [
    ['should read NAME_FILE given NAME', 'HMAC', { HMAC_FILE: '/a' }, '/a'],
    ['should read NAME_FILE given NAME_FILE', 'HMAC_FILE', { HMAC_FILE: '/b' }, '/b'],
    ['should refuse an unset variable', 'HMAC', {}, /^HMAC_FILE is not set: posture sets it/],
    ['should refuse an empty variable', 'HMAC', { HMAC_FILE: '' }, /^HMAC_FILE is not set/],
  ];
  for (const [name, variable, env, expected] of cases) {
    it(name, () => {
      if (typeof expected === 'string') {
        assert.deepEqual(keyFileFromEnv(variable, env), { path: expected, variable: 'HMAC_FILE' });
      } else {
        assert.throws(() => keyFileFromEnv(variable, env), { message: expected });
      }
    });
  }
});
