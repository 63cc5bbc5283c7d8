import * as fc from 'fast-check';
import { PoolDemand, sizePool } from '../src';
import { checkPoolDemand } from '../src/pool-sizing';
import { ProblemCollector } from '../src/errors';
import { params } from './support/cases';

/** P(X > n) for X ~ Poisson(mean): the chance that more than n replacements are under way. */
function poissonTail(mean: number, n: number): number {
  let p = Math.exp(-mean);
  let cdf = p;
  for (let k = 1; k <= n; k++) {
    p *= mean / k;
    cdf += p;
  }
  return Math.max(0, 1 - cdf);
}

const demand: fc.Arbitrary<PoolDemand> = fc.record({
  claimsPerMinute: fc.double({ min: 0.01, max: 600, noNaN: true }),
  coldStartSeconds: fc.double({ min: 0.1, max: 600, noNaN: true }),
  peakFactor: fc.option(fc.double({ min: 1, max: 10, noNaN: true }), { nil: undefined }),
  claimDurationMinutes: fc.option(fc.double({ min: 0.1, max: 120, noNaN: true }), { nil: undefined }),
  safetyFactor: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: undefined }),
}).map(({ peakFactor, ...d }) => ({ ...d, peakClaimsPerMinute: peakFactor === undefined ? undefined : d.claimsPerMinute * peakFactor }));

const load = (perMinute: number, seconds: number): number => (perMinute / 60) * seconds;

describe('property: sizePool', () => {
  test('at least 1 warm sandbox, at least the mean in flight, at most one above the staffing rule', () => {
    fc.assert(fc.property(demand, (d) => {
      const s = sizePool(d);
      const r = load(d.claimsPerMinute, d.coldStartSeconds);
      const beta = d.safetyFactor ?? 2;
      expect(Number.isInteger(s.replicas)).toBe(true);
      expect(s.replicas).toBeGreaterThanOrEqual(1);
      expect(s.replicas).toBeGreaterThanOrEqual(r - 1e-9);
      expect(s.replicas).toBeLessThanOrEqual(Math.max(1, r + beta * Math.sqrt(r) + 1));
      expect(s.maxReplicas).toBeGreaterThanOrEqual(s.replicas);
      expect(s.safetyFactor).toBe(beta);
      expect(s.coldStartSeconds).toBe(d.coldStartSeconds);
      // Without a peak the pool has one size; without a claim duration nothing is claimed.
      if (d.peakClaimsPerMinute === undefined) expect(s.maxReplicas).toBe(s.replicas);
      if (d.claimDurationMinutes === undefined) expect(s.claimedAtPeak).toBe(0);
      else expect(s.claimedAtPeak).toBeGreaterThanOrEqual((d.peakClaimsPerMinute ?? d.claimsPerMinute) * d.claimDurationMinutes - 1e-9);
    }), params(2000));
  });

  test('more demand, a slower cold start or more safety never shrink the pool', () => {
    fc.assert(fc.property(demand, fc.double({ min: 1, max: 5, noNaN: true }), fc.constantFrom('claimsPerMinute', 'coldStartSeconds', 'safetyFactor') as fc.Arbitrary<'claimsPerMinute' | 'coldStartSeconds' | 'safetyFactor'>, (d, factor, field) => {
      const bigger: PoolDemand = field === 'safetyFactor'
        ? { ...d, safetyFactor: Math.min(10, (d.safetyFactor ?? 2) * factor) }
        : { ...d, [field]: d[field] * factor, peakClaimsPerMinute: field === 'claimsPerMinute' && d.peakClaimsPerMinute !== undefined ? d.peakClaimsPerMinute * factor : d.peakClaimsPerMinute };
      const [a, b] = [sizePool(d), sizePool(bigger)];
      expect(b.replicas).toBeGreaterThanOrEqual(a.replicas);
      expect(b.maxReplicas).toBeGreaterThanOrEqual(a.maxReplicas);
      expect(b.claimedAtPeak).toBeGreaterThanOrEqual(a.claimedAtPeak);
    }), params(1000));
  });

  test('with the default safety factor a claim finds the pool empty at most 2.5% of the time (Poisson replacements)', () => {
    fc.assert(fc.property(fc.double({ min: 0.01, max: 120, noNaN: true }), fc.double({ min: 0.5, max: 300, noNaN: true }), (perMinute, seconds) => {
      const mean = load(perMinute, seconds);
      fc.pre(mean <= 500);
      expect(poissonTail(mean, sizePool({ claimsPerMinute: perMinute, coldStartSeconds: seconds }).replicas)).toBeLessThanOrEqual(0.025);
    }), params(1000));
  });

  test('the explanation states the inputs and the results', () => {
    fc.assert(fc.property(demand, (d) => {
      const s = sizePool(d);
      expect(s.explanation).toMatch(/^Little's law/);
      expect(s.explanation).toContain(`-> ${s.replicas} warm`);
      if (d.peakClaimsPerMinute !== undefined) expect(s.explanation).toContain(`peak `);
      if (d.peakClaimsPerMinute !== undefined) expect(s.explanation).toContain(`-> ${s.maxReplicas} warm`);
      if (d.claimDurationMinutes !== undefined) expect(s.explanation).toContain(`-> ${s.claimedAtPeak} (counted in the quota)`);
    }), params(500));
  });

  test('a bad demand is refused field by field, every field at once', () => {
    const badNumber = fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number);
    fc.assert(fc.property(badNumber, badNumber, (claims, cold) => {
      const problems = new ProblemCollector('test');
      expect(checkPoolDemand(problems, 'demand', { claimsPerMinute: claims, coldStartSeconds: cold })).toBe(false);
      expect(problems.problems.map((p) => p.field)).toEqual(['demand.claimsPerMinute', 'demand.coldStartSeconds']);
      expect(problems.problems[0].message).toMatch(/is not a number above 0 and at most 100000$/);
    }), params(200));
  });
});
