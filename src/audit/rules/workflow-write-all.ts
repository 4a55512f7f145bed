import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { get, text, type YamlDoc } from '../yaml-nav.ts';
import { isWorkflow, jobsOf } from './workflow.ts';

function hitsIn(doc: YamlDoc): Hit[] {
  if (!isWorkflow(doc.root)) return [];
  const scopes = [
    { where: 'the workflow', node: get(doc.root, 'permissions') },
    ...jobsOf(doc.root).map((job) => ({
      where: `job ${job.name}`,
      node: get(job.node, 'permissions'),
    })),
  ];
  return scopes
    .filter((scope) => text(scope.node) === 'write-all')
    .map((scope) => ({
      place: doc.at(scope.node),
      message: `${scope.where} gives its GITHUB_TOKEN write access to everything (permissions: write-all)`,
    }));
}

export const workflowWriteAll = perFile(
  {
    id: 'workflow-write-all',
    severity: 'high',
    summary: 'workflow or job with permissions: write-all',
    fix: 'set permissions: contents: read at the top and grant each job only the scopes it uses (e.g. id-token: write, packages: write)',
  },
  (source: Source) => yamlDocs(source, ['yaml']).flatMap(hitsIn),
);
