import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { FakeClock } from '../lib/testing/fake-clock.ts';
import { KeyRingFile } from './loader.ts';
import { ringOf, type RingFile } from './ring-file.ts';
import { Signer } from './sign.ts';
import { Verifier } from './verify.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const dir = scratchDir('posture-hmac-redact-');

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

/** Every spelling of the key a careless log line could carry. */
function spellings(keys: Buffer[]): string[] {
  return keys.flatMap((k) => [k.toString('base64'), k.toString('base64url'), k.toString('hex')]);
}

function assertHidden(output: string, keys: Buffer[], what: string): void {
  for (const spelling of spellings(keys)) {
    assert.ok(!output.includes(spelling), `${what} shows a key: ${output}`);
  }
  assert.ok(!/\b(?:[0-9a-f]{2} ){8}/.test(output), `${what} shows raw bytes: ${output}`);
}

function views(value: unknown): [string, string][] {
  return [
    ['JSON.stringify', JSON.stringify(value)],
    ['util.inspect', inspect(value, { depth: 10, showHidden: true })],
    ['template string', `${String(value)}`],
  ];
}

describe('redaction of key material', () => {
  it('should never show a key in the JSON or inspection of a ring, signer, verifier or file', () => {
    fc.assert(
      fc.property(key, key, (primary, secondary) => {
        const file: RingFile = {
          algorithm: 'sha256',
          keyId: 'k2',
          primary: primary.toString('base64'),
          secondaryKeyId: 'k1',
          secondary: secondary.toString('base64'),
        };
        const path = join(dir, 'ring.json');
        writeFileSync(path, JSON.stringify(file));
        const ring = ringOf(file);
        const loaded = new KeyRingFile(
          { path, variable: 'X_FILE' },
          { watch: false, clock: new FakeClock() },
        );
        const objects = {
          ring,
          signer: new Signer({ ring }),
          verifier: new Verifier({ ring }),
          file: loaded,
        };
        for (const [name, object] of Object.entries({ ...objects, all: objects })) {
          for (const [how, output] of views(object))
            assertHidden(output, [primary, secondary], `${how}(${name})`);
        }
        loaded.close();
      }),
      { numRuns: 50 },
    );
  });

  it('should show the key ids and the algorithm, which are not secret', () => {
    const ring = ringOf({
      algorithm: 'sha384',
      keyId: 'k9',
      primary: Buffer.alloc(32, 1).toString('base64'),
    });
    assert.equal(
      JSON.stringify({ ring }),
      '{"ring":{"algorithm":"sha384","keyId":"k9","primary":"[redacted]"}}',
    );
    assert.equal(
      inspect(ring),
      'KeyRing {"algorithm":"sha384","keyId":"k9","primary":"[redacted]"}',
    );
  });

  it('should not echo a key in the error for a key of the wrong length', () => {
    const short = Buffer.alloc(31, 7).toString('base64');
    const path = join(dir, 'short.json');
    writeFileSync(path, JSON.stringify({ algorithm: 'sha256', keyId: 'k', primary: short }));
    assert.throws(
      () => new KeyRingFile({ path, variable: 'X_FILE' }, { watch: false }),
      (error: Error) =>
        !error.message.includes(short) && /primary: must be base64/.test(error.message),
    );
  });
});
