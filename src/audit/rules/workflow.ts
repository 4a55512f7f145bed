/** Reading GitHub Actions workflows (and composite actions) out of parsed YAML. */
import { dig, entries, get, items, text } from '../yaml-nav.ts';

export interface Job {
  name: string;
  node: unknown;
}

/** A workflow document: top-level `on` (or `true`, as YAML 1.1 readers take it) and `jobs`. */
export function isWorkflow(root: unknown): boolean {
  const hasOn = get(root, 'on') !== undefined || get(root, 'true') !== undefined;
  return hasOn && entries(get(root, 'jobs')).length > 0;
}

export const jobsOf = (root: unknown): Job[] =>
  entries(get(root, 'jobs')).map(([name, , node]) => ({ name, node }));

/** Every `uses:` node: steps of jobs, reusable-workflow jobs, and a composite action's steps. */
export function usesNodes(root: unknown): unknown[] {
  const jobs = jobsOf(root).flatMap((job) => [
    get(job.node, 'uses'),
    ...items(get(job.node, 'steps')).map((step) => get(step, 'uses')),
  ]);
  const composite = items(dig(root, 'runs', 'steps')).map((step) => get(step, 'uses'));
  return [...jobs, ...composite].filter((node) => text(node) !== undefined);
}

/** The events a workflow runs on, whatever form `on` takes (string, list or map). */
export function eventsOf(root: unknown): string[] {
  const on = get(root, 'on') ?? get(root, 'true');
  const single = text(on);
  if (single !== undefined) return [single];
  const listed = items(on).map(text);
  if (listed.length > 0) return listed.filter((event): event is string => event !== undefined);
  return entries(on).map(([event]) => event);
}
