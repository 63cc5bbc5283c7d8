/**
 * Generated inputs that know whether they are valid.
 *
 * A {@link Case} is a value plus the problems it was generated with. Each problem is the list
 * of words an error about it may use to name it (the prop name, a field path, the factory
 * that refuses it); an empty list of problems means the input is expected to be valid.
 * Fields mix good and bad values with a weight that keeps about half of the whole inputs
 * fully valid, so that synthesis and the output oracle are exercised as often as rejection.
 */
import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { PolicyOptions } from '../../src/policy';
import { expectValidationError, expectValidManifests } from './oracle';

/** The words an error may use to name one problem. */
export type Mentions = readonly string[];

/** A generated value and the problems it carries (none: expected valid). */
export interface Case<T> {
  readonly value: T;
  readonly problems: readonly Mentions[];
}

/** A value that is valid. */
export function good<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Case<T>> {
  return arb.map((value) => ({ value, problems: [] }));
}

/** A value that is invalid; an error about it must mention one of `mentions`. */
export function bad<T>(arb: fc.Arbitrary<T>, ...mentions: string[]): fc.Arbitrary<Case<T>> {
  return arb.map((value) => ({ value, problems: [mentions] }));
}

/** Mostly good values, sometimes bad ones (`badWeight` out of 20 by default). */
export function mix<T>(goodArb: fc.Arbitrary<Case<T>>, badArb: fc.Arbitrary<Case<T>>, badWeight = 1): fc.Arbitrary<Case<T>> {
  return fc.oneof({ arbitrary: goodArb, weight: 20 - badWeight }, { arbitrary: badArb, weight: badWeight });
}

/** An optional field: absent (valid) about a third of the time. */
export function optional<T>(arb: fc.Arbitrary<Case<T>>): fc.Arbitrary<Case<T | undefined>> {
  return fc.oneof({ arbitrary: fc.constant({ value: undefined, problems: [] }), weight: 1 }, { arbitrary: arb, weight: 2 });
}

type Cases<R> = { [K in keyof R]: fc.Arbitrary<Case<R[K]>> };

/** A record of cases: its problems are those of its fields. */
export function caseRecord<R extends Record<string, unknown>>(fields: Cases<R>): fc.Arbitrary<Case<R>> {
  const record = fc.record(fields as unknown as Record<string, fc.Arbitrary<Case<unknown>>>);
  return record.map((cases) => {
    const value: Record<string, unknown> = {};
    const problems: Mentions[] = [];
    for (const [key, c] of Object.entries(cases)) {
      value[key] = c.value;
      problems.push(...c.problems);
    }
    return { value: value as R, problems };
  });
}

/** A list of cases: its problems are those of its items. */
export function caseArray<T>(item: fc.Arbitrary<Case<T>>, constraints: fc.ArrayConstraints = {}): fc.Arbitrary<Case<T[]>> {
  return fc.array(item, constraints).map((items) => ({ value: items.map((i) => i.value), problems: items.flatMap((i) => i.problems) }));
}

/** Adds the problems `extra` finds in the whole value (cross-field conflicts). */
export function withConflicts<T>(arb: fc.Arbitrary<Case<T>>, extra: (value: T) => Mentions[]): fc.Arbitrary<Case<T>> {
  return arb.map((c) => ({ value: c.value, problems: [...c.problems, ...extra(c.value)] }));
}

/** fast-check parameters: fixed seed (`FC_SEED` to change it), runs scaled by `FC_RUNS`. */
export function params(defaultRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240605;
  const scale = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) / 100 : 1;
  return { seed, numRuns: Math.max(1, Math.round(defaultRuns * scale)) };
}

/**
 * The oracle for one generated input: `build` must either throw ftekit's validation error
 * naming one of the input's problems (when it has any), or return manifests that pass
 * {@link expectValidManifests} (when it has none), which `verify` then checks against the
 * input (no clamping, nothing dropped).
 */
export function checkCase<T>(c: Case<T>, build: (value: T) => any[], verify?: (value: T, objs: any[]) => void, policy?: (value: T) => PolicyOptions): void {
  let objs: any[] | undefined;
  let error: unknown;
  try {
    objs = build(c.value);
  } catch (e) {
    error = e;
  }
  if (c.problems.length > 0) {
    if (error === undefined) throw new Error(`invalid input was accepted (problems: ${JSON.stringify(c.problems)}); the output was:\n${JSON.stringify(objs, null, 1)}`);
    expectValidationError(error, c.problems);
    return;
  }
  if (error !== undefined) throw new Error(`valid input was rejected: ${(error as Error)?.stack ?? String(error)}`);
  expectValidManifests(objs as any[], { policy: policy?.(c.value) });
  verify?.(c.value, objs as any[]);
}

/** Synthesises `build`'s app to YAML twice, each time in a fresh App, and requires equal bytes. */
export function expectDeterministic(build: (app: App) => void): void {
  const once = (): string => {
    const app = new App({ outdir: '/nonexistent-not-written' });
    build(app);
    return app.synthYaml();
  };
  const first = once();
  const second = once();
  if (first !== second) throw new Error(`two syntheses of the same input differ:\n--- first\n${first}\n--- second\n${second}`);
}
