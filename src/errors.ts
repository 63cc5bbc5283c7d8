import { IConstruct } from 'constructs';

/**
 * The one error ftekit throws for bad input.
 *
 * The message always names where the problem is (a construct path, or a config file and
 * field path), the value received and what was expected, so that no manifest is produced
 * from input that would be rejected or, worse, silently weakened.
 */
export class FteValidationError extends Error {
  /** Where the bad value was found: a construct path or `file: field.path`. */
  public readonly location: string;

  public constructor(location: string, message: string) {
    super(`${location}: ${message}`);
    this.name = 'FteValidationError';
    this.location = location;
  }
}

/** Renders a received value for an error message (strings quoted, objects as JSON). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/**
 * Builds the error for a construct's bad prop: `<Kind> at <path>: <field> <problem>`.
 * `problem` comes from the checks in `input-checks.ts` and already names the value and
 * what is expected.
 */
export function constructError(scope: IConstruct, kind: string, field: string, problem: string): FteValidationError {
  const path = scope.node.path || '<root>';
  return new FteValidationError(`${kind} at '${path}'`, `${field}: ${problem}`);
}

/** Throws {@link constructError} when a check reported a problem. */
export function ensure(scope: IConstruct, kind: string, field: string, problem: string | undefined): void {
  if (problem !== undefined) throw constructError(scope, kind, field, problem);
}
