import type { Json } from '../lib/json.ts';

/**
 * The unit of rendering. Each Kubernetes object posture renders is a `Part`: a kind (kinds.ts:
 * its apiVersion and kind, with the props type of the cdk8s-imported L1 class, KubeDeployment,
 * CiliumNetworkPolicy, ...) plus its typed props. The props functions are the single source; a
 * part becomes either
 * - a manifest directly (`partManifest`): the conversion the class's generated `toJson()` does,
 *   without building a construct tree and resolving tokens, which is what keeps render linear
 *   and fast at 10k services (docs/adr/0032-render-fast-path.md), or
 * - a construct in a cdk8s tree (constructs.ts), for anyone composing posture into a cdk8s App.
 * Nothing here loads cdk8s at run time: the operator renders through this module, and the
 * generated classes cost it about 20 MB of resident memory for their types alone
 * (docs/adr/0065).
 * A contract test proves the manifests equal what the generated classes make.
 */

/** A Kubernetes kind posture renders; `P` is the props type of its cdk8s-imported class. */
export interface Kind<P> {
  readonly apiVersion: string;
  readonly kind: string;
  /** Never set: carries `P`, so `part()` checks props against the kind. */
  readonly props?: P;
}

/** A kind whose props are checked against `P` (a type from the cdk8s imports). */
export function kind<P>(apiVersion: string, kind: string): Kind<P> {
  return { apiVersion, kind };
}

export interface Part<P = unknown> {
  /** Construct id within its app's scope; unique per app. */
  id: string;
  kind: Kind<P>;
  props: P;
}

/** Builds a part with its props type checked against the kind. */
export function part<P>(id: string, type: Kind<P>, props: P): Part {
  return { id, kind: type, props };
}

/**
 * A value type of the generated classes (Quantity, IntOrString): the manifest holds its `value`.
 * Its own class, so `toJsonValue` tells it from a plain object (as it does the generated ones).
 */
class ValueType {
  readonly value: string | number;

  constructor(value: string | number) {
    this.value = value;
  }
}

/** A resource quantity (`100m`, `16Mi`), typed as the generated `Quantity`. */
export function quantity(value: string): { readonly value: string | number } {
  return new ValueType(value);
}

/** An int-or-string (a port name), typed as the generated `IntOrString`. */
export function intOrString(value: string | number): { readonly value: string | number } {
  return new ValueType(value);
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

/** The manifest of a part, exactly as its generated class would make it (the contract test). */
export function partManifest(p: Part): { [key: string]: Json } {
  if (p.kind === RAW) return p.props as { [key: string]: Json };
  const { apiVersion, kind } = p.kind;
  return { apiVersion, kind, ...(toJsonValue(p.props) as { [key: string]: Json }) };
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
 * The kind of an object that is already a manifest (posture's CRDs, generated from the zod
 * schemas): its manifest is its props.
 */
export const RAW: Kind<{ [key: string]: Json }> = kind('v1', 'Raw');
