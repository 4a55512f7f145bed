/**
 * `.sops.yaml` creation rules, read as sops reads them: the file is found from the working
 * directory upwards, `path_regex` is matched against the file's path relative to the folder of
 * `.sops.yaml`, the first matching rule (or the first without `path_regex`) wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { EncryptionRule } from './tree.ts';

export const CONFIG_FILE = '.sops.yaml';

const ruleSchema = z.object({
  path_regex: z.string().optional(),
  age: z.union([z.string(), z.array(z.string())]).optional(),
  encrypted_regex: z.string().optional(),
  unencrypted_regex: z.string().optional(),
  encrypted_suffix: z.string().optional(),
  unencrypted_suffix: z.string().optional(),
  key_groups: z.unknown().optional(),
  mac_only_encrypted: z.boolean().optional(),
});

const configSchema = z.object({ creation_rules: z.array(ruleSchema).optional() });

export interface CreationRule {
  recipients: string[];
  rule: EncryptionRule;
}

/** The nearest `.sops.yaml` from `start` upwards, or undefined. */
export function findConfig(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const file = join(dir, CONFIG_FILE);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

function recipientsOf(age: string | string[] | undefined): string[] {
  const list = typeof age === 'string' ? age.split(',') : (age ?? []);
  return list.map((r) => r.trim()).filter((r) => r !== '');
}

type RawRule = z.infer<typeof ruleSchema>;

const SELECTORS = [
  'encrypted_regex',
  'unencrypted_regex',
  'encrypted_suffix',
  'unencrypted_suffix',
] as const;

function checked(found: RawRule, where: string, relative: string): CreationRule {
  if (found.key_groups !== undefined || found.mac_only_encrypted) {
    throw new Error(
      `${where}: key_groups and mac_only_encrypted are not supported by posture seal; use age:`,
    );
  }
  const recipients = recipientsOf(found.age);
  if (recipients.length === 0)
    throw new Error(`${where}.age: no age recipients (age1...) for ${relative}`);
  if (SELECTORS.filter((s) => found[s] !== undefined).length > 1) {
    throw new Error(`${where}: use only one of ${SELECTORS.join(', ')}`);
  }
  return {
    recipients,
    rule: {
      encryptedRegex: found.encrypted_regex,
      unencryptedRegex: found.unencrypted_regex,
      encryptedSuffix: found.encrypted_suffix,
      unencryptedSuffix: found.unencrypted_suffix,
    },
  };
}

/** The creation rule for `file` in the config text found at `configPath`; throws with the fix. */
export function creationRuleFor(
  configText: string,
  configPath: string,
  file: string,
): CreationRule {
  const parsed = configSchema.safeParse(parse(configText) ?? {});
  if (!parsed.success)
    throw new Error(`${configPath}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const absolute = resolve(file);
  const base = `${dirname(resolve(configPath))}${sep}`;
  const relative = absolute.startsWith(base) ? absolute.slice(base.length) : absolute;
  const rules = parsed.data.creation_rules ?? [];
  const index = rules.findIndex(
    (r) => r.path_regex === undefined || new RegExp(r.path_regex).test(relative),
  );
  const found = rules[index];
  if (!found) {
    throw new Error(
      `${configPath}: no creation_rules entry matches ${relative}: add one with path_regex and age`,
    );
  }
  return checked(found, `${configPath}: creation_rules[${index}]`, relative);
}

/** Reads the `.sops.yaml` that applies from `cwd` and returns the rule for `file`. */
export function loadCreationRule(cwd: string, file: string): CreationRule {
  const configPath = findConfig(cwd);
  if (!configPath) {
    throw new Error(
      `no ${CONFIG_FILE} from ${cwd} upwards: add one with creation_rules (path_regex, age: age1...)`,
    );
  }
  return creationRuleFor(readFileSync(configPath, 'utf8'), configPath, file);
}
