import type { Dockerfile, From } from 'dockerfile-ast';
import { perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { pinnedImage, unpinnedMessage } from './images.ts';

/** Global ARGs (those before the first FROM) with their defaults: what FROM may substitute. */
function globalArgs(dockerfile: Dockerfile): Map<string, string> {
  const firstFrom = dockerfile.getFROMs()[0]?.getRange().start.line ?? Infinity;
  const args = new Map<string, string>();
  for (const arg of dockerfile.getARGs()) {
    const property = arg.getProperty();
    if (arg.getRange().start.line >= firstFrom || !property) continue;
    args.set(property.getName(), property.getValue() ?? '');
  }
  return args;
}

// ${NAME}, ${NAME:-default}, ${NAME:+alt} and $NAME, as BuildKit expands them in FROM.
const VARIABLE =
  /\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?(?<op>[-+])(?<word>[^}]*))?\}|\$(?<bare>[A-Za-z_][A-Za-z0-9_]*)/g;

interface Reference {
  braced?: string;
  op?: string;
  word?: string;
  bare?: string;
}

function expand(reference: Reference, args: Map<string, string>): string {
  const value = args.get((reference.braced ?? reference.bare)!) ?? '';
  const word = reference.word ?? '';
  if (reference.op === '-') return value === '' ? word : value;
  if (reference.op === '+') return value === '' ? '' : word;
  return value;
}

export function substitute(image: string, args: Map<string, string>): string {
  return image.replace(VARIABLE, (...parts: unknown[]) => expand(parts.at(-1) as Reference, args));
}

function fromHit(from: From, args: Map<string, string>, stages: Set<string>): Hit[] {
  const raw = from.getImage();
  if (raw === null) return [];
  const image = substitute(raw, args);
  const isStage = stages.has(image.toLowerCase()) || image === 'scratch';
  const name = from.getBuildStage();
  if (name) stages.add(name.toLowerCase());
  if (isStage || pinnedImage(image)) return [];
  const place = from.getRange().start;
  const shown = image === raw ? image : `${image} (from ${raw})`;
  return [
    {
      place: { line: place.line + 1, column: place.character + 1 },
      message: unpinnedMessage(shown),
    },
  ];
}

function hits(source: Source): Hit[] {
  if (source.kind !== 'dockerfile') return [];
  const args = globalArgs(source.dockerfile);
  const stages = new Set<string>();
  return source.dockerfile.getFROMs().flatMap((from) => fromHit(from, args, stages));
}

export const dockerfileFromNotPinned = perFile(
  {
    id: 'dockerfile-from-not-pinned',
    severity: 'high',
    summary: 'Dockerfile base image not pinned by digest',
    fix: 'pin the base image by digest: FROM name:tag@sha256:<digest> (or an ARG whose default is pinned)',
  },
  hits,
);
