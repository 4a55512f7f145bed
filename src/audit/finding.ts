/** What `posture audit` reports, in the shape every reporter (text, JSON, SARIF) reads. */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where a finding is: a path relative to the audited root (with `/`), 1-based line and column. */
export interface Location {
  file: string;
  line: number;
  column?: number;
}

export interface Finding extends Location {
  ruleId: string;
  severity: Severity;
  message: string;
  fix: string;
}

/** A finding that `.postureaudit.yaml` excludes: still reported, never counted for the exit. */
export interface Suppressed extends Finding {
  reason: string;
}

/** A rule's identity and help: the SARIF driver's rule table and the text report read it. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  summary: string;
}

export const rank = (severity: Severity): number => SEVERITIES.indexOf(severity);

export const atLeast = (severity: Severity, floor: Severity): boolean =>
  rank(severity) >= rank(floor);

/** Stable order: by file, line, column, then rule, so two runs print the same bytes. */
export function byPlace(a: Finding, b: Finding): number {
  return (
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    (a.column ?? 0) - (b.column ?? 0) ||
    a.ruleId.localeCompare(b.ruleId)
  );
}
