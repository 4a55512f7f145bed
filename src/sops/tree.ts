/**
 * Walking a YAML tree the way sops does (sops.go Tree.Encrypt / Tree.Decrypt): mappings in
 * document order, list items under their list's path, null left alone. Every value feeds the
 * SHA-512 MAC (its plaintext bytes), whether or not the encryption rule selects it.
 */
import { createHash } from 'node:crypto';
import { decryptScalar, encryptScalar, scalarBytes, type Scalar } from './cipher.ts';

/** A parsed YAML document with maps as Map (keeps key order), as `yaml` parses with mapAsMap. */
export type Tree = Map<unknown, unknown>;

/** Which values a file encrypts: at most one of these is set, as in sops metadata. */
export interface EncryptionRule {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** sops.go shouldBeEncrypted: the rule looks at every key on the value's path. */
export function shouldEncrypt(path: readonly string[], rule: EncryptionRule): boolean {
  let encrypted = true;
  const {
    unencryptedSuffix: us,
    encryptedSuffix: es,
    unencryptedRegex: ur,
    encryptedRegex: er,
  } = rule;
  if (us) encrypted = !path.some((p) => p.endsWith(us));
  if (es) encrypted = path.some((p) => p.endsWith(es));
  if (ur && path.some((p) => new RegExp(ur).test(p))) encrypted = false;
  if (er) encrypted = path.some((p) => new RegExp(er).test(p));
  return encrypted;
}

type Leaf = (value: Scalar, path: readonly string[]) => Scalar;

function walk(node: unknown, path: readonly string[], leaf: Leaf): unknown {
  if (node === null || node === undefined) return node;
  if (node instanceof Map) {
    for (const [key, value] of node) node.set(key, walk(value, [...path, String(key)], leaf));
    return node;
  }
  if (Array.isArray(node)) return node.map((item) => walk(item, path, leaf));
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean')
    return leaf(node, path);
  throw new Error(`${path.join('.')}: cannot encrypt a value of type ${typeof node}`);
}

const aadOf = (path: readonly string[]): string => `${path.join(':')}:`;

/** Encrypts the selected values in place; the MAC (upper-case hex SHA-512) over all values. */
export function encryptTree(tree: Tree, key: Uint8Array, rule: EncryptionRule): string {
  const hash = createHash('sha512');
  walk(tree, [], (value, path) => {
    hash.update(scalarBytes(value), 'utf8');
    return shouldEncrypt(path, rule) ? encryptScalar(value, key, aadOf(path)) : value;
  });
  return hash.digest('hex').toUpperCase();
}

/** Decrypts the selected values in place; the MAC over the plaintext, to compare with the file's. */
export function decryptTree(tree: Tree, key: Uint8Array, rule: EncryptionRule): string {
  const hash = createHash('sha512');
  walk(tree, [], (value, path) => {
    if (!shouldEncrypt(path, rule)) {
      hash.update(scalarBytes(value), 'utf8');
      return value;
    }
    if (typeof value !== 'string') throw new Error(`${path.join('.')}: expected an ENC[...] value`);
    let plain: Scalar;
    try {
      plain = decryptScalar(value, key, aadOf(path));
    } catch (error) {
      throw new Error(`${path.join('.')}: ${(error as Error).message}`);
    }
    hash.update(scalarBytes(plain), 'utf8');
    return plain;
  });
  return hash.digest('hex').toUpperCase();
}
