import type { ExchangeCredential, HmacKeyRing, TradingService } from '../../api/index.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import {
  ConditionType,
  condition,
  readyCondition,
  type ConditionInput,
} from '../kit/conditions.ts';
import { invalidSpecConditions, parseObject, specValid, type Parsed } from '../kit/invalid-spec.ts';
import { vaultCondition } from '../kit/vault.ts';
import { TradingServiceReason } from './reasons.ts';
import type { ServiceModel } from '../../render/model.ts';
import { partManifest } from '../../render/objects.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { formatProblem, type Problem } from '../../render/problems.ts';
import { buildModel, keyOf, type Sourced } from '../../render/build-model.ts';
import {
  natsUser,
  serviceParts,
  vaultAccess,
  type VaultAccess,
} from '../../render/service/index.ts';
import { TradingServiceSchema } from '../../api/tradingservice/schema.ts';
import type { NkeyDecision, NkeyFields, NkeySnapshot } from './nkey-rotation.ts';
import { nkeyCondition, nkeyStep, seedPath } from './nkey-step.ts';
import { pinnedModel, type SecretVersions } from './pins.ts';
import {
  decideUserJwt,
  jwtRetirements,
  type JwtRetirement,
  type UserJwtDecision,
  type UserJwtObservation,
} from './user-jwt.ts';
import { userClaims, type UserClaims } from '../../render/nats/jwt.ts';

/**
 * What gather saw in Vault: the NKey seed's newest version and public key (never the seed), the
 * current KV version of each secret the service reads (metadata only), or Vault being down.
 */
export type VaultObservation =
  | {
      state: 'reachable';
      nkey?: { version: number; publicKey: string };
      versions?: SecretVersions;
      /** With `nats.auth: jwt`: the creds' newest version and its JWT's claims. */
      userJwt?: UserJwtObservation;
    }
  | { state: 'unavailable'; message: string };

export interface TradingServiceSnapshot {
  /** The cached object as the apiserver has it: validated here, like the apiserver did. */
  object: KubeObject;
  /** Every valid posture CR the operator sees: peers, credentials, key rings. */
  services: readonly TradingService[];
  credentials: readonly ExchangeCredential[];
  keyRings: readonly HmacKeyRing[];
  platform: Platform;
  vault: VaultObservation;
  /** The service's live Deployment (cache): how far it rolled to a new NKey seed. */
  deployment?: KubeObject;
  /** What nats-server confirmed it runs for the service. @default 'unmanaged' */
  natsLoaded?: NkeySnapshot['loaded'];
  /** With `nats.auth: jwt`: the public key of the service's NATS account. */
  natsAccountKey?: string;
  /** `object` parsed (the controller's memo of it); parsed here when absent. */
  parsed?: Parsed<TradingService>;
}

export interface TradingServiceDecision {
  /** InvalidSpec: report and stop retrying until the object changes. */
  terminal: boolean;
  /** Children to server-side apply, each owned by the TradingService. */
  objects: KubeObject[];
  /**
   * Vault policy and role to hold; undefined: the service may read nothing from Vault now, so
   * a policy and role it held before are removed.
   */
  access?: VaultAccess;
  /** Whether the service has a NATS user and so needs an NKey pair in Vault. */
  needsNkey: boolean;
  /** The NKey rotation's step: a seed to write first, the pin, the status fields. */
  nkey?: NkeyDecision;
  /** With `nats.auth: jwt`: the user JWT to issue (if any) and the creds version pods read. */
  userJwt?: UserJwtDecision & { account: string; claims: UserClaims };
  /** With `nats.auth: jwt`: JWTs whose grant was withdrawn, for their accounts to revoke. */
  retire?: JwtRetirement[];
  conditions: ConditionInput[];
  fields: NkeyFields & JwtFields & { vaultRole?: string };
  /** Some declared grant is missing or refused: look again soon, besides the watches. */
  degraded?: boolean;
}

/** A child owned by its TradingService (garbage-collected with it); the floor bench uses it too. */
export function withOwner(manifest: KubeObject, owner: KubeObject): KubeObject {
  const { name = '', uid = '' } = owner.metadata;
  const reference = {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [reference] } };
}

function invalid(message: string): TradingServiceDecision {
  return {
    terminal: true,
    objects: [],
    needsNkey: false,
    conditions: invalidSpecConditions(message),
    fields: {},
  };
}

const sourced = <T extends { metadata: { name: string; namespace?: string | undefined } }>(
  list: readonly T[],
): Sourced<T>[] => list.map((object) => ({ object, file: keyOf(object) }));

/** The shared render model, with each problem tagged by the key of the CR it belongs to. */
function modelFor(snapshot: TradingServiceSnapshot, service: TradingService) {
  const key = keyOf(service);
  const others = snapshot.services.filter((s) => keyOf(s) !== key);
  const { model, problems } = buildModel(
    {
      tradingServices: sourced([...others, service]),
      exchangeCredentials: sourced(snapshot.credentials),
      hmacKeyRings: sourced(snapshot.keyRings),
    },
    snapshot.platform,
    { only: key },
  );
  const own: Problem[] = problems
    .filter((p) => p.file === key)
    .map(({ file: _file, ...problem }) => problem);
  const model1 = model.services.find((s) => `${s.namespace}/${s.name}` === key);
  return { model: model1, problems: own };
}

function problemCondition(
  type: string,
  reason: string,
  problems: readonly Problem[],
): ConditionInput {
  if (problems.length === 0)
    return condition(type, 'False', TradingServiceReason.NoProblems, 'none');
  return condition(type, 'True', reason, problems.map(formatProblem).join('; '));
}

/** Degraded for what other CRs must fix, Forbidden for what the namespace does not own. */
function problemConditions(problems: readonly Problem[]): ConditionInput[] {
  const forbidden = problems.filter((p) => p.forbidden);
  const missing = problems.filter((p) => !p.forbidden);
  return [
    problemCondition(ConditionType.Forbidden, TradingServiceReason.NotOwned, forbidden),
    problemCondition(ConditionType.Degraded, TradingServiceReason.DependencyMissing, missing),
  ];
}

/** No render model (the grant refused whole): nothing to apply, and no NATS user any more. */
function withoutModel(
  snapshot: TradingServiceSnapshot,
  checks: ConditionInput[],
  fields: NkeyFields,
): TradingServiceDecision {
  return {
    terminal: false,
    objects: [],
    needsNkey: false,
    ...retirements(snapshot, undefined, fields),
    conditions: [...checks, readyCondition(checks)],
    // Refused whole: look again soon, besides the watches.
    degraded: true,
    fields,
  };
}

/**
 * Pure: from the snapshot to what should exist. The objects and the Vault access come from the
 * shared render functions (the same `posture synth` uses), never a copy of them. The render
 * model holds exactly the grants every CR involved agrees to now: a grant another CR has not
 * given (yet) or has taken back is left out whole (file, policy path, egress), and the rest is
 * applied. So a new grant waits for every side and a withdrawn one goes in this reconcile, never
 * held while the service is Degraded (docs/adr/0038-revocation-within-one-reconcile.md).
 */
export function decideTradingService(snapshot: TradingServiceSnapshot): TradingServiceDecision {
  const parsed = snapshot.parsed ?? parseObject(TradingServiceSchema, snapshot.object);
  if (!parsed.ok) return invalid(parsed.message);
  const service = parsed.value;
  const { model, problems } = modelFor(snapshot, service);
  const vault = vaultCondition(snapshot.vault);
  const checks = [specValid, vault, ...problemConditions(problems)];
  const fields = seenNkey(snapshot.vault);
  if (!model) return withoutModel(snapshot, checks, fields);
  const access = vaultAccess(model, snapshot.platform);
  const { nkey, userJwt } = natsSteps(snapshot, service, model);
  const ready = readyCondition(checks, 'objects, Vault access and NATS user in place');
  return {
    terminal: false,
    objects: objectsOf(snapshot, service, model, { nkey, userJwt }),
    ...(access && { access }),
    needsNkey: model.nats !== undefined,
    ...natsParts(snapshot, { nkey, userJwt }, fields),
    conditions: [...checks, ready, ...(nkey ? [nkeyCondition(nkey)] : [])],
    degraded: problems.length > 0,
    fields: {
      ...fields,
      ...nkey?.fields,
      ...jwtFields(userJwt),
      ...(access && { vaultRole: access.role.name }),
    },
  };
}

/** The NATS steps the decision carries, and what the accounts must revoke. */
function natsParts(
  s: TradingServiceSnapshot,
  { nkey, userJwt }: Pick<TradingServiceDecision, 'nkey' | 'userJwt'>,
  fields: NkeyFields,
): Pick<TradingServiceDecision, 'nkey' | 'userJwt' | 'retire'> {
  return {
    ...(nkey && { nkey }),
    ...(userJwt && { userJwt }),
    ...retirements(s, userJwt, nkey?.fields ?? fields),
  };
}

const jwtFields = (userJwt: TradingServiceDecision['userJwt']): JwtFields =>
  userJwt ? { natsJwtVersion: userJwt.pin, natsJwtRevokedBefore: userJwt.revokedBefore } : {};

/** The NKey rotation's step and, with `nats.auth: jwt`, the user JWT's; none without NATS. */
function natsSteps(
  snapshot: TradingServiceSnapshot,
  service: TradingService,
  model: ServiceModel,
): Pick<TradingServiceDecision, 'nkey' | 'userJwt'> {
  const nkey = model.nats ? nkeyStep(snapshot, service) : undefined;
  if (!nkey) return {};
  const userJwt = userJwtStep(snapshot, model, nkey);
  return { nkey: settled(nkey, userJwt), userJwt };
}

/**
 * With `nats.auth: jwt` the creds share the seed's entry (docs/adr/0071): a new JWT for a
 * settled key is the entry's next version, so that is the key's version, and what pods read.
 */
function settled(nkey: NkeyDecision, userJwt: TradingServiceDecision['userJwt']): NkeyDecision {
  if (!userJwt || nkey.phase !== 'Stable' || nkey.write) return nkey;
  const version = userJwt.pin;
  const fields = { ...nkey.fields, nkeyVersion: version, nkeyPinnedVersion: version };
  return { ...nkey, pin: version, fields };
}

/** With `nats.auth: jwt`: what the accounts must revoke now that the grant changed (if any). */
function retirements(
  s: TradingServiceSnapshot,
  userJwt: TradingServiceDecision['userJwt'],
  fields: NkeyFields,
): Pick<TradingServiceDecision, 'retire'> {
  if (s.platform.nats.auth !== 'jwt' || s.vault.state !== 'reachable') return {};
  const status = (s.object as { status?: { previousNatsUser?: unknown } }).status;
  const was = typeof status?.previousNatsUser === 'string' ? status.previousNatsUser : undefined;
  const retire = jwtRetirements(s.vault.userJwt, userJwt?.account, {
    was,
    now: fields.previousNatsUser,
  });
  return retire.length > 0 ? { retire } : {};
}

/** Status fields of `nats.auth: jwt`. */
export type JwtFields = { natsJwtVersion?: number; natsJwtRevokedBefore?: number | undefined };

/** With `nats.auth: jwt`, the service's user JWT: issue one when its permissions changed. */
function userJwtStep(
  s: TradingServiceSnapshot,
  model: ServiceModel,
  nkey: NkeyDecision,
): TradingServiceDecision['userJwt'] {
  if (s.platform.nats.auth !== 'jwt' || s.vault.state !== 'reachable') return undefined;
  const user = natsUser(model, nkey.fields.natsUser ?? '');
  if (!user) return undefined;
  const claims = userClaims(user);
  // The creds share the seed's entry (docs/adr/0071): a JWT is its next version.
  const entry = s.vault.nkey?.version ?? 0;
  const want = {
    publicKey: nkey.write ? undefined : nkey.fields.natsUser,
    account: s.natsAccountKey,
    claims,
  };
  const decision = decideUserJwt(s.vault.userJwt, want, entry);
  return { ...decision, account: model.nats?.account ?? s.platform.nats.account, claims };
}

/** The children, every file pinned to its KV version (docs/adr/0045), owned by the service. */
function objectsOf(
  s: TradingServiceSnapshot,
  service: TradingService,
  model: ServiceModel,
  { nkey, userJwt }: Pick<TradingServiceDecision, 'nkey' | 'userJwt'>,
): KubeObject[] {
  // With `nats.auth: jwt` pods read the creds, in the seed's entry, at the JWT's version.
  const version = userJwt?.pin ?? nkey?.pin;
  const seed =
    version !== undefined ? { dataPath: seedPath(s.platform, service), version } : undefined;
  const pinned = pinnedModel(model, versionsOf(s.vault), seed);
  return serviceParts(pinned, s.platform).map((p) =>
    withOwner(partManifest(p) as unknown as KubeObject, s.object),
  );
}

/** The public key Vault holds, for a service without a NATS user now. */
function seenNkey(vault: VaultObservation): { natsUser?: string } {
  const nkey = vault.state === 'reachable' ? vault.nkey : undefined;
  return nkey ? { natsUser: nkey.publicKey } : {};
}

const versionsOf = (vault: VaultObservation): SecretVersions =>
  (vault.state === 'reachable' && vault.versions) || new Map<string, number>();
