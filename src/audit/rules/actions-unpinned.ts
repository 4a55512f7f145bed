import { perFile, yamlDocs, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { text, type YamlDoc } from '../yaml-nav.ts';
import { usesNodes } from './workflow.ts';

const FULL_SHA = /^[0-9a-f]{40}$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Why a `uses:` reference is not immutable, or undefined when it is (or is in this repository). */
export function unpinned(uses: string): string | undefined {
  if (uses.startsWith('./')) return undefined;
  if (uses.startsWith('docker://')) {
    return DIGEST.test(uses) ? undefined : `${uses} is a container image without a digest`;
  }
  const at = uses.lastIndexOf('@');
  if (at < 0) return `${uses} names no version at all`;
  const ref = uses.slice(at + 1);
  return FULL_SHA.test(ref) ? undefined : `${uses} follows the movable ref "${ref}"`;
}

function hitsIn(doc: YamlDoc): Hit[] {
  return usesNodes(doc.root).flatMap((node) => {
    const why = unpinned(text(node)!);
    return why ? [{ place: doc.at(node), message: why }] : [];
  });
}

export const actionsUnpinned = perFile(
  {
    id: 'actions-unpinned',
    severity: 'high',
    summary: 'GitHub Action not pinned to a full commit SHA',
    fix: 'pin the action to the full 40-hex commit SHA of a release and keep the tag in a comment: uses: owner/repo@<sha> # vX.Y.Z',
  },
  (source: Source) => yamlDocs(source, ['yaml']).flatMap(hitsIn),
);
