/**
 * `posture audit`: every file of a repository through its parser, every rule over the parsed
 * files, the reviewed suppressions applied. `auditSources` is pure; `auditPath` does the reading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byPlace, type Finding, type RuleInfo, type Suppressed } from './finding.ts';
import { RULES } from './rules/index.ts';
import { kindOf, parseSource, type Source } from './sources.ts';
import {
  applySuppressions,
  parseSuppressions,
  SUPPRESSIONS_FILE,
  UNUSED_SUPPRESSION,
  type Suppression,
} from './suppressions.ts';
import { listFiles } from './walk.ts';

export const UNPARSABLE: RuleInfo = {
  id: 'unparsable-file',
  severity: 'medium',
  summary: 'a file the audit must read does not parse, so no rule could check it',
};

/** Every rule the audit may report, for the SARIF rule table and the suppression file. */
export const ALL_RULES: readonly (RuleInfo & { fix?: string })[] = [
  ...RULES,
  UNPARSABLE,
  UNUSED_SUPPRESSION,
];

export interface AuditResult {
  files: number;
  findings: Finding[];
  suppressed: Suppressed[];
}

function unparsable(sources: readonly Source[]): Finding[] {
  return sources.flatMap((source) => {
    const error = source.kind === 'yaml' ? source.yaml.error : undefined;
    if (!error) return [];
    return [
      {
        file: source.path,
        ...error.place,
        ruleId: UNPARSABLE.id,
        severity: UNPARSABLE.severity,
        message: `not valid YAML: ${error.message}`,
        fix: 'fix the syntax (or, for a template, keep it under a templates/ folder)',
      },
    ];
  });
}

export function auditSources(sources: readonly Source[], suppressions: Suppression[]): AuditResult {
  const found = [...unparsable(sources), ...RULES.flatMap((rule) => rule.check(sources))];
  const split = applySuppressions(found, suppressions);
  return {
    files: sources.length,
    findings: split.findings.sort(byPlace),
    suppressed: split.suppressed.sort(byPlace),
  };
}

// A file listed a moment ago may be gone (another process's temporary file): it is not there
// to audit, so it is left out rather than failing the whole audit.
function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The audited files of a root, parsed. */
export function readSources(root: string): Source[] {
  return listFiles(root).flatMap((path) => {
    const kind = kindOf(path);
    const text = kind ? readIfPresent(join(root, path)) : undefined;
    return kind && text !== undefined ? [parseSource(path, kind, text)] : [];
  });
}

export function readSuppressions(root: string): Suppression[] {
  const file = join(root, SUPPRESSIONS_FILE);
  if (!existsSync(file)) return [];
  return parseSuppressions(
    readFileSync(file, 'utf8'),
    ALL_RULES.map((rule) => rule.id),
  );
}

export const auditPath = (root: string): AuditResult =>
  auditSources(readSources(root), readSuppressions(root));
