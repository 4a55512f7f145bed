/**
 * Invalid input is reported whole: every problem, each with where it is (file and field path)
 * and what to do, so one run of `posture synth` shows everything to fix.
 */
export interface Problem {
  /** The file the problem is in, when known: `examples/titan/brain.yaml`. */
  file?: string;
  /** Field path inside it: `spec.exchangeCredentials[0]`. */
  path: string;
  message: string;
  /**
   * The CR asks for what its namespace does not own (docs/adr/0037-vault-tenancy.md): reported
   * as Forbidden rather than a missing dependency, and the grant is left out like any other.
   */
  forbidden?: true;
}

export function formatProblem(problem: Problem): string {
  const where = problem.file === undefined ? problem.path : `${problem.file}: ${problem.path}`;
  return `${where}: ${problem.message}`;
}

/** A terminal error: the input is wrong, retrying cannot help. */
export class InvalidInputError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    super(
      `invalid input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.map(formatProblem).join('\n  ')}`,
    );
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/** Throws when there is any problem; returns otherwise. */
export function assertNoProblems(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InvalidInputError(problems);
}
