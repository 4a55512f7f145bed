import type { JsonObject } from '../lib/json.ts';
import { compareKeys, toYaml, toYamlStream } from '../lib/yaml.ts';
import { MANAGED_BY } from '../render/labels.ts';
import type { RenderedObject } from '../render/objects.ts';
import type { Platform } from '../api/platform/settings.ts';
import type { Problem } from '../render/problems.ts';
import {
  applicationName,
  ignoreRules,
  prunes,
  rootName,
  SYNC_OPTIONS,
  SYNC_WAVE,
  syncWave,
} from './argocd-rules.ts';
import { environmentOverlays, kustomization, type Overlay } from './argocd-env.ts';
import { appFolder, type ReviewFile } from './layout.ts';

/**
 * gitops/argocd/: Argo CD Applications for the folders synth wrote (docs/adr/0054), as an
 * app of apps. `argocd/root/application.yaml` is applied once by hand; it syncs
 * `argocd/apps/`, one Application per gitops folder, each in its sync wave. Each environment
 * gets the same under `argocd/envs/<env>/`, with its overlays (docs/adr/0054).
 */

type Settings = NonNullable<Platform['argocd']>;
export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';
/** Who the Applications belong to, so `kubectl get app -l` finds one environment's set. */
const PART_OF = 'app.kubernetes.io/part-of';

interface Target {
  env?: string;
  server: string;
  targetRevision: string;
  /** An environment's overlays by gitops folder. */
  overlays?: ReadonlyMap<string, Overlay>;
}

function metadata(settings: Settings, name: string, wave: number, env?: string): JsonObject {
  return {
    name,
    namespace: settings.namespace,
    labels: { ...MANAGED_BY, [PART_OF]: rootName(env) },
    annotations: { [SYNC_WAVE]: String(wave) },
  };
}

function kustomize(overlay: Overlay | undefined): JsonObject {
  if (!overlay) return {};
  const spec: JsonObject = {};
  if (overlay.images.length > 0) spec['images'] = [...overlay.images].sort();
  if (overlay.replicas.length > 0)
    spec['replicas'] = [...overlay.replicas].sort((a, b) => compareKeys(a.name, b.name));
  return { kustomize: spec };
}

/** The Application that syncs one gitops folder. */
export function folderApplication(
  platform: Platform,
  settings: Settings,
  folder: string,
  target: Target,
): JsonObject {
  const namespace = /^apps\/([^/]+)\//.exec(folder)?.[1];
  return {
    apiVersion: ARGOCD_API_VERSION,
    kind: 'Application',
    metadata: metadata(settings, applicationName(folder, target.env), syncWave(folder), target.env),
    spec: {
      project: settings.project,
      source: {
        repoURL: settings.repoURL,
        targetRevision: target.targetRevision,
        path: `${settings.path}/${folder}`,
        ...kustomize(target.overlays?.get(folder)),
      },
      destination: { server: target.server, ...(namespace && { namespace }) },
      syncPolicy: {
        automated: { prune: prunes(folder), selfHeal: true },
        syncOptions: [...SYNC_OPTIONS],
      },
      ignoreDifferences: ignoreRules(platform) as unknown as JsonObject[],
    },
  };
}

/**
 * The root syncs Application objects into Argo CD's own namespace, so its destination is the
 * cluster Argo CD runs in, whatever cluster the environment deploys to.
 */
export function rootApplication(settings: Settings, appsPath: string, target: Target): JsonObject {
  return {
    apiVersion: ARGOCD_API_VERSION,
    kind: 'Application',
    metadata: metadata(settings, rootName(target.env), 0, target.env),
    spec: {
      project: settings.project,
      source: {
        repoURL: settings.repoURL,
        targetRevision: target.targetRevision,
        path: `${settings.path}/${appsPath}`,
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: settings.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
    },
  };
}

/** Every folder of gitops/ that holds objects, sorted. */
export function syncedFolders(objects: readonly RenderedObject[]): string[] {
  return [...new Set(objects.map((o) => appFolder(o.app)))].sort();
}

function applicationSet(
  platform: Platform,
  settings: Settings,
  folders: readonly string[],
  target: Target,
): ReviewFile[] {
  const base = target.env === undefined ? 'argocd' : `argocd/envs/${target.env}`;
  const apps = folders.map((f) => folderApplication(platform, settings, f, target));
  const names = apps.map((a) => (a['metadata'] as { name: string }).name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash !== undefined) throw new Error(`two gitops folders map to the Application ${clash}`);
  return [
    { path: `${base}/apps/application.yaml`, content: toYamlStream(apps) },
    {
      path: `${base}/root/application.yaml`,
      content: toYaml(rootApplication(settings, `${base}/apps`, target)),
    },
  ];
}

function folderFiles(paths: readonly string[], folder: string): string[] {
  return paths
    .filter((p) => p.startsWith(`${folder}/`) && !p.slice(folder.length + 1).includes('/'))
    .map((p) => p.slice(folder.length + 1));
}

/**
 * The files of gitops/argocd/ and the kustomization.yaml of every folder an environment
 * overlays, or the problems of the environments' settings. `objectPaths` are the object files
 * synth lays out. None without an `argocd` block.
 */
export function argocdFiles(
  platform: Platform,
  objects: readonly RenderedObject[],
  objectPaths: readonly string[],
): { files: ReviewFile[]; problems: Problem[] } {
  const settings = platform.argocd;
  if (!settings) return { files: [], problems: [] };
  const folders = syncedFolders(objects);
  const { server, targetRevision } = settings;
  const files = applicationSet(platform, settings, folders, { server, targetRevision });
  const problems: Problem[] = [];
  const overlaid = new Set<string>();
  for (const [env, e] of Object.entries(settings.environments).sort(([a], [b]) => compareKeys(a, b))) {
    const found = environmentOverlays(env, e, objects);
    problems.push(...found.problems);
    for (const folder of found.overlays.keys()) overlaid.add(folder);
    const target = { env, server: e.server ?? server, targetRevision: e.targetRevision ?? targetRevision };
    files.push(...applicationSet(platform, settings, folders, { ...target, overlays: found.overlays }));
  }
  for (const folder of [...overlaid].sort()) {
    const content = toYaml(kustomization(folderFiles(objectPaths, folder)));
    files.push({ path: `${folder}/kustomization.yaml`, content });
  }
  return { files, problems };
}
