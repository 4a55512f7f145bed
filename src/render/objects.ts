import { ApiObject, type ApiObjectProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Json } from '../lib/json.ts';

/**
 * The unit of rendering. Each Kubernetes object posture renders is a `Part`: a cdk8s-imported L1
 * class (KubeDeployment, CiliumNetworkPolicy, ...) plus its typed props. The props functions are
 * the single source; a part becomes either
 * - a construct in a cdk8s tree (`addPart`), for anyone composing posture into a cdk8s App, or
 * - a manifest directly (`partManifest`), through the class's generated `manifest()`: the same
 *   conversion `toJson()` does, without building a construct tree and resolving tokens, which is
 *   what keeps render linear and fast at 10k services (docs/adr/0032-render-fast-path.md).
 * A contract test proves both give the same objects.
 */

/** The static side of a cdk8s-imported API object class. */
export interface ApiObjectClass<P> {
  new (scope: Construct, id: string, props: P): ApiObject;
  manifest(props: P): unknown;
  readonly GVK: { apiVersion: string; kind: string };
}

export interface Part<P = unknown> {
  /** Construct id within its app's scope; unique per app. */
  id: string;
  type: ApiObjectClass<P>;
  props: P;
}

/** Builds a part with its props type checked against the class. */
export function part<P>(id: string, type: ApiObjectClass<P>, props: P): Part {
  return { id, type, props } as Part;
}

/** Where an object belongs in gitops: the namespace and the app (a service, or `_namespace`). */
export interface AppRef {
  namespace: string;
  app: string;
}

export interface RenderedObject {
  app: AppRef;
  manifest: { [key: string]: Json };
}

/**
 * JSON keys that differ from the generated TypeScript property names in the kinds posture renders
 * (cdk8s camel-cases Cilium's `toFQDNs` as `toFqdNs`). The contract test checks this table:
 * `partManifest` must equal the class's own `manifest()` for every rendered object.
 */
const RENAMED_KEYS: Readonly<Record<string, string>> = {
  toFqdNs: 'toFQDNs',
  toCidr: 'toCIDR',
  toCidrSet: 'toCIDRSet',
  fromCidr: 'fromCIDR',
  fromCidrSet: 'fromCIDRSet',
};

/**
 * What the generated `toJson_*` functions do to props, done in one pass: drop undefined, unwrap
 * value types (IntOrString, Quantity: `{ value }`), rename the keys above. The generated code
 * rebuilds every object once per key (spread in a reduce), which made it most of render time.
 * Here an object or array is copied only when something in it changes; the rest of the props
 * (freshly built for this render and dropped after it) become the manifest as they are. So
 * props functions build fresh objects and never put a shared constant in props: manifests
 * must not share objects, or changing one would change others (a property test checks).
 */
function toJsonValue(value: unknown): Json {
  if (typeof value !== 'object' || value === null) return value as Json;
  if (Array.isArray(value)) return arrayToJson(value);
  if (value.constructor !== Object) return (value as { value: Json }).value;
  return objectToJson(value as Record<string, unknown>);
}

function arrayToJson(value: unknown[]): Json[] {
  let out: Json[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = toJsonValue(value[i]);
    if (out) out.push(v);
    else if (v !== value[i]) out = [...(value.slice(0, i) as Json[]), v];
  }
  return out ?? (value as Json[]);
}

function objectToJson(value: Record<string, unknown>): { [key: string]: Json } {
  let out: { [key: string]: Json } | undefined;
  for (const key in value) {
    const v = value[key];
    const converted = v === undefined ? undefined : toJsonValue(v);
    const name = RENAMED_KEYS[key] ?? key;
    out ??= changed(v, converted, name !== key) ? copyBefore(value, key) : undefined;
    if (out && converted !== undefined) out[name] = converted;
  }
  return out ?? (value as { [key: string]: Json });
}

function changed(before: unknown, after: Json | undefined, renamed: boolean): boolean {
  return before === undefined || after !== before || renamed;
}

/** The keys of `value` that come before `stop`, copied (they needed no change). */
function copyBefore(value: Record<string, unknown>, stop: string): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const key in value) {
    if (key === stop) break;
    out[key] = value[key] as Json;
  }
  return out;
}

/** The manifest of a part, exactly as its construct would synthesize it (see the contract test). */
export function partManifest(p: Part): { [key: string]: Json } {
  const { apiVersion, kind } = p.type.GVK;
  if (p.type === (RawApiObject as unknown)) return p.props as { [key: string]: Json };
  return { apiVersion, kind, ...(toJsonValue(p.props) as { [key: string]: Json }) };
}

/** The same manifest through the class's generated `manifest()`: the reference for tests. */
export function generatedManifest(p: Part): { [key: string]: Json } {
  return p.type.manifest(p.props) as { [key: string]: Json };
}

/** Adds a part to a construct tree as a cdk8s ApiObject. */
export function addPart(scope: Construct, p: Part): ApiObject {
  return new p.type(scope, p.id, p.props);
}

/** The kind of a manifest. */
export function kindOf(manifest: { [key: string]: Json }): string {
  return manifest['kind'] as string;
}

/** Identifies an object for messages and sorting: `Kind namespace/name`. */
export function objectKey(manifest: { [key: string]: Json }): string {
  const { kind, metadata } = manifest as {
    kind: string;
    metadata?: { name?: string; namespace?: string };
  };
  const ns = metadata?.namespace === undefined ? '' : `${metadata.namespace}/`;
  return `${kind} ${ns}${metadata?.name ?? ''}`;
}

/**
 * An object that is already a manifest (posture's CRDs, generated from the zod schemas): as a
 * construct it is a plain cdk8s ApiObject, and its manifest is itself.
 */
export class RawApiObject extends ApiObject {
  static readonly GVK = { apiVersion: 'v1', kind: 'Raw' };

  static manifest(props: ApiObjectProps): unknown {
    return props;
  }
}
