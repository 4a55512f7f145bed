import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ringFile, rotated } from '../hmac/testing/rings.ts';
import { runProvenanceSign, runProvenanceVerify } from './provenance.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const exec = promisify(execFile);
const main = new URL('./main.ts', import.meta.url).pathname;
const dir = scratchDir('posture-provenance-');

const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  return {
    lines,
    output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) },
  };
}

const BRAIN = `sha256:${'c'.repeat(64)}`;
const digests = {
  'ghcr.io/titan/brain': BRAIN,
  'ghcr.io/titan/sentinel': `sha256:${'d'.repeat(64)}`,
};
const release = ringFile('release-1');
const keyFile = file('ring.json', release);
const digestsFile = file('digests.json', digests);
const tagFile = file('tag.json', { ...digests, 'ghcr.io/titan/brain': 'v1.4.2' });

function sign(digestsPath = digestsFile, key = keyFile, out?: string) {
  const { lines, output } = capture();
  const code = runProvenanceSign(digestsPath, { keyFile: key, ...(out && { out }) }, output);
  return { code, ...lines };
}

function verify(digestsPath: string, signature: string, key = keyFile) {
  const { lines, output } = capture();
  const code = runProvenanceVerify(digestsPath, { signature, keyFile: key }, output);
  return { code, ...lines };
}

describe('posture provenance', () => {
  const signed = sign();
  const signature = `${digestsFile}.sig`;

  it('should write the signature beside the digests and verify it', () => {
    assert.equal(signed.code, 0, signed.err.join('\n'));
    assert.deepEqual(signed.out, [
      `${signature}: signed ${digestsFile} with key release-1 (sha256)`,
    ]);
    const written = JSON.parse(readFileSync(signature, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(written), ['keyId', 'algorithm', 'signature']);
    const result = verify(digestsFile, signature);
    assert.deepEqual(result, {
      code: 0,
      out: [`${digestsFile}: signature verified with key release-1, 2 pinned image(s)`],
      err: [],
    });
  });

  it('should verify the same digests written in another key order and layout', () => {
    const reordered = file(
      'reordered.json',
      JSON.stringify(Object.fromEntries(Object.entries(digests).reverse()), null, 2),
    );
    assert.equal(verify(reordered, signature).code, 0);
  });

  it('should verify with the secondary key of a rotated ring and sign to --out', () => {
    const ringAfter = file('rotated.json', rotated(release, 'release-2'));
    assert.equal(verify(digestsFile, signature, ringAfter).code, 0);
    const out = join(dir, 'new.sig');
    assert.equal(sign(digestsFile, ringAfter, out).code, 0);
    assert.match(readFileSync(out, 'utf8'), /"keyId": "release-2"/);
  });

  const otherRing = file('other.json', ringFile('release-1'));
  const unknownRing = file('unknown.json', ringFile('release-9'));
  const sig = JSON.parse(readFileSync(signature, 'utf8')) as Record<string, string>;
  const failures: [string, () => ReturnType<typeof verify>, RegExp][] = [
    [
      'should fail when a digest changed after signing',
      () =>
        verify(
          file('changed.json', { ...digests, 'ghcr.io/titan/brain': `sha256:${'e'.repeat(64)}` }),
          signature,
        ),
      /signature does not match the digests with key "release-1".*\(SignatureMismatch\)$/,
    ],
    [
      'should fail when another key with the same id signed',
      () => verify(digestsFile, signature, otherRing),
      /\(SignatureMismatch\)$/,
    ],
    [
      'should fail when the ring does not hold the key id',
      () => verify(digestsFile, signature, unknownRing),
      /signed with key "release-1", which the key ring does not hold \(it holds "release-9"\) \(UnknownKeyId\)$/,
    ],
    [
      'should fail on an unpinned image',
      () => verify(tagFile, signature),
      /digests file .*tag\.json image ghcr\.io\/titan\/brain is not pinned: its digest must be sha256: and 64 lowercase hex digits, got "v1\.4\.2"$/,
    ],
    [
      'should fail on a digests file that is not JSON',
      () => verify(file('broken.json', '{"ghcr.io/titan/brain": '), signature),
      /digests file .*broken\.json is not JSON/,
    ],
    [
      'should fail on a missing digests file',
      () => verify(join(dir, 'absent.json'), signature),
      /digests file .*absent\.json: cannot read it \(ENOENT\)$/,
    ],
    [
      'should fail on a signature file without a key id',
      () => verify(digestsFile, file('nokey.sig', { ...sig, keyId: undefined })),
      /signature file .*nokey\.sig keyId: /,
    ],
    [
      'should fail on a signature file that is not JSON',
      () => verify(digestsFile, file('text.sig', 'c2lnbmF0dXJl')),
      /signature file .*text\.sig is not JSON$/,
    ],
    [
      'should fail on a missing signature file',
      () => verify(digestsFile, join(dir, 'absent.sig')),
      /signature file .*absent\.sig: cannot read it \(ENOENT\)$/,
    ],
    [
      'should fail on a missing key file, naming the option',
      () => verify(digestsFile, signature, join(dir, 'absent-ring.json')),
      /HMAC key file .*absent-ring\.json missing \(--key-file\): pass the key ring JSON file/,
    ],
    [
      'should fail on an invalid key file without showing it',
      () =>
        verify(digestsFile, signature, file('bad-ring.json', { ...release, primary: 'c2hvcnQ=' })),
      /HMAC key file .*bad-ring\.json \(--key-file\) is not a valid key ring: primary: must be base64 of exactly 32 bytes/,
    ],
  ];
  for (const [name, run, message] of failures) {
    it(name, () => {
      const result = run();
      assert.equal(result.code, 1);
      assert.deepEqual(result.out, []);
      assert.equal(result.err.length, 1, result.err.join('\n'));
      assert.match(result.err[0]!, /^posture provenance verify: /);
      assert.match(result.err[0]!, message);
      assert.ok(!result.err[0]!.includes(release.primary), 'the key must not appear');
    });
  }

  it('should refuse to sign unpinned digests, writing nothing', () => {
    const unpinned = file('unpinned.json', { 'ghcr.io/titan/brain': 'latest' });
    const result = sign(unpinned);
    assert.equal(result.code, 1);
    assert.match(result.err[0]!, /^posture provenance sign: digests file .* is not pinned/);
    assert.throws(() => readFileSync(`${unpinned}.sig`), /ENOENT/);
  });

  it('should exit 1 with one line and no stack trace from the command line', async () => {
    const cli = (digestsPath: string) =>
      exec(process.execPath, [
        ...[main, 'provenance', 'verify', digestsPath],
        ...['--signature', signature, '--key-file', keyFile],
      ]).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const failed = await cli(tagFile);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^posture provenance verify: digests file .* is not pinned.*\n$/);
    assert.doesNotMatch(failed.stderr, /\n\s+at /);
    const ok = await cli(digestsFile);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /signature verified with key release-1/);
  });
});
