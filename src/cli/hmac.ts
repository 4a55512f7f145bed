import type { Command } from 'commander';
import { generateKey, generateRing } from '../hmac/keygen.ts';
import { HMAC_ALGORITHMS, type HmacAlgorithm } from '../hmac/ring.ts';

export interface KeygenOptions {
  json?: boolean;
  keyId?: string;
  algorithm: string;
}

/** `posture hmac keygen`: a new key (base64), or with --json a whole ring file. */
export function keygenText(options: KeygenOptions, random?: (bytes: number) => Buffer): string {
  if (!options.json) return `${generateKey(random)}\n`;
  if (!(HMAC_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
    throw new Error(
      `--algorithm ${JSON.stringify(options.algorithm)}: use one of ${HMAC_ALGORITHMS.join(', ')}`,
    );
  }
  const ring = generateRing(options.algorithm as HmacAlgorithm, options.keyId, random);
  return `${JSON.stringify(ring)}\n`;
}

const USAGE = `
The HmacKeyRing operator generates and rotates the keys of a ring itself: do not write
keys into a ring it manages. keygen is for tests, the release provenance key and manual
recovery.

A ring file is the JSON every service reads from <NAME>_FILE:
  {"algorithm":"sha256","keyId":"<id>","primary":"<base64 of 32 bytes>"}
(during a rotation also "secondaryKeyId" and "secondary").

Examples:
  # a ring file for local runs and tests
  (umask 077; posture hmac keygen --json > ring.json)
  TITAN_HMAC_SECRET_FILE=$PWD/ring.json node my-service.js

  # manual recovery of a ring in Vault KV v2, all fields as the operator writes them
  # ("-" reads the JSON from stdin: the key never appears on a command line)
  posture hmac keygen --json --key-id recovered-1 |
    vault kv put secret/titan/hmac/command-signals -

  # the release provenance key, kept as a CI secret
  posture hmac keygen --json --key-id release-1 | gh secret set PROVENANCE_KEY_RING
`;

export function registerHmac(program: Command): void {
  const hmac = program
    .command('hmac')
    .description('HMAC keys for signed messages and release provenance (docs/adr/0043)');
  hmac
    .command('keygen')
    .description('print a new random 32-byte HMAC key in base64 (or a whole ring file)')
    .option('--json', 'print a ring file {algorithm, keyId, primary} instead of a bare key')
    .option('--key-id <id>', 'key id for --json (default: k- and 12 random hex digits)')
    .option('--algorithm <name>', `hash for --json: ${HMAC_ALGORITHMS.join(', ')}`, 'sha256')
    .addHelpText('after', USAGE)
    .action((options: KeygenOptions) => {
      try {
        process.stdout.write(keygenText(options));
      } catch (error) {
        process.stderr.write(`posture hmac keygen: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
