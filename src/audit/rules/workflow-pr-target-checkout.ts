import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { dig, get, items, text, type YamlDoc } from '../yaml-nav.ts';
import { eventsOf, isWorkflow, jobsOf } from './workflow.ts';

// pull_request_target runs with the base repository's secrets and a write token; checking out
// the pull request's head then runs the author's code with them ("pwn request").
const HEAD = /github\.event\.pull_request\.head|github\.head_ref|refs\/pull\//;

function headCheckouts(doc: YamlDoc): unknown[] {
  return jobsOf(doc.root)
    .flatMap((job) => items(get(job.node, 'steps')))
    .filter((step) => (text(get(step, 'uses')) ?? '').startsWith('actions/checkout@'))
    .map((step) => [dig(step, 'with', 'ref'), dig(step, 'with', 'repository')])
    .flat()
    .filter((node) => HEAD.test(text(node) ?? ''));
}

function hitsIn(doc: YamlDoc): Hit[] {
  if (!isWorkflow(doc.root) || !eventsOf(doc.root).includes('pull_request_target')) return [];
  return headCheckouts(doc).map((node) => ({
    place: doc.at(node),
    message: `a pull_request_target workflow checks out the pull request's code (${text(node)}) with the base repository's secrets and token`,
  }));
}

export const workflowPrTargetCheckout = perFile(
  {
    id: 'workflow-pr-target-checkout',
    severity: 'critical',
    summary: 'pull_request_target workflow that checks out the pull request head',
    fix: 'use on: pull_request for building untrusted code, or never check out the head in pull_request_target (label-gate and split into two workflows)',
  },
  (source: Source) => yamlDocs(source, ['yaml']).flatMap(hitsIn),
);
