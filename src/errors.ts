import { IConstruct } from 'constructs';

/**
 * One thing wrong with the input: where it is, the field as the user wrote it, and a
 * sentence naming the value received and what is expected.
 */
export interface ValidationProblem {
  /** The construct (`FteSandbox at 'ftes/agent'`) or the file (`stacks/Pulumi.prod.yaml`). */
  readonly where: string;
  /** Field path as the user wrote it: a prop (`resources.memory`) or a config path (`ftekit:environment.ftes[2].egress[0]`). */
  readonly field: string;
  /** The value received, where the check knows it. */
  readonly value?: unknown;
  /** What is wrong: names the value and what is expected. */
  readonly message: string;
  /** Path of the construct that refused the value (construct problems only), for mapping it back to a spec entry. */
  readonly constructPath?: string;
}

/** The line of a problem in a message: `where: field: message`. */
export function problemLine(p: ValidationProblem): string {
  return [p.where, p.field, p.message].filter((part) => part !== '').join(': ');
}

/**
 * The one error ftekit throws for bad input.
 *
 * It lists every problem found (`problems`), one line each in the message; each names
 * where the problem is (a construct path, or a config file and field path), the value
 * received and what was expected, so that no manifest is produced from input that would be
 * rejected or, worse, silently weakened.
 */
export class FteValidationError extends Error {
  /** Where the (first) bad value was found: a construct path or `file: field.path`. */
  public readonly location: string;
  /** Every problem, in the order found (stack files: file order). */
  public readonly problems: readonly ValidationProblem[];

  public constructor(location: string, message: string);
  public constructor(problems: readonly ValidationProblem[]);
  public constructor(locationOrProblems: string | readonly ValidationProblem[], message?: string) {
    const problems = typeof locationOrProblems === 'string'
      ? [{ where: locationOrProblems, field: '', message: message ?? '' }]
      : [...locationOrProblems];
    super(problems.map(problemLine).join('\n'));
    this.name = 'FteValidationError';
    this.problems = problems;
    this.location = problems.length ? (problems[0].field ? `${problems[0].where}: ${problems[0].field}` : problems[0].where) : '';
  }
}

/** Renders a received value for an error message (strings quoted, objects as JSON). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value); // JSON would say null for NaN and Infinity
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/** How a construct is named in errors: `<Kind> at '<path>'`. */
function constructWhere(scope: IConstruct, kind: string): string {
  return `${kind} at '${scope.node.path || '<root>'}'`;
}

/**
 * Collects the problems of one construct's props (or one file), so that all of them are
 * reported together: checks `add` their result, and {@link throwIfAny} throws one
 * {@link FteValidationError} listing them, before any object is made from the props.
 */
export class ProblemCollector {
  /** Collector for the props of `scope`, a construct of `kind`. */
  public static forConstruct(scope: IConstruct, kind: string): ProblemCollector {
    return new ProblemCollector(constructWhere(scope, kind), scope.node.path);
  }

  private readonly found: ValidationProblem[] = [];

  public constructor(private readonly where: string, private readonly constructPath?: string) {}

  /** Records `problem` (a check's result) at `field`, if there is one; true when there was none. */
  public add(field: string, problem: string | undefined, value?: unknown): boolean {
    if (problem === undefined) return true;
    this.found.push({ where: this.where, field, message: problem, ...(value !== undefined ? { value } : {}), ...(this.constructPath !== undefined ? { constructPath: this.constructPath } : {}) });
    return false;
  }

  /** Records every problem of an error thrown by a child construct or helper, unchanged. */
  public addAll(problems: readonly ValidationProblem[]): void {
    this.found.push(...problems);
  }

  /**
   * Runs `step` (typically making a child construct that checks its own props), recording
   * the problems of a validation error it throws, unchanged, instead of letting it end the
   * collection. Other errors pass through.
   */
  public attempt<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (e) {
      if (!(e instanceof FteValidationError)) throw e;
      this.addAll(e.problems);
      return undefined;
    }
  }

  /** Problems so far. */
  public get problems(): readonly ValidationProblem[] {
    return [...this.found];
  }

  /** True when nothing was recorded. */
  public get ok(): boolean {
    return this.found.length === 0;
  }

  /** Throws one error listing every recorded problem, if any. */
  public throwIfAny(): void {
    if (this.found.length) throw new FteValidationError(this.found);
  }
}

/**
 * Builds the error for a construct's bad prop: `<Kind> at <path>: <field>: <problem>`.
 * `problem` comes from the checks in `_validate.ts` and already names the value and what
 * is expected.
 */
export function constructError(scope: IConstruct, kind: string, field: string, problem: string): FteValidationError {
  return new FteValidationError([{ where: constructWhere(scope, kind), field, message: problem, constructPath: scope.node.path }]);
}

/**
 * Throws {@link constructError} when a check reported a problem: for an intent method whose
 * call has one check (`allowTo(...)`). Props are checked with a {@link ProblemCollector}.
 */
export function ensure(scope: IConstruct, kind: string, field: string, problem: string | undefined): void {
  if (problem !== undefined) throw constructError(scope, kind, field, problem);
}
