import type { JsonObject } from '../lib/json.ts';
import { kindOf, type RenderedObject } from '../render/objects.ts';
import type { Platform } from '../api/platform/settings.ts';
import type { Problem } from '../render/problems.ts';
import { appFolder } from './layout.ts';

/**
 * Per-environment overlays (docs/adr/0054-argocd-applications.md): an environment changes a
 * service's replicas and image digest, nothing else, through the Application's
 * `source.kustomize` (Argo CD runs `kustomize edit set image/replicas` on the app folder), so
 * gitops/apps/ stays one rendering that every environment shares.
 */

type Environment = NonNullable<Platform['argocd']>['environments'][string];

export interface Overlay {
  images: string[];
  replicas: { name: string; count: number }[];
}

/** The image name kustomize matches on: the reference without digest and tag. */
export function imageName(reference: string): string {
  const bare = reference.split('@')[0] ?? reference;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
}

/** The Deployments synth rendered, by `<namespace>/<name>`, with their folder and image. */
function deployments(objects: readonly RenderedObject[]): Map<string, { folder: string; image: string }> {
  const found = new Map<string, { folder: string; image: string }>();
  for (const { app, manifest } of objects) {
    if (kindOf(manifest) !== 'Deployment') continue;
    const m = manifest as { metadata: { name: string; namespace: string }; spec: JsonObject };
    const pod = (m.spec['template'] as { spec: { containers: { image: string }[] } }).spec;
    const image = pod.containers[0]?.image ?? '';
    found.set(`${m.metadata.namespace}/${m.metadata.name}`, { folder: appFolder(app), image });
  }
  return found;
}

function overlayOf(overlays: Map<string, Overlay>, folder: string): Overlay {
  let overlay = overlays.get(folder);
  if (!overlay) overlays.set(folder, (overlay = { images: [], replicas: [] }));
  return overlay;
}

/**
 * The overlay of each app folder an environment changes, or the problems: every service named
 * must be one synth rendered (a typo must not silently leave prod on the old digest).
 */
export function environmentOverlays(
  env: string,
  settings: Environment,
  objects: readonly RenderedObject[],
): { overlays: Map<string, Overlay>; problems: Problem[] } {
  const known = deployments(objects);
  const overlays = new Map<string, Overlay>();
  const problems: Problem[] = [];
  const unknown = (field: string, key: string): void => {
    problems.push({
      path: `argocd.environments.${env}.${field}[${JSON.stringify(key)}]`,
      message: `no TradingService ${key} is rendered: use <namespace>/<service> of one in the platform folder`,
    });
  };
  for (const [key, count] of Object.entries(settings.replicas)) {
    const target = known.get(key);
    if (!target) unknown('replicas', key);
    else overlayOf(overlays, target.folder).replicas.push({ name: key.split('/')[1]!, count });
  }
  for (const [key, image] of Object.entries(settings.images)) {
    const target = known.get(key);
    if (!target) unknown('images', key);
    else overlayOf(overlays, target.folder).images.push(`${imageName(target.image)}=${image}`);
  }
  return { overlays, problems };
}

/**
 * The kustomization.yaml an overlaid folder needs: kustomize only builds a folder that has one.
 * It lists the folder's own files and changes nothing, so the folder renders the same with or
 * without kustomize.
 */
export function kustomization(files: readonly string[]): JsonObject {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files].sort(),
  };
}
