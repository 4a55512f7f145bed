/**
 * `.postureaudit.yaml` at the audited root: the reviewed exceptions. Each names a path (a glob,
 * relative to the root), one rule and why. A suppressed finding is still reported (SARIF
 * `suppressions`, the text and JSON reports) but does not count for the exit code. A
 * suppression that matches nothing is itself a finding, so the list cannot rot.
 */
import { matchesGlob } from 'node:path';
import { z } from 'zod';
import type { Finding, RuleInfo, Suppressed } from './finding.ts';
import { get, items, parseYaml, type Place } from './yaml-nav.ts';

export const SUPPRESSIONS_FILE = '.postureaudit.yaml';

const entrySchema = z.strictObject({
  path: z.string().min(1),
  rule: z.string().min(1),
  reason: z.string().min(10, 'say why in a sentence'),
});
const fileSchema = z.strictObject({ suppress: z.array(entrySchema).default([]) });

export interface Suppression extends z.infer<typeof entrySchema> {
  place: Place;
}

export const UNUSED_SUPPRESSION: RuleInfo = {
  id: 'unused-suppression',
  severity: 'low',
  summary: `a ${SUPPRESSIONS_FILE} entry that matches no finding`,
};

/** The suppressions of a file's text; throws (a usage error) when the file is not valid. */
export function parseSuppressions(text: string, known: readonly string[]): Suppression[] {
  const parsed = parseYaml(text);
  if (parsed.error)
    throw new Error(`${SUPPRESSIONS_FILE}:${parsed.error.place.line}: ${parsed.error.message}`);
  const doc = parsed.docs[0];
  const json = doc ? doc.toJS() : {};
  const result = fileSchema.safeParse(json ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`${SUPPRESSIONS_FILE}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const nodes = items(get(doc?.root, 'suppress'));
  return result.data.suppress.map((entry, index) => {
    if (!known.includes(entry.rule)) {
      throw new Error(`${SUPPRESSIONS_FILE}: suppress.${index}.rule: unknown rule ${entry.rule}`);
    }
    return { ...entry, place: doc!.at(nodes[index]) };
  });
}

// `dir/**` is everything under dir, dotfiles too (a glob's `**` would skip .env).
function pathMatches(pattern: string, file: string): boolean {
  if (pattern === file) return true;
  if (pattern.endsWith('/**') && file.startsWith(pattern.slice(0, -2))) return true;
  return matchesGlob(file, pattern);
}

const matches = (entry: Suppression, finding: Finding): boolean =>
  entry.rule === finding.ruleId && pathMatches(entry.path, finding.file);

export interface Split {
  findings: Finding[];
  suppressed: Suppressed[];
}

export function applySuppressions(found: Finding[], entries: Suppression[]): Split {
  const used = new Set<Suppression>();
  const split: Split = { findings: [], suppressed: [] };
  for (const finding of found) {
    const entry = entries.find((candidate) => matches(candidate, finding));
    if (entry) used.add(entry);
    if (entry) split.suppressed.push({ ...finding, reason: entry.reason });
    else split.findings.push(finding);
  }
  const unused = entries.filter((entry) => !used.has(entry));
  split.findings.push(
    ...unused.map((entry) => ({
      file: SUPPRESSIONS_FILE,
      line: entry.place.line,
      column: entry.place.column,
      ruleId: UNUSED_SUPPRESSION.id,
      severity: UNUSED_SUPPRESSION.severity,
      message: `the suppression of ${entry.rule} for ${entry.path} matches no finding`,
      fix: 'remove the entry (what it excused is gone) or correct its path',
    })),
  );
  return split;
}
