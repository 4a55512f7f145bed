import { ApiObject, App, Chart, type ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { natsConfig, platformApps, type AppParts, type RenderInput } from './index.ts';
import { partManifest, type AppRef, type Part, type RenderedObject } from './objects.ts';
import type { Json } from '../lib/json.ts';

/**
 * The platform as a cdk8s construct tree: one Chart per namespace (`_cluster` for cluster-scoped
 * objects), one construct per app, and one ApiObject per Kubernetes object, built from the same
 * parts as the fast path (`renderPlatform`). Use it to compose posture into a cdk8s App.
 */
export class AppConstruct extends Construct {
  readonly ref: AppRef;

  constructor(scope: Construct, group: AppParts) {
    super(scope, group.app.app);
    this.ref = group.app;
    for (const p of group.parts) addPart(this, p);
  }
}

/**
 * A part as a plain ApiObject of its manifest. Not the generated L1 class: parts carry only their
 * kind, so the operator, which renders the same parts, never loads the generated classes
 * (docs/adr/0065). The render test holds the two paths to the same objects.
 */
export function addPart(scope: Construct, p: Part): ApiObject {
  return new ApiObject(scope, p.id, partManifest(p) as unknown as ApiObjectProps);
}

const CLUSTER_CHART = '_cluster';

/** Builds the construct tree of a platform in a new cdk8s App. */
export function platformApp(input: RenderInput): App {
  const app = new App({ outdir: 'dist' });
  const charts = new Map<string, Chart>();
  const chartFor = (namespace: string) => {
    const id = namespace === '' ? CLUSTER_CHART : namespace;
    let chart = charts.get(id);
    if (!chart) {
      chart = new Chart(app, id, { disableResourceNameHashes: true });
      charts.set(id, chart);
    }
    return chart;
  };
  for (const group of platformApps(input, natsConfig(input).text)) {
    new AppConstruct(chartFor(group.app.namespace), group);
  }
  return app;
}

/**
 * Synthesizes a construct tree to objects. `Chart.toJson()` re-resolves and re-validates the
 * whole App on every call, so synthesizing chart by chart is quadratic in the number of charts;
 * this validates once and serializes each ApiObject once.
 */
export function synthObjects(app: App): RenderedObject[] {
  const errors = app.node
    .findAll()
    .flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length > 0) throw new Error(`construct validation failed:\n  ${errors.join('\n  ')}`);
  const objects: RenderedObject[] = [];
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof ApiObject)) continue;
    const owner = construct.node.scope;
    if (!(owner instanceof AppConstruct)) continue;
    objects.push({ app: owner.ref, manifest: construct.toJson() as { [key: string]: Json } });
  }
  return objects;
}
