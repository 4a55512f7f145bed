/** Environment variables as Kubernetes containers and compose services declare them. */
import { entries, get, items, maps, text, type YamlDoc } from '../yaml-nav.ts';

export interface EnvVar {
  name: string;
  /** The literal text given (after `=` in a compose list entry); undefined when none. */
  value?: string;
  /** Kubernetes: the value comes from a Secret (valueFrom.secretKeyRef). */
  fromSecret: boolean;
  node: unknown;
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

function kubeVar(item: unknown): EnvVar | undefined {
  const name = text(get(item, 'name'));
  if (name === undefined) return undefined;
  const valueNode = get(item, 'value');
  const fromSecret = get(get(item, 'valueFrom'), 'secretKeyRef') !== undefined;
  return { name, value: text(valueNode), fromSecret, node: valueNode ?? item };
}

/** Kubernetes manifests: every container of every pod spec, wherever the kind nests it. */
export function containers(doc: YamlDoc): unknown[] {
  if (text(get(doc.root, 'apiVersion')) === undefined) return [];
  return maps(doc.root).flatMap((map) => CONTAINER_LISTS.flatMap((list) => items(get(map, list))));
}

/** Kubernetes manifests: env of every container of every pod spec. */
export function kubeEnv(doc: YamlDoc): EnvVar[] {
  return containers(doc)
    .flatMap((container) => items(get(container, 'env')))
    .map(kubeVar)
    .filter((entry): entry is EnvVar => entry !== undefined);
}

function listVar(node: unknown): EnvVar | undefined {
  const entry = text(node);
  if (entry === undefined) return undefined;
  const equals = entry.indexOf('=');
  if (equals < 0) return { name: entry, fromSecret: false, node };
  return { name: entry.slice(0, equals), value: entry.slice(equals + 1), fromSecret: false, node };
}

function serviceEnv(environment: unknown): EnvVar[] {
  const listed = items(environment).map(listVar);
  const mapped = entries(environment).map(([name, key, value]) => ({
    name,
    value: text(value),
    fromSecret: false,
    node: value ?? key,
  }));
  return [...listed, ...mapped].filter((entry): entry is EnvVar => entry !== undefined);
}

/** Compose: each service's `environment`, as a map or as a list of NAME=value. */
export const composeEnv = (doc: YamlDoc): EnvVar[] =>
  entries(get(doc.root, 'services')).flatMap(([, , service]) =>
    serviceEnv(get(service, 'environment')),
  );

/** Kubernetes: `envFrom` entries that turn a whole Secret into environment values. */
export function secretEnvFrom(doc: YamlDoc): Array<{ secret: string; node: unknown }> {
  return containers(doc)
    .flatMap((container) => items(get(container, 'envFrom')))
    .map((entry) => get(entry, 'secretRef'))
    .filter((ref) => ref !== undefined)
    .map((ref) => ({ secret: text(get(ref, 'name')) ?? '(unnamed)', node: ref }));
}
