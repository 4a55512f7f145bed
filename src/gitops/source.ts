import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  isKindName,
  KIND_BY_NAME,
  type ExchangeCredential,
  type HmacKeyRing,
  type TradingService,
} from '../api/index.ts';
import { documentValue } from '../api/validate/documents.ts';
import { platformSchema, type Platform } from '../api/platform/settings.ts';
import type { Problem } from '../render/problems.ts';
import type { CustomResources, Sourced } from '../render/build-model.ts';

/**
 * Reads a platform folder: the CR YAML files a platform team would `kubectl apply` (any number
 * of documents per file, subfolders included) and an optional `platform.yaml` with cluster
 * settings. Every document is validated with the same zod schemas as the operator; all problems
 * are collected with file and field path.
 */

export const PLATFORM_FILE = 'platform.yaml';

export interface PlatformSource {
  platform: Platform;
  /** How to name platform.yaml in messages about it. */
  platformFile?: string;
  resources: CustomResources;
  problems: Problem[];
}

/** `spec.ports[0].name`, `nats.users["titan/brain"]`: a zod issue path as people write it. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(document)';
}

function issues(error: z.ZodError, file: string, prefix: string): Problem[] {
  return error.issues.map((issue) => ({
    file,
    path: `${prefix}${fieldPath(issue.path)}`,
    message: issue.message,
  }));
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** The first document of platform.yaml as plain data (`{}` when absent), or why it is unreadable. */
function platformValue(dir: string): { value: unknown } | { error: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, PLATFORM_FILE), 'utf8');
  } catch {
    return { value: {} };
  }
  const first = parseAllDocuments(text)[0];
  if (!first) return { value: {} };
  if (first.errors.length > 0) return { error: first.errors[0]!.message };
  const read = documentValue(first);
  return 'value' in read ? { value: read.value ?? {} } : read;
}

function readPlatform(dir: string, display: string, problems: Problem[]): Platform {
  const read = platformValue(dir);
  if ('error' in read) {
    problems.push({ file: display, path: '(document)', message: read.error });
    return platformSchema.parse({});
  }
  const result = platformSchema.safeParse(read.value);
  if (result.success) return result.data;
  problems.push(...issues(result.error, display, ''));
  return platformSchema.parse({});
}

interface Collected {
  tradingServices: Sourced<TradingService>[];
  exchangeCredentials: Sourced<ExchangeCredential>[];
  hmacKeyRings: Sourced<HmacKeyRing>[];
}

/**
 * Secrets reach git only sealed (docs/adr/0048): a document with a `sops:` block is left to the
 * cluster's decryption (Flux, ksops) and not read; a plaintext Secret is refused with the fix.
 */
function secretProblems(value: object, file: string, prefix: string): Problem[] | undefined {
  if ('sops' in value) return [];
  if ((value as { kind?: unknown }).kind !== 'Secret') return undefined;
  const message =
    `a plaintext Secret must not be committed: seal it with \`posture seal -i ${file}\` ` +
    '(SOPS + age, recipients from .sops.yaml), or move it out of the platform folder';
  return [{ file, path: `${prefix}kind`, message }];
}

function addDocument(value: unknown, file: string, prefix: string, out: Collected): Problem[] {
  if (value === null || value === undefined) return [];
  const secret = typeof value === 'object' ? secretProblems(value, file, prefix) : undefined;
  if (secret) return secret;
  const kind = (value as { kind?: unknown }).kind;
  if (!isKindName(kind)) {
    const message = `kind ${JSON.stringify(kind)} is not a posture kind (TradingService, ExchangeCredential, HmacKeyRing)`;
    return [{ file, path: `${prefix}kind`, message }];
  }
  const result = KIND_BY_NAME[kind].schema.safeParse(value);
  if (!result.success) return issues(result.error, file, prefix);
  if (kind === 'TradingService') out.tradingServices.push({ object: result.data as TradingService, file });
  else if (kind === 'ExchangeCredential') out.exchangeCredentials.push({ object: result.data as ExchangeCredential, file });
  else out.hmacKeyRings.push({ object: result.data as HmacKeyRing, file });
  return [];
}

/**
 * Reads and validates a platform folder. `display` is how files are named in problems
 * (usually the folder as the user typed it).
 */
export function readPlatformDir(dir: string, display = dir): PlatformSource {
  const problems: Problem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push({ file: display, path: '(folder)', message: 'no such folder: pass the platform folder with --in' });
    return { platform: platformSchema.parse({}), resources: { tradingServices: [], exchangeCredentials: [], hmacKeyRings: [] }, problems };
  }
  const platformFile = join(display, PLATFORM_FILE);
  const platform = readPlatform(dir, platformFile, problems);
  const out: Collected = { tradingServices: [], exchangeCredentials: [], hmacKeyRings: [] };
  for (const rel of yamlFiles(dir)) {
    if (rel === PLATFORM_FILE) continue;
    const file = join(display, rel);
    const docs = parseAllDocuments(readFileSync(join(dir, rel), 'utf8'));
    for (const [i, doc] of docs.entries()) {
      const prefix = docs.length > 1 ? `[document ${i + 1}] ` : '';
      if (doc.errors.length > 0) {
        problems.push({ file, path: `${prefix}(yaml)`, message: doc.errors[0]!.message });
        continue;
      }
      const read = documentValue(doc);
      if ('error' in read) {
        problems.push({ file, path: `${prefix}(yaml)`, message: read.error });
        continue;
      }
      problems.push(...addDocument(read.value, file, prefix, out));
    }
  }
  return { platform, platformFile, resources: out, problems };
}
