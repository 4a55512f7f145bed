import {
  apiHostsOf,
  type ExchangeCredential,
  type HmacKeyRing,
  type TradingService,
} from '../api/index.ts';
import type { FqdnModel, PlatformModel, PortRef, SecretFileModel, ServiceModel } from './model.ts';
import type { Platform } from '../api/platform/settings.ts';
import type { Problem } from './problems.ts';
import { peersOf, type ServiceIndex } from './peers.ts';
import { pathRefusal } from './tenancy.ts';
import { allowResponses, dedupeFqdns } from './model-values.ts';

/**
 * From validated CRs to the render model. Each CR is already valid on its own (zod, same rules
 * as the apiserver); this checks what only the set can tell: references to credentials, key
 * rings and peers, and that every grant is given by both sides. A service naming a credential
 * that does not list it as a consumer is an error, never a silent grant.
 */

/** A CR with the file it came from, for messages (the operator has no file). */
export interface Sourced<T> {
  object: T;
  file?: string;
}

export interface CustomResources {
  tradingServices: readonly Sourced<TradingService>[];
  exchangeCredentials: readonly Sourced<ExchangeCredential>[];
  hmacKeyRings: readonly Sourced<HmacKeyRing>[];
}

/** Environment name and file of the NATS NKey seed posture generates for each NATS user. */
export const NATS_SEED = { env: 'NATS_NKEY_SEED', file: 'nats-nkey-seed', field: 'seed' } as const;
/** With `nats.auth: jwt`: the creds file (user JWT + seed) nats clients read. */
export const NATS_CREDS = { env: 'NATS_CREDS', file: 'nats-creds', field: 'creds' } as const;

type Named = { metadata: { name: string; namespace?: string | undefined } };
type Report = (problem: Omit<Problem, 'file'>) => void;

export const keyOf = (o: Named): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** KV v2 reads go to `<mount>/data/<path>`; CRs name the secret as `<mount>/<path>`. */
export function kvDataPath(logical: string): string {
  const slash = logical.indexOf('/');
  return `${logical.slice(0, slash)}/data/${logical.slice(slash + 1)}`;
}

function index<T extends Named>(list: readonly Sourced<T>[], problems: Problem[]) {
  const map = new Map<string, Sourced<T>>();
  for (const item of list) {
    const { file } = item;
    if (item.object.metadata.namespace === undefined) {
      problems.push({
        file,
        path: 'metadata.namespace',
        message: 'set the namespace of the resource',
      });
      continue;
    }
    const other = map.get(keyOf(item.object));
    if (other) {
      const where = other.file ? ` (also in ${other.file})` : '';
      problems.push({
        file,
        path: 'metadata.name',
        message: `${keyOf(item.object)} is defined twice${where}`,
      });
    }
    map.set(keyOf(item.object), item);
  }
  return map;
}

interface Context {
  platform: Platform;
  services: ServiceIndex;
  credentials: Map<string, Sourced<ExchangeCredential>>;
  rings: Map<string, Sourced<HmacKeyRing>>;
  /** Vault paths owned by a credential or key ring: `ExchangeCredential titan/binance`. */
  owners: Map<string, string>;
}

type Owned = ExchangeCredential | HmacKeyRing;

/** Why a credential's or key ring's own path is refused (its namespace must own it). */
function ownedRefusal(owner: Owned, platform: Platform): string | undefined {
  return pathRefusal(platform, owner.metadata.namespace ?? '', owner.spec.vaultPath, 'owned');
}

/**
 * Who owns which path, with the owners' own problems: a path outside their namespace, or a path
 * another owner holds (its consumers would read the other's key past its consumer list).
 */
function ownersOf(ctx: Omit<Context, 'owners'>, problems: Problem[]): Map<string, string> {
  const owners = new Map<string, string>();
  const all: Sourced<Owned>[] = [...ctx.credentials.values(), ...ctx.rings.values()];
  for (const { object, file } of all) {
    const path = 'spec.vaultPath';
    const refusal = ownedRefusal(object, ctx.platform);
    const name = `${object.kind} ${keyOf(object)}`;
    const other = owners.get(object.spec.vaultPath);
    const message = refusal ?? (other && `${object.spec.vaultPath} is already owned by ${other}`);
    if (message)
      problems.push({ ...(file !== undefined && { file }), path, message, forbidden: true });
    else owners.set(object.spec.vaultPath, name);
  }
  return owners;
}

function exchangeFiles(ts: TradingService, ctx: Context, report: Report) {
  const files: SecretFileModel[] = [];
  const fqdns: FqdnModel[] = [];
  for (const [i, name] of ts.spec.exchangeCredentials.entries()) {
    const path = `spec.exchangeCredentials[${i}]`;
    const ec = ctx.credentials.get(`${ts.metadata.namespace}/${name}`)?.object;
    if (!ec) {
      report({
        path,
        message: `no ExchangeCredential ${name} in namespace ${ts.metadata.namespace}`,
      });
      continue;
    }
    if (!ec.spec.consumers.includes(ts.metadata.name)) {
      report({
        path,
        message: `ExchangeCredential ${name} does not list ${ts.metadata.name} in spec.consumers: add it there to grant access (posture never grants a key silently)`,
      });
      continue;
    }
    const refusal = ownedRefusal(ec, ctx.platform);
    if (refusal) {
      report({ path, message: `ExchangeCredential ${name}: ${refusal}`, forbidden: true });
      continue;
    }
    const env = `EXCHANGE_${name.toUpperCase().replaceAll('-', '_')}`;
    files.push({
      file: `exchange-${name}`,
      env,
      vaultPath: kvDataPath(ec.spec.vaultPath),
      reason: `exchange credential ${name} (${ec.spec.exchange})`,
    });
    for (const host of apiHostsOf(ec.spec)) fqdns.push({ name: host, ports: [443] });
  }
  return { files, fqdns };
}

type HmacUse = TradingService['spec']['hmac'][number];

/** The ring a use may read, or the problem why not (missing, not a member, path not owned). */
function ringFor(ts: TradingService, use: HmacUse, ctx: Context) {
  const ring = ctx.rings.get(`${ts.metadata.namespace}/${use.keyRing}`)?.object;
  if (!ring)
    return { message: `no HmacKeyRing ${use.keyRing} in namespace ${ts.metadata.namespace}` };
  const members = use.role === 'signer' ? ring.spec.signers : ring.spec.listeners;
  if (!members.includes(ts.metadata.name))
    return {
      message: `HmacKeyRing ${use.keyRing} does not list ${ts.metadata.name} in spec.${use.role}s: add it there`,
    };
  const refusal = ownedRefusal(ring, ctx.platform);
  if (refusal)
    return { message: `HmacKeyRing ${use.keyRing}: ${refusal}`, forbidden: true as const };
  return { ring };
}

function hmacFiles(ts: TradingService, ctx: Context, report: Report): SecretFileModel[] {
  const files: SecretFileModel[] = [];
  for (const [i, use] of ts.spec.hmac.entries()) {
    const { ring, ...problem } = ringFor(ts, use, ctx);
    if (!ring) {
      report({ path: `spec.hmac[${i}]`, ...(problem as Omit<Problem, 'file' | 'path'>) });
      continue;
    }
    const version =
      use.role === 'signer' ? ring.status?.signerVersion : ring.status?.listenerVersion;
    files.push({
      file: use.file,
      env: use.env,
      vaultPath: kvDataPath(ring.spec.vaultPath),
      ...(version !== undefined && { version }),
      reason: `HMAC key ring ${use.keyRing} (${use.role})`,
    });
  }
  return files;
}

/** Why a plain secret may not be read: outside the namespace, or owned by a credential/ring. */
function secretRefusal(ts: TradingService, vaultPath: string, ctx: Context): string | undefined {
  const refusal = pathRefusal(ctx.platform, ts.metadata.namespace ?? '', vaultPath, 'secret');
  if (refusal) return refusal;
  const owner = ctx.owners.get(vaultPath);
  if (!owner) return undefined;
  const field = owner.startsWith('HmacKeyRing') ? 'spec.hmac' : 'spec.exchangeCredentials';
  return `${vaultPath} is owned by ${owner}: read it through ${field}, as a member the owner lists, never as a plain secret`;
}

function secretFiles(ts: TradingService, ctx: Context, report: Report): SecretFileModel[] {
  const files: SecretFileModel[] = [];
  for (const [i, s] of ts.spec.secrets.entries()) {
    const refusal = secretRefusal(ts, s.vaultPath, ctx);
    if (refusal) {
      report({ path: `spec.secrets[${i}].vaultPath`, message: refusal, forbidden: true });
      continue;
    }
    files.push({
      file: s.file,
      env: s.name,
      vaultPath: kvDataPath(s.vaultPath),
      field: s.key,
      reason: `secret ${s.name}`,
    });
  }
  return files;
}

function natsSeedFile(ts: TradingService, platform: Platform): SecretFileModel[] {
  if (!ts.spec.nats) return [];
  const path = `${platform.vault.kvMount}/data/posture/nats/${ts.metadata.namespace}/${ts.metadata.name}`;
  // Decentralized auth: one creds file (user JWT and seed), issued by posture into the seed's
  // own entry (docs/adr/0071).
  if (platform.nats.auth === 'jwt')
    return [{ ...NATS_CREDS, vaultPath: path, reason: 'NATS user creds (issued by posture)' }];
  return [{ ...NATS_SEED, vaultPath: path, reason: 'NATS NKey seed (generated by posture)' }];
}

// Vault Agent reads `vault.hashicorp.com/agent-inject-template-<file>`: the part after the `/`
// of an annotation key is at most 63 characters and ends alphanumeric.
const TEMPLATE_PREFIX = 'agent-inject-template-';
const MAX_FILE = 63 - TEMPLATE_PREFIX.length;

function fileNameProblem(file: string): string | undefined {
  if (file.length > MAX_FILE) {
    return `file name ${file} is longer than ${MAX_FILE} characters, the most a Vault Agent annotation (${TEMPLATE_PREFIX}<file>) allows`;
  }
  if (!/[A-Za-z0-9]$/.test(file))
    return `file name ${file} must end with a letter or digit (Vault Agent annotation key)`;
  return undefined;
}

/**
 * The files a service can be given: a file whose name Vault Agent cannot take, or whose file or
 * variable name another file already uses, is reported and left out, never rendered ambiguous.
 * Earlier files in `files` win a clash, so callers list posture's own (the NATS seed) first.
 */
function usableFiles(files: readonly SecretFileModel[], report: Report): Set<SecretFileModel> {
  const seen = new Set<string>();
  const usable = new Set<SecretFileModel>();
  for (const f of files) {
    const problem = fileNameProblem(f.file);
    if (problem) report({ path: 'spec', message: problem });
    const keys = [`file ${f.file}`, `variable ${f.env}_FILE`];
    const clash = keys.find((key) => seen.has(key));
    if (clash)
      report({
        path: 'spec',
        message: `${clash} is used twice (secrets, hmac, exchange credentials and the NATS seed need distinct names)`,
      });
    for (const key of keys) seen.add(key);
    if (!problem && !clash) usable.add(f);
  }
  return usable;
}

/**
 * The system account runs nats-server itself (and posture's pushes of every account's claims):
 * a service in it could rewrite anyone's permissions. It is left out whole, never joined.
 */
function systemAccountRefusal(ts: TradingService, platform: Platform, report: Report): boolean {
  const account = ts.spec.nats?.account;
  if (account === undefined || account !== platform.nats.systemAccount) return false;
  report({
    path: 'spec.nats.account',
    message: `${account} is the NATS system account; services cannot join it (name another account, or leave it out for ${platform.nats.account})`,
    forbidden: true,
  });
  return true;
}

function toService(ts: TradingService, ctx: Context, report: Report): ServiceModel {
  const spec = systemAccountRefusal(ts, ctx.platform, report)
    ? { ...ts.spec, nats: undefined }
    : ts.spec;
  ts = { ...ts, spec };
  const exchange = exchangeFiles(ts, ctx, report);
  const seed = natsSeedFile(ts, ctx.platform);
  const declared = [
    ...secretFiles(ts, ctx, report),
    ...hmacFiles(ts, ctx, report),
    ...exchange.files,
  ];
  const usable = usableFiles([...seed, ...declared], report);
  const files = [...declared, ...seed].filter((f) => usable.has(f));
  const peers = peersOf(ts, ctx.services, report);
  const ports: PortRef[] = spec.ports.map((p) => ({ port: p.port, protocol: p.protocol }));
  return {
    namespace: ts.metadata.namespace ?? '',
    name: ts.metadata.name,
    image: spec.image,
    replicas: spec.replicas,
    ports: spec.ports.map((p, i) => ({ name: p.name, ...(ports[i] as PortRef) })),
    runAsUser: spec.securityContext.runAsUser,
    runAsGroup: spec.securityContext.runAsGroup,
    readOnlyRootFilesystem: spec.securityContext.readOnlyRootFilesystem,
    ...(spec.nats && {
      nats: {
        account: spec.nats.account ?? ctx.platform.nats.account,
        publish: spec.nats.publish,
        subscribe: spec.nats.subscribe,
        ...(spec.nats.allowResponses && {
          allowResponses: allowResponses(spec.nats.allowResponses),
        }),
      },
    }),
    files,
    ingress: peers.ingress,
    ingressWorkloads: peers.workloads,
    egressServices: peers.egress,
    egressFqdns: dedupeFqdns([...spec.egress.fqdns, ...exchange.fqdns]),
    egressCidrs: spec.egress.cidrs.map((c) => ({ cidr: c.cidr, ports: c.ports })),
    ...(spec.resources && { resources: spec.resources }),
  };
}

/** The render model of a set of CRs and every problem found; `only`: one service's model. */
export function buildModel(
  resources: CustomResources,
  platform: Platform,
  options: { only?: string } = {},
): { model: PlatformModel; problems: Problem[] } {
  const problems: Problem[] = [];
  const indexed = {
    platform,
    services: index(resources.tradingServices, problems),
    credentials: index(resources.exchangeCredentials, problems),
    rings: index(resources.hmacKeyRings, problems),
  };
  const ctx: Context = { ...indexed, owners: ownersOf(indexed, problems) };
  const services: ServiceModel[] = [];
  for (const { object, file } of ctx.services.values()) {
    if (options.only !== undefined && keyOf(object) !== options.only) continue;
    const report: Report = (p) => problems.push({ ...p, ...(file !== undefined && { file }) });
    services.push(toService(object, ctx, report));
  }
  return { model: { services }, problems };
}
