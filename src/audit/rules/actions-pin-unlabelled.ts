import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { text, type YamlDoc } from '../yaml-nav.ts';
import { unpinned } from './actions-unpinned.ts';
import { usesNodes } from './workflow.ts';

// A SHA says nothing to a reviewer or to Dependabot's diff: the release it is goes beside it.
const VERSION_COMMENT = /^\s*v?\d+(?:\.\d+){0,2}\b/;

function hitsIn(doc: YamlDoc): Hit[] {
  return usesNodes(doc.root)
    .filter((node) => {
      const uses = text(node)!;
      const comment = (node as { comment?: string | null }).comment ?? '';
      const pinnedToSha = !uses.startsWith('./') && !uses.startsWith('docker://');
      return pinnedToSha && unpinned(uses) === undefined && !VERSION_COMMENT.test(comment);
    })
    .map((node) => ({
      place: doc.at(node),
      message: `${text(node)} is pinned, but no comment says which release the SHA is`,
    }));
}

export const actionsPinUnlabelled = perFile(
  {
    id: 'actions-pin-unlabelled',
    severity: 'low',
    summary: 'GitHub Action pinned to a SHA without a version comment',
    fix: 'add the release tag after the SHA on the same line: uses: owner/repo@<sha> # vX.Y.Z',
  },
  (source: Source) => yamlDocs(source, ['yaml']).flatMap(hitsIn),
);
