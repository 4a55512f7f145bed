/**
 * Sealing and unsealing whole YAML files in the SOPS format (stores/yaml): the encrypted tree plus
 * a top-level `sops:` block with the age-wrapped data key, lastmodified, the encrypted MAC, the
 * encryption rule and the format version. Pure: time and keys come in as arguments.
 */
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ageDecrypt, ageEncrypt, armor, dearmor } from './age.ts';
import { decryptScalar, encryptScalar } from './cipher.ts';
import {
  DEFAULT_UNENCRYPTED_SUFFIX,
  decryptTree,
  encryptTree,
  type EncryptionRule,
  type Tree,
} from './tree.ts';

/** The sops release whose file format this writes (the one the interop test runs). */
export const SOPS_FORMAT_VERSION = '3.11.0';
/** What a Secret encrypts when `.sops.yaml` does not say: its values, not its name or labels. */
export const SECRET_ENCRYPTED_REGEX = '^(data|stringData)$';

// Kubernetes and Go tools read YAML 1.1: `yes`, `on` or `2026-01-01` written plain would come
// back as booleans or dates, so strings those would misread stay quoted.
const EMIT = { lineWidth: 0, blockQuote: 'literal', compat: 'yaml-1.1' } as const;

export interface SealOptions {
  recipients: readonly string[];
  rule: EncryptionRule;
  now: Date;
}

function readTree(text: string): Tree {
  const tree: unknown = parse(text, { mapAsMap: true });
  if (!(tree instanceof Map))
    throw new Error('expected a YAML mapping (a Secret manifest or a values file)');
  return tree;
}

export function isSecretManifest(value: unknown): boolean {
  const object = value instanceof Map ? value : new Map(Object.entries(value ?? {}));
  return object.get('kind') === 'Secret' && object.get('apiVersion') === 'v1';
}

/** The rule a file gets: the configured one, else sops' default (or the Secret default). */
export function effectiveRule(rule: EncryptionRule, secret: boolean): EncryptionRule {
  const configured = Object.entries(rule).filter(([, v]) => v !== undefined);
  if (configured.length > 0) return Object.fromEntries(configured);
  return secret
    ? { encryptedRegex: SECRET_ENCRYPTED_REGEX }
    : { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
}

const RULE_KEYS = {
  unencryptedSuffix: 'unencrypted_suffix',
  encryptedSuffix: 'encrypted_suffix',
  unencryptedRegex: 'unencrypted_regex',
  encryptedRegex: 'encrypted_regex',
} as const;

/** RFC 3339 in UTC to the second, as Go's time.RFC3339 writes it. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sealText(text: string, options: SealOptions): string {
  const tree = readTree(text);
  if (tree.has('sops')) throw new Error('the file is already sealed (it has a sops: block)');
  const rule = effectiveRule(options.rule, isSecretManifest(tree));
  const dataKey = randomBytes(32);
  const mac = encryptTree(tree, dataKey, rule);
  const lastmodified = rfc3339(options.now);
  const metadata = new Map<string, unknown>([
    [
      'age',
      options.recipients.map((recipient) => ({
        recipient,
        enc: armor(ageEncrypt([recipient], dataKey)),
      })),
    ],
    ['lastmodified', lastmodified],
    ['mac', encryptScalar(mac, dataKey, lastmodified)],
  ]);
  for (const [field, key] of Object.entries(RULE_KEYS)) {
    const value = rule[field as keyof EncryptionRule];
    if (value !== undefined) metadata.set(key, value);
  }
  metadata.set('version', SOPS_FORMAT_VERSION);
  tree.set('sops', metadata);
  return stringify(tree, EMIT);
}

const metadataSchema = z.object({
  age: z
    .array(z.object({ recipient: z.string(), enc: z.string() }))
    .min(1, 'no age recipients: posture unseals age only'),
  lastmodified: z.string(),
  mac: z.string(),
  unencrypted_suffix: z.string().optional(),
  encrypted_suffix: z.string().optional(),
  unencrypted_regex: z.string().optional(),
  encrypted_regex: z.string().optional(),
  mac_only_encrypted: z.literal(false).optional(),
  key_groups: z.undefined({ error: 'key_groups (Shamir) is not supported' }).optional(),
  version: z.string(),
});

type Metadata = z.infer<typeof metadataSchema>;

function readMetadata(tree: Tree): Metadata {
  const raw: unknown = tree.get('sops');
  if (raw === undefined)
    throw new Error('not a sealed file: no sops: block (seal it with posture seal FILE -i)');
  const plain: unknown = parse(stringify(raw));
  const result = metadataSchema.safeParse(plain);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`sops.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

function ruleOf(metadata: Metadata): EncryptionRule {
  const rule: EncryptionRule = {};
  for (const [field, key] of Object.entries(RULE_KEYS)) {
    const value = metadata[key];
    if (value !== undefined) rule[field as keyof EncryptionRule] = value;
  }
  return Object.keys(rule).length > 0 ? rule : { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
}

function dataKeyOf(metadata: Metadata, identities: readonly string[]): Buffer {
  const errors: string[] = [];
  for (const { enc } of metadata.age) {
    try {
      return ageDecrypt(identities, dearmor(enc));
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  throw new Error(`cannot recover the data key: ${errors.join('; ')}`);
}

/** The plaintext YAML of a sealed file; throws when the MAC does not match (tampered file). */
export function unsealText(text: string, identities: readonly string[]): string {
  const tree = readTree(text);
  const metadata = readMetadata(tree);
  tree.delete('sops');
  const dataKey = dataKeyOf(metadata, identities);
  const computed = decryptTree(tree, dataKey, ruleOf(metadata));
  let stored: unknown;
  try {
    stored = decryptScalar(metadata.mac, dataKey, metadata.lastmodified);
  } catch {
    throw new Error('sops.mac does not decrypt: the MAC or lastmodified was changed');
  }
  if (stored !== computed)
    throw new Error('MAC mismatch: the file was changed after it was sealed');
  return stringify(tree, EMIT);
}
