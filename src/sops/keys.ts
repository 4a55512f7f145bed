import { readFileSync } from 'node:fs';

/**
 * The age identities sops reads: every `AGE-SECRET-KEY-1...` line of the file named by
 * SOPS_AGE_KEY_FILE and of SOPS_AGE_KEY (comments and blank lines skipped).
 */
export function ageIdentities(env: Record<string, string | undefined>, read = readText): string[] {
  const texts: string[] = [];
  if (env['SOPS_AGE_KEY_FILE']) texts.push(read(env['SOPS_AGE_KEY_FILE']));
  if (env['SOPS_AGE_KEY']) texts.push(env['SOPS_AGE_KEY']);
  const identities = texts
    .flatMap((text) => text.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
  if (identities.length === 0) {
    throw new Error(
      'no age identity: set SOPS_AGE_KEY_FILE to a key file (age-keygen) or SOPS_AGE_KEY to AGE-SECRET-KEY-1...',
    );
  }
  return identities;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`SOPS_AGE_KEY_FILE=${file} cannot be read`);
  }
}
