import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCreationRule } from '../sops/config.ts';
import { sealText, unsealText } from '../sops/file.ts';
import { ageIdentities } from '../sops/keys.ts';

export interface SealCliOptions {
  inPlace?: boolean;
}

interface Io {
  cwd: string;
  env: Record<string, string | undefined>;
  now: Date;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

// Written next to the file and renamed over it: a crash never leaves half a secret file.
function replaceFile(file: string, text: string): void {
  const temporary = `${file}.posture-${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

function emit(file: string, text: string, options: SealCliOptions, io: Io): void {
  if (options.inPlace) replaceFile(file, text);
  else io.stdout.write(text);
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} cannot be read`);
  }
}

/** `posture seal FILE`: the SOPS-encrypted file on stdout (or in place with -i); the exit code. */
export function runSeal(file: string, options: SealCliOptions, io: Io): number {
  try {
    const { recipients, rule } = loadCreationRule(io.cwd, file);
    emit(file, sealText(readInput(file), { recipients, rule, now: io.now }), options, io);
    return 0;
  } catch (error) {
    io.stderr.write(`posture seal: ${file}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `posture unseal FILE`: the plaintext on stdout (or in place with -i); the exit code. */
export function runUnseal(file: string, options: SealCliOptions, io: Io): number {
  try {
    emit(file, unsealText(readInput(file), ageIdentities(io.env)), options, io);
    return 0;
  } catch (error) {
    io.stderr.write(`posture unseal: ${file}: ${(error as Error).message}\n`);
    return 1;
  }
}

const processIo = (): Io => ({
  cwd: process.cwd(),
  env: process.env,
  now: new Date(),
  stdout: process.stdout,
  stderr: process.stderr,
});

const SEAL_HELP = `
The age recipients come from the creation_rules of the nearest .sops.yaml (from the current
directory upwards), matched by path_regex against the path relative to that file:

  creation_rules:
    - path_regex: secrets/.*\\.yaml$
      encrypted_regex: ^(data|stringData)$   # the default for a v1 Secret
      age: age1...,age1...

The file is in the SOPS format: \`sops -d FILE\` and Flux/ksops decrypt it too.
Examples:
  posture seal -i platform/secrets/db.yaml
  SOPS_AGE_KEY_FILE=~/.config/sops/age/keys.txt posture unseal platform/secrets/db.yaml
`;

export function registerSeal(program: Command): void {
  program
    .command('seal')
    .description('encrypt a Secret manifest or YAML values file with SOPS + age for git')
    .argument('<file>', 'YAML file: a v1 Secret (its data/stringData) or a values file')
    .option('-i, --in-place', 'write the sealed file over FILE instead of stdout')
    .addHelpText('after', SEAL_HELP)
    .action((file: string, options: SealCliOptions) => {
      process.exitCode = runSeal(file, options, processIo());
    });
  program
    .command('unseal')
    .description('decrypt a SOPS + age file (MAC checked) with SOPS_AGE_KEY_FILE or SOPS_AGE_KEY')
    .argument('<file>', 'a file sealed by posture seal or sops -e')
    .option('-i, --in-place', 'write the plaintext over FILE instead of stdout')
    .action((file: string, options: SealCliOptions) => {
      process.exitCode = runUnseal(file, options, processIo());
    });
}
