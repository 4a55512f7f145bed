import * as k8s from 'cdk8s-plus-33/lib/imports/k8s.js';
import * as cilium from '../../imports/cilium.io.js';
import { RAW, type Part } from '../objects.ts';
import type { Json } from '../../lib/json.ts';

/**
 * The cdk8s-generated classes, for tests only: the reference `partManifest` is held to. The
 * render path carries kinds, not classes (docs/adr/0065).
 */
export interface GeneratedClass {
  readonly GVK: { apiVersion: string; kind: string };
  manifest(props: unknown): unknown;
}

/** Every generated class by export name (KubeDeployment, CiliumNetworkPolicy, ...). */
export const GENERATED: ReadonlyMap<string, GeneratedClass> = new Map(
  Object.entries({ ...k8s, ...cilium } as Record<string, unknown>).filter(
    (entry): entry is [string, GeneratedClass] =>
      typeof entry[1] === 'function' && 'GVK' in entry[1] && 'manifest' in entry[1],
  ),
);

const byKind = new Map(
  [...GENERATED.values()].map((c) => [`${c.GVK.apiVersion} ${c.GVK.kind}`, c] as const),
);

/** The manifest of a part as its generated class's `manifest()` makes it. */
export function generatedManifest(p: Part): { [key: string]: Json } {
  if (p.kind === RAW) return p.props as { [key: string]: Json };
  const generated = byKind.get(`${p.kind.apiVersion} ${p.kind.kind}`);
  if (!generated) throw new Error(`no generated class for ${p.kind.apiVersion} ${p.kind.kind}`);
  return generated.manifest(p.props) as { [key: string]: Json };
}
