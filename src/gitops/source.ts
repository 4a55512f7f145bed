import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  isKindName,
  KIND_BY_NAME,
  type ExchangeCredential,
  PLATFORM_OBJECT_NAME,
  type HmacKeyRing,
  type PostureResource,
  type TradingService,
} from '../api/index.ts';
import { documentValue } from '../api/validate/documents.ts';
import { BARE_SETTINGS_WARNING, isBareSettings, settingsOf } from '../api/platform/read.ts';
import { platformSchema, type Platform } from '../api/platform/settings.ts';
import type { Problem } from '../render/problems.ts';
import type { CustomResources, Sourced } from '../render/build-model.ts';

/**
 * Reads a platform folder: the CR YAML files a platform team would `kubectl apply` (any number
 * of documents per file, subfolders included), the cluster settings among them as one
 * PosturePlatform object (by convention in `platform.yaml`). Every document is validated with the same zod schemas as the operator; all problems
 * are collected with file and field path.
 */

export const PLATFORM_FILE = 'platform.yaml';

export interface PlatformSource {
  platform: Platform;
  /** How to name platform.yaml in messages about it. */
  platformFile?: string;
  resources: CustomResources;
  problems: Problem[];
  /** What renders but should change (a bare platform.yaml): printed, never fatal. */
  warnings: Problem[];
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

/**
 * The bare settings map platform.yaml used to be (before the PosturePlatform kind): still read,
 * with a warning, so an existing folder renders the same; kubectl cannot apply it
 * (docs/adr/0053-bare-platform-file.md). Undefined when the document is not one.
 */
function bareSettings(value: unknown, file: string, out: Collected): Problem[] | undefined {
  if (basename(file) !== PLATFORM_FILE || !isBareSettings(value)) return undefined;
  const read = settingsOf(value);
  if (!read.ok) return issues(read.error, file, '');
  out.platforms.push({ object: read.platform, file });
  out.warnings.push({ file, path: '(document)', message: BARE_SETTINGS_WARNING });
  return [];
}

/** The settings of the one PosturePlatform (or bare platform.yaml), defaults when there is none. */
function chosenPlatform(out: Collected, problems: Problem[]): Sourced<Platform> | undefined {
  const [first, ...others] = out.platforms;
  for (const other of others)
    problems.push({
      file: other.file,
      path: 'metadata.name',
      message: `a second PosturePlatform (the first is in ${first?.file ?? ''}): a cluster has one set of platform settings; merge them into one object named ${PLATFORM_OBJECT_NAME}`,
    });
  return first;
}

interface Collected {
  tradingServices: Sourced<TradingService>[];
  exchangeCredentials: Sourced<ExchangeCredential>[];
  hmacKeyRings: Sourced<HmacKeyRing>[];
  platforms: Sourced<Platform>[];
  warnings: Problem[];
}

function collected(): Collected {
  return { tradingServices: [], exchangeCredentials: [], hmacKeyRings: [], platforms: [], warnings: [] };
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
  const bare = prefix === '' ? bareSettings(value, file, out) : undefined;
  if (bare) return bare;
  const secret = typeof value === 'object' ? secretProblems(value, file, prefix) : undefined;
  if (secret) return secret;
  const kind = (value as { kind?: unknown }).kind;
  if (!isKindName(kind)) {
    const message = `kind ${JSON.stringify(kind)} is not a posture kind (TradingService, ExchangeCredential, HmacKeyRing, PosturePlatform)`;
    return [{ file, path: `${prefix}kind`, message }];
  }
  const result = KIND_BY_NAME[kind].schema.safeParse(value);
  if (!result.success) return issues(result.error, file, prefix);
  keep(result.data, file, out);
  return [];
}

function keep(object: PostureResource, file: string, out: Collected): void {
  if (object.kind === 'TradingService') out.tradingServices.push({ object, file });
  else if (object.kind === 'ExchangeCredential') out.exchangeCredentials.push({ object, file });
  else if (object.kind === 'HmacKeyRing') out.hmacKeyRings.push({ object, file });
  else out.platforms.push({ object: object.spec, file });
}

/** Every document of one file into `out`; returns the problems. */
function readFile(path: string, file: string, out: Collected): Problem[] {
  const problems: Problem[] = [];
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  for (const [i, doc] of docs.entries()) {
    const prefix = docs.length > 1 ? `[document ${i + 1}] ` : '';
    if (doc.errors.length > 0) {
      problems.push({ file, path: `${prefix}(yaml)`, message: doc.errors[0]!.message });
      continue;
    }
    const read = documentValue(doc);
    if ('error' in read) problems.push({ file, path: `${prefix}(yaml)`, message: read.error });
    else problems.push(...addDocument(read.value, file, prefix, out));
  }
  return problems;
}

/**
 * Reads and validates a platform folder. `display` is how files are named in problems
 * (usually the folder as the user typed it).
 */
export function readPlatformDir(dir: string, display = dir): PlatformSource {
  const problems: Problem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push({ file: display, path: '(folder)', message: 'no such folder: pass the platform folder with --in' });
    return { platform: platformSchema.parse({}), resources: { tradingServices: [], exchangeCredentials: [], hmacKeyRings: [] }, problems, warnings: [] };
  }
  const out = collected();
  for (const rel of yamlFiles(dir))
    problems.push(...readFile(join(dir, rel), join(display, rel), out));
  const chosen = chosenPlatform(out, problems);
  const { tradingServices, exchangeCredentials, hmacKeyRings, warnings } = out;
  return {
    platform: chosen?.object ?? platformSchema.parse({}),
    ...(chosen && { platformFile: chosen.file }),
    resources: { tradingServices, exchangeCredentials, hmacKeyRings },
    problems,
    warnings,
  };
}
