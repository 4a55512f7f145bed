import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { get, type YamlDoc } from '../yaml-nav.ts';
import { isWorkflow, jobsOf } from './workflow.ts';

// Without `permissions` a job's GITHUB_TOKEN gets the repository's default, which may be write
// access to everything: least privilege has to be written down.
function hitsIn(doc: YamlDoc): Hit[] {
  if (!isWorkflow(doc.root) || get(doc.root, 'permissions') !== undefined) return [];
  return jobsOf(doc.root)
    .filter((job) => get(job.node, 'permissions') === undefined)
    .map((job) => ({
      place: doc.at(job.node),
      message: `job ${job.name} runs with the repository's default token permissions: neither it nor the workflow sets permissions`,
    }));
}

export const workflowNoPermissions = perFile(
  {
    id: 'workflow-no-permissions',
    severity: 'medium',
    summary: 'workflow job without explicit permissions',
    fix: 'add permissions: contents: read at the workflow level and widen per job only where needed',
  },
  (source: Source) => yamlDocs(source, ['yaml']).flatMap(hitsIn),
);
