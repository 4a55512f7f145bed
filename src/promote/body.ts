import type { FolderCommit } from '../github/repo.ts';
import { compareKeys } from '../lib/yaml.ts';
import { GITOPS_DIR, type FileChange, type ObjectChange } from './plan.ts';

/**
 * The pull request a promotion opens: its title names the environment, its body what a
 * reviewer needs: the objects that change per app and kind, the other files, and the commits
 * on the target branch touching gitops/ that are not signed (seed 002 asks for signed commits
 * there). Same plan, same text: a run with nothing new leaves the pull request untouched.
 */

export interface PullText {
  title: string;
  body: string;
}

export interface BodyInput {
  env: string;
  base: string;
  baseSha: string;
  files: readonly FileChange[];
  /** Per changed file; undefined for files that hold no Kubernetes objects. */
  objects: ReadonlyMap<string, readonly ObjectChange[] | undefined>;
  commits: readonly FolderCommit[];
}

const CHANGE_COLUMNS = ['added', 'changed', 'removed'] as const;

/** GitHub refuses a pull request body over 65,536 characters; the rest needs room too. */
export const MAX_TABLE_CHARS = 50_000;

/** Rows up to the budget, and a line that says how many were cut and where to see them all. */
function fitted(lines: string[]): string[] {
  let size = 0;
  const kept = lines.findIndex((line) => (size += line.length + 1) > MAX_TABLE_CHARS);
  if (kept < 0) return lines;
  const rows = lines.length - 2;
  return [
    ...lines.slice(0, kept),
    '',
    `(${kept - 2} of ${rows} rows shown; \`posture promote --dry-run\` prints them all)`,
  ];
}

function objectTable(objects: readonly ObjectChange[]): string[] {
  if (objects.length === 0) return ['No Kubernetes object changes.'];
  const rows = new Map<string, Map<string, string[]>>();
  for (const o of objects) {
    const key = `${o.app}\0${o.kind}`;
    const row = rows.get(key) ?? new Map<string, string[]>();
    row.set(o.change, [...(row.get(o.change) ?? []), o.name]);
    rows.set(key, row);
  }
  const lines = ['| App | Kind | Added | Changed | Removed |', '| --- | --- | --- | --- | --- |'];
  for (const key of [...rows.keys()].sort(compareKeys)) {
    const [app, kind] = key.split('\0');
    const cells = CHANGE_COLUMNS.map((c) =>
      (rows.get(key)!.get(c) ?? [])
        .sort(compareKeys)
        .map((n) => `\`${n}\``)
        .join(', '),
    );
    lines.push(`| \`${app}\` | ${kind} | ${cells.join(' | ')} |`);
  }
  return fitted(lines);
}

function otherFiles(input: BodyInput): string[] {
  const opaque = input.files.filter((f) => input.objects.get(f.path) === undefined);
  if (opaque.length === 0) return [];
  return [
    '',
    '### Other files',
    '',
    ...opaque.map((f) => `- \`${GITOPS_DIR}/${f.path}\` (${f.kind})`),
  ];
}

function signatures(input: BodyInput): string[] {
  const scope = `\`${input.base}\` touching \`${GITOPS_DIR}/\``;
  const unsigned = input.commits.filter((c) => !c.verified);
  const head = ['', `### Commit signatures on ${scope}`, ''];
  if (unsigned.length === 0) {
    return [...head, `All ${input.commits.length} commits are signed and verified.`];
  }
  return [
    ...head,
    `**${unsigned.length} of ${input.commits.length} commits are not verified** ` +
      '(seed 002 asks for signed commits on gitops/):',
    '',
    ...unsigned.map((c) => `- ${c.sha.slice(0, 12)} ${c.subject} (${c.author}; ${c.reason})`),
  ];
}

export function pullText(input: BodyInput): PullText {
  const objects = [...input.objects.values()].flatMap((o) => o ?? []);
  const body = [
    `Promotes the rendered \`${GITOPS_DIR}/\` of environment \`${input.env}\` onto ` +
      `\`${input.base}\` (at ${input.baseSha.slice(0, 12)}): ${input.files.length} files change.`,
    'Opened and updated by `posture promote`; the branch is rewritten on every run, so push ' +
      'changes to the platform folder instead.',
    '',
    '### Changed objects',
    '',
    ...objectTable(objects),
    ...otherFiles(input),
    ...signatures(input),
  ];
  return { title: `posture promote: ${input.env}`, body: `${body.join('\n')}\n` };
}
