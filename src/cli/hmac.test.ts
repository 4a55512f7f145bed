import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseRingFile } from '../hmac/ring-file.ts';
import { keygenText } from './hmac.ts';

const exec = promisify(execFile);
const main = new URL('./main.ts', import.meta.url).pathname;

describe('posture hmac keygen', () => {
  it('should print 32 random bytes in base64, different each time', () => {
    const [a, b] = [keygenText({ algorithm: 'sha256' }), keygenText({ algorithm: 'sha256' })];
    assert.match(a, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(Buffer.from(a, 'base64').length, 32);
    assert.notEqual(a, b);
  });

  it('should print a ring file that the key loader accepts', () => {
    const text = keygenText({ json: true, algorithm: 'sha512' });
    const ring = parseRingFile(text, 'keygen output');
    assert.equal(ring.algorithm, 'sha512');
    assert.match(ring.keyId, /^k-[0-9a-f]{12}$/);
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['algorithm', 'keyId', 'primary']);
  });

  it('should take the key id from --key-id', () => {
    const text = keygenText({ json: true, keyId: 'release-1', algorithm: 'sha256' });
    assert.equal((JSON.parse(text) as { keyId: string }).keyId, 'release-1');
  });

  const refused: [string, { keyId?: string; algorithm: string }, RegExp][] = [
    ['should refuse an unknown algorithm', { algorithm: 'md5' }, /--algorithm "md5": use one of/],
    ['should refuse a key id with a space', { keyId: 'a b', algorithm: 'sha256' }, /key id "a b"/],
  ];
  for (const [name, options, message] of refused) {
    it(name, () => assert.throws(() => keygenText({ json: true, ...options }), message));
  }

  it('should be a posture command whose help teaches where the key goes', async () => {
    const key = await exec(process.execPath, [main, 'hmac', 'keygen']);
    assert.equal(Buffer.from(key.stdout.trim(), 'base64').length, 32);
    const help = (await exec(process.execPath, [main, 'hmac', 'keygen', '--help'])).stdout;
    assert.match(help, /operator generates and rotates the keys of a ring itself/);
    assert.match(help, /vault kv put secret\/titan\/hmac\/command-signals -/);
    assert.match(help, /<NAME>_FILE/);
  });
});
