import { dotenvLine, isSecretName, perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';

// SOPS encrypts a dotenv file value by value (ENC[...]) and adds sops_* keys with its MAC.
const isSops = (values: Record<string, string>): boolean => 'sops_mac' in values;
const ENCRYPTED = /^ENC\[/;

function hits(source: Source): Hit[] {
  if (source.kind !== 'dotenv' || isSops(source.values)) return [];
  return Object.entries(source.values)
    .filter(([key, value]) => isSecretName(key) && value !== '' && !ENCRYPTED.test(value))
    .map(([key]) => ({
      place: { line: dotenvLine(source.text, key), column: 1 },
      message: `${key} holds a secret in plain text in a file in git`,
    }));
}

export const dotenvSecret = perFile(
  {
    id: 'dotenv-secret',
    severity: 'critical',
    summary: 'plaintext secret in a .env file in git',
    fix: 'remove the file from git (and rotate the secret); keep secrets in Vault or encrypt the file with posture seal / sops',
  },
  hits,
);
