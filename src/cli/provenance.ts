import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readKeyRingFile } from '../hmac/loader.ts';
import type { KeyRing } from '../hmac/ring.ts';
import { parseDigests, type Digests, type Parsed } from '../provenance/digests.ts';
import { signDigests, verifyDigests } from '../provenance/provenance.ts';
import { parseSignatureFile, type SignatureFile } from '../provenance/signature.ts';
import type { Output } from './validate.ts';

export interface SignOptions {
  keyFile: string;
  out?: string;
}

export interface VerifyOptions {
  keyFile: string;
  signature: string;
}

/** Input that is not what it must be: reported as one line, never as a stack trace. */
class Refusal extends Error {}

function read<T>(path: string, what: string, parse: (text: string) => Parsed<T>): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Refusal(`${what} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const parsed = parse(text);
  if (!parsed.ok) throw new Refusal(`${what} ${path} ${parsed.problem}`);
  return parsed.value;
}

function ring(path: string): KeyRing {
  try {
    return readKeyRingFile({
      path,
      variable: '--key-file',
      fix: 'pass the key ring JSON file (in CI: write the secret to a file first)',
    });
  } catch (error) {
    throw new Refusal((error as Error).message);
  }
}

const digestsOf = (path: string): Digests => read(path, 'digests file', parseDigests);

function run(command: string, output: Output, body: () => string): number {
  try {
    output.out(body());
    return 0;
  } catch (error) {
    // Only refusals are expected; anything else is still reported in one line, failing closed.
    output.err(`posture provenance ${command}: ${(error as Error).message}`);
    return 1;
  }
}

/** `posture provenance sign`: writes the detached signature of digests.json. */
export function runProvenanceSign(digests: string, options: SignOptions, output: Output): number {
  return run('sign', output, () => {
    const signature = signDigests(digestsOf(digests), ring(options.keyFile));
    const out = options.out ?? `${digests}.sig`;
    writeFileSync(out, `${JSON.stringify(signature, null, 2)}\n`);
    return `${out}: signed ${digests} with key ${signature.keyId} (${signature.algorithm})`;
  });
}

/** `posture provenance verify`: exit 0 only when the signature holds for these digests. */
export function runProvenanceVerify(
  digests: string,
  options: VerifyOptions,
  output: Output,
): number {
  return run('verify', output, () => {
    const values = digestsOf(digests);
    const signature: SignatureFile = read(options.signature, 'signature file', parseSignatureFile);
    const check = verifyDigests(values, signature, ring(options.keyFile));
    if (!check.ok) throw new Refusal(`${digests}: ${check.message} (${check.problem})`);
    const images = Object.keys(values).length;
    return `${digests}: signature verified with key ${check.keyId}, ${images} pinned image(s)`;
  });
}

const print = (stream: NodeJS.WriteStream) => (line: string) => stream.write(`${line}\n`);
const stdio: Output = { out: print(process.stdout), err: print(process.stderr) };

export function registerProvenance(program: Command): void {
  const provenance = program
    .command('provenance')
    .description(
      'sign and verify the release manifest digests.json (image → sha256 digest) with an HMAC ' +
        'key ring, so a deploy runs only the images the release signed',
    );
  provenance
    .command('sign')
    .argument('<digests.json>', 'JSON object of image → "sha256:<64 hex>"')
    .description(
      "write a detached signature {keyId, algorithm, signature}: HMAC with the ring's primary " +
        'key over the canonical JSON of the digests (keys sorted)',
    )
    .requiredOption('--key-file <ring.json>', 'key ring file (posture hmac keygen --json)')
    .option('--out <file>', 'where to write the signature (default: <digests.json>.sig)')
    .action((digests: string, options: SignOptions) => {
      process.exitCode = runProvenanceSign(digests, options, stdio);
    });
  provenance
    .command('verify')
    .argument('<digests.json>', 'the digests file the signature covers')
    .description(
      'exit 0 only if the signature verifies with the ring key it names (primary or ' +
        'secondary) and every image is pinned by a sha256 digest; else exit 1 naming the problem',
    )
    .requiredOption('--signature <file>', 'the detached signature (posture provenance sign)')
    .requiredOption('--key-file <ring.json>', 'key ring file holding the signing key')
    .action((digests: string, options: VerifyOptions) => {
      process.exitCode = runProvenanceVerify(digests, options, stdio);
    });
}
