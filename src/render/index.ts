import { renderNatsConfig } from './nats/config.ts';
import { resolverConfigText } from './nats/resolver.ts';
import type { NatsAuthConfig, NatsUser } from './nats/model.ts';
import { tenancyAdmissionParts } from './admission.ts';
import { DEVTRON_APP, devtronParts, type RenderedKind } from './devtron.ts';
import type { PlatformModel, ServiceModel } from './model.ts';
import { defaultDenyPart, namespacePart, quarantinePart } from './namespace.ts';
import { NATS_AUTH_SECRET, natsAuthPart } from './nats-auth.ts';
import { part, partManifest, RAW, type AppRef, type Part, type RenderedObject } from './objects.ts';
import type { Platform } from '../api/platform/settings.ts';
import { assertNoProblems, type Problem } from './problems.ts';
import { buildModel, type CustomResources } from './build-model.ts';
import { natsUser, serviceParts, vaultAccess, type VaultAccess } from './service/index.ts';
import type { Json } from '../lib/json.ts';

/**
 * The render API: the one function `posture synth` and the operator both call (the operator
 * per namespace, synth for the whole platform). Pure: same input, same output; no I/O, no clock.
 */

/** The NKey public key of a service's NATS user, or undefined when none is known. */
export type NkeySource = (service: { namespace: string; name: string }) => string | undefined;

export interface RenderInput {
  platform: Platform;
  model: PlatformModel;
  nkeys: NkeySource;
  /**
   * During an NKey rotation (operator only), the public key a service's pods may still hold:
   * authorized as a second user with the same permissions until every pod runs the new seed.
   */
  previousNkeys?: NkeySource;
  /** Cluster-scoped objects to ship with the platform, such as posture's own CRDs. */
  crds?: readonly { [key: string]: Json }[];
  /** Namespaces under isolation: quarantine policy on, their NATS users disabled. */
  isolated?: ReadonlySet<string>;
}

export interface RenderedVault {
  app: AppRef;
  access: VaultAccess;
}

export interface Rendered {
  objects: RenderedObject[];
  nats: { config: NatsAuthConfig; text: string };
  vault: RenderedVault[];
}

export const BASELINE_APP = '_baseline';

/** Groups of parts by app: what both the construct tree and the fast path are built from. */
export interface AppParts {
  app: AppRef;
  parts: Part[];
}

function namespaceApps(namespaces: string[], isolated: ReadonlySet<string>): AppParts[] {
  const apps: AppParts[] = [
    { app: { namespace: '', app: 'namespaces' }, parts: namespaces.map(namespacePart) },
  ];
  for (const ns of namespaces) {
    const parts = [defaultDenyPart(ns)];
    if (isolated.has(ns)) parts.push(quarantinePart(ns));
    apps.push({ app: { namespace: ns, app: BASELINE_APP }, parts });
  }
  return apps;
}

function natsConfigPart(platform: Platform, text: string): AppParts {
  const { namespace } = platform.nats;
  return { app: { namespace, app: NATS_AUTH_SECRET }, parts: [natsAuthPart(namespace, text)] };
}

function natsUsers(
  input: RenderInput,
  problems: Problem[],
): { service: ServiceModel; user: NatsUser }[] {
  const users: { service: ServiceModel; user: NatsUser }[] = [];
  for (const service of input.model.services) {
    if (!service.nats) continue;
    const id = `${service.namespace}/${service.name}`;
    const nkey = input.nkeys(service);
    if (nkey === undefined) {
      problems.push({
        path: `nats.users["${id}"]`,
        message: `no NKey public key for TradingService ${id}: add its public key (U...) to platform.yaml nats.users; the seed stays in Vault`,
      });
      continue;
    }
    const disabled = input.isolated?.has(service.namespace) ?? false;
    for (const user of serviceUsers(service, nkey, input.previousNkeys?.(service)))
      users.push({ service, user: disabled ? { ...user, disabled } : user });
  }
  return users;
}

/** The service's user, and a second one with the same permissions for its previous NKey. */
function serviceUsers(service: ServiceModel, nkey: string, previous: string | undefined) {
  const user = natsUser(service, nkey)!;
  if (previous === undefined || previous === nkey) return [user];
  return [
    user,
    { ...user, id: `${user.id} (previous NKey, until its pods rolled)`, nkey: previous },
  ];
}

/**
 * A user nobody can log in as (its seed was thrown away when this key was made), allowed
 * nothing. nats-server with no user at all accepts clients without authentication: when the
 * last service's user goes (an isolated namespace, the last service deleted) the config must
 * still require a login.
 */
export const LOCKED_USER: NatsUser = {
  id: 'locked',
  nkey: 'UCRGG6TZHZVRYQTCOVXZKZVAVN4D4H7OUBVXGUJ4YH4AZW3IMU6UUQQI',
  permissions: { publish: [], subscribe: [] },
};

/** The aggregated NATS auth config of every service, one account per declared account. */
export function natsConfig(input: RenderInput): { config: NatsAuthConfig; text: string } {
  const problems: Problem[] = [];
  const { account, systemAccount, systemUser } = input.platform.nats;
  const byAccount = new Map<string, NatsUser[]>([[account, []]]);
  for (const { service, user } of natsUsers(input, problems)) {
    const name = service.nats?.account ?? account;
    if (name === systemAccount) {
      problems.push({
        path: `${service.namespace}/${service.name}: spec.nats.account`,
        message: `${name} is the system account; services cannot join it`,
      });
    }
    const users = byAccount.get(name);
    if (users) users.push(user);
    else byAccount.set(name, [user]);
  }
  assertNoProblems(problems);
  const system: NatsUser[] = [
    LOCKED_USER,
    ...(systemUser
      ? [{ id: 'system', nkey: systemUser, permissions: { publish: ['>'], subscribe: ['>'] } }]
      : []),
  ];
  const accounts = [...byAccount].map(([name, users]) => ({ name, users }));
  const config: NatsAuthConfig = {
    systemAccount,
    accounts: [...accounts, { name: systemAccount, users: system }],
  };
  // With decentralized auth nats-server's include names the operator and resolver only: the
  // users above are still built (their problems are the services' own), but live in JWTs.
  const text =
    input.platform.nats.auth === 'jwt'
      ? resolverConfigText(input.platform)
      : renderNatsConfig(config);
  return { config, text };
}

/**
 * All parts of the platform, grouped by app, in a stable order. A generator: each app's parts
 * are made when asked for and can be dropped once turned into objects, so a 10k-service render
 * never holds every part at once (short-lived garbage is cheap, a large live heap is not).
 */
export function* platformApps(input: RenderInput, natsText: string): Generator<AppParts> {
  const namespaces = [...new Set(input.model.services.map((s) => s.namespace))].sort();
  const kinds = new KindsSeen();
  if (input.crds && input.crds.length > 0) yield crdApp(input.crds);
  yield { app: { namespace: '', app: 'admission' }, parts: tenancyAdmissionParts(input.platform) };
  for (const group of namespaceApps(namespaces, input.isolated ?? new Set()))
    yield kinds.note(group);
  for (const service of sortedServices(input.model.services)) {
    yield kinds.note({
      app: { namespace: service.namespace, app: service.name },
      parts: serviceParts(service, input.platform),
    });
  }
  if (input.model.services.some((s) => s.nats)) yield natsConfigPart(input.platform, natsText);
  const { devtron } = input.platform;
  if (devtron)
    yield {
      app: { namespace: '', app: DEVTRON_APP },
      parts: devtronParts(devtron, kinds.byNamespace),
    };
}

/**
 * The kinds rendered into each app namespace, noted as the apps go by: Devtron's Role there grants
 * exactly these (docs/devtron.md).
 */
class KindsSeen {
  readonly byNamespace = new Map<string, Map<string, RenderedKind>>();

  note(group: AppParts): AppParts {
    const { namespace } = group.app;
    if (namespace === '') return group;
    const seen = this.byNamespace.get(namespace) ?? new Map<string, RenderedKind>();
    this.byNamespace.set(namespace, seen);
    for (const {
      kind: { apiVersion, kind },
    } of group.parts) {
      seen.set(`${apiVersion} ${kind}`, { apiVersion, kind });
    }
    return group;
  }
}

function crdApp(crds: readonly { [key: string]: Json }[]): AppParts {
  const parts = crds.map((manifest, i) => part(`crd-${i}`, RAW, manifest));
  return { app: { namespace: '', app: 'crds' }, parts };
}

function sortedServices(services: readonly ServiceModel[]): ServiceModel[] {
  const keyed = services.map((s) => [`${s.namespace}/${s.name}`, s] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, s]) => s);
}

export interface ResourcesInput extends Omit<RenderInput, 'model'> {
  resources: CustomResources;
}

/**
 * The entry point for callers holding CRs (the operator's informer cache, synth's files):
 * cross-resource checks, then `renderPlatform`. Throws InvalidInputError with every problem.
 */
export function renderResources(input: ResourcesInput): Rendered {
  const { model, problems } = buildModel(input.resources, input.platform);
  assertNoProblems(problems);
  return renderPlatform({ ...input, model });
}

/** Renders the whole platform: every object, the NATS auth config and the Vault access. */
export function renderPlatform(input: RenderInput): Rendered {
  const nats = natsConfig(input);
  const objects: RenderedObject[] = [];
  for (const { app, parts } of platformApps(input, nats.text)) {
    for (const p of parts) objects.push({ app, manifest: partManifest(p) });
  }
  const vault: RenderedVault[] = [];
  for (const service of sortedServices(input.model.services)) {
    const access = vaultAccess(service, input.platform);
    if (access) vault.push({ app: { namespace: service.namespace, app: service.name }, access });
  }
  return { objects, nats, vault };
}
