import { parse } from 'yaml';
import { isSecretManifest } from '../sops/file.ts';

/**
 * The pure half of `posture vault push` (docs/adr/0055-vault-push.md): what a decrypted file holds and whether
 * writing it to Vault is safe. Values never leave these functions except towards Vault.
 */

/** The annotation on a Secret that names its KV path, so `--path` can be left out. */
export const VAULT_PATH_ANNOTATION = 'posture.dev/vault-path';

export interface PushSource {
  values: Record<string, string>;
  /** `posture.dev/vault-path` of a Secret manifest, when set. */
  annotatedPath?: string;
}

function decodeData(key: string, encoded: unknown): string {
  if (typeof encoded !== 'string') throw new Error(`data.${key} is not a base64 string`);
  const bytes = Buffer.from(encoded, 'base64');
  const text = bytes.toString('utf8');
  // Vault KV holds strings: binary would come back changed, so it is refused, not mangled.
  if (bytes.toString('base64') !== encoded.replace(/\s/g, '') || !Buffer.from(text).equals(bytes))
    throw new Error(`data.${key} is not base64 of UTF-8 text; Vault KV holds strings only`);
  return text;
}

function secretSource(manifest: Record<string, unknown>): PushSource {
  const values: Record<string, string> = {};
  const data = (manifest['data'] ?? {}) as Record<string, unknown>;
  for (const [key, encoded] of Object.entries(data)) values[key] = decodeData(key, encoded);
  const plain = (manifest['stringData'] ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(plain)) {
    if (typeof value !== 'string') throw new Error(`stringData.${key} is not a string`);
    values[key] = value; // stringData wins over data, as the apiserver merges them
  }
  const metadata = (manifest['metadata'] ?? {}) as { annotations?: Record<string, string> };
  const annotatedPath = metadata.annotations?.[VAULT_PATH_ANNOTATION];
  return { values, ...(annotatedPath !== undefined && { annotatedPath }) };
}

function valuesSource(file: Record<string, unknown>): PushSource {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(file)) {
    if (!['string', 'number', 'boolean'].includes(typeof value))
      throw new Error(
        `${key} is not a scalar: a values file pushes top-level key: value pairs only`,
      );
    values[key] = String(value);
  }
  return { values };
}

/** The key/value pairs of a decrypted Secret manifest (data and stringData) or values file. */
export function pushSource(plaintext: string): PushSource {
  const document: unknown = parse(plaintext);
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new Error('expected a YAML mapping (a Secret manifest or a values file)');
  const source = isSecretManifest(document)
    ? secretSource(document as Record<string, unknown>)
    : valuesSource(document as Record<string, unknown>);
  if (Object.keys(source.values).length === 0) throw new Error('holds no values to push');
  return source;
}

/** `--path` or the annotation; both given must agree, so a copied file cannot push elsewhere. */
export function targetPath(flag: string | undefined, annotated: string | undefined): string {
  if (flag !== undefined && annotated !== undefined && flag !== annotated)
    throw new Error(
      `--path ${flag} differs from the Secret's ${VAULT_PATH_ANNOTATION}: ${annotated}; drop one`,
    );
  const path = flag ?? annotated;
  if (path === undefined)
    throw new Error(
      `no KV path: pass --path <mount>/<path> or annotate the Secret with ${VAULT_PATH_ANNOTATION}`,
    );
  return path;
}

export type PushPlan =
  { write: false; version: number } | { write: true; cas: number } | { refused: string };

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/**
 * Check-and-set, decided from what Vault holds now: a new (or deleted) secret is written only if
 * no version came since it was read; identical data writes nothing; different data is replaced only with `--force`, and
 * then only if nobody wrote a version since it was read (cas = that version). `--cas N` states
 * the version the caller expects instead.
 */
/** What Vault holds at the path: the current version, and its data unless deleted or absent. */
export interface Current {
  version: number;
  data?: Record<string, string>;
}

export function planPush(
  current: Current,
  values: Record<string, string>,
  options: { force?: boolean; cas?: number },
): PushPlan {
  const { version, data } = current;
  if (options.cas !== undefined && options.cas !== version)
    return { refused: `--cas ${options.cas} but the current version is ${version}` };
  if (data && sameData(data, values)) return { write: false, version };
  if (data && !options.force && options.cas === undefined)
    return {
      refused:
        `version ${version} holds different data (keys ${Object.keys(data).sort().join(', ')}); ` +
        'pass --force to replace it, or --cas <version> for the version you expect',
    };
  return { write: true, cas: version };
}
