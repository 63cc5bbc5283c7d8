import { describeValue, ProblemCollector } from './errors';

/**
 * The demand a warm pool serves, from which {@link sizePool} derives its size. Rates are
 * averages over a few minutes, as the agent-sandbox controller's
 * `agent_sandbox_claim_creation_total` shows them.
 */
export interface PoolDemand {
  /** Claims per minute at normal load (> 0). */
  readonly claimsPerMinute: number;
  /**
   * Claims per minute at peak (>= `claimsPerMinute`): the pool's maximum size.
   * @default - claimsPerMinute (no separate peak)
   */
  readonly peakClaimsPerMinute?: number;
  /**
   * Seconds from a warm sandbox being claimed until its replacement is Ready: image pull,
   * runtime start and readiness (> 0; agent-sandbox's `agent_sandbox_creation_latency_ms`
   * for warm launches measures it).
   */
  readonly coldStartSeconds: number;
  /**
   * How long a claimed sandbox lives, in minutes (> 0). Claimed sandboxes leave the pool and
   * the pool replaces them, so they count towards the namespace quota.
   * @default - unknown: only static claims count towards the quota
   */
  readonly claimDurationMinutes?: number;
  /**
   * β of the square-root staffing rule: how many standard deviations of head-room above
   * the mean (0-10). 2 keeps the chance that a claim finds the pool empty at about 2%.
   * @default 2
   */
  readonly safetyFactor?: number;
}

/** A pool size derived from {@link PoolDemand}, and how. */
export interface PoolSizing {
  /** Warm sandboxes at normal load: `spec.replicas`, and the minimum when autoscaled. */
  readonly replicas: number;
  /** Warm sandboxes at peak: the maximum when autoscaled. */
  readonly maxReplicas: number;
  /** Sandboxes claimed at once at peak (0 when the claim duration is unknown). */
  readonly claimedAtPeak: number;
  /** Cold-start seconds the autoscaler's query multiplies the claim rate by. */
  readonly coldStartSeconds: number;
  /** β of the square-root staffing rule. */
  readonly safetyFactor: number;
  /** How the numbers were derived, in one line (the pool's `ftekit.dev/pool-sizing` annotation). */
  readonly explanation: string;
}

/** Default β of the square-root staffing rule. */
const DEFAULT_SAFETY_FACTOR = 2;

/** Largest pool size ftekit derives (the SandboxPool's replica bound). */
const MAX_SIZE = 10000;

/** `ceil(load + β·√load)`: the square-root staffing rule (0 for no load). */
function staffed(load: number, safetyFactor: number): number {
  if (load <= 0) return 0;
  // Rounded first so that 10.000000000000002 does not become 11.
  return Math.ceil(Number((load + safetyFactor * Math.sqrt(load)).toFixed(9)));
}

/** `n` without trailing zeros, at most 3 decimals. */
function num(n: number): string {
  return String(Number(n.toFixed(3)));
}

/**
 * Records the problems of `demand` (fields under `field`) in `problems`; true when there
 * is none.
 */
export function checkPoolDemand(problems: ProblemCollector, field: string, demand: PoolDemand): boolean {
  const positive = (name: keyof PoolDemand, max: number): boolean => {
    const v = demand[name];
    return problems.add(`${field}.${name}`, typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max ? undefined : `${describeValue(v)} is not a number above 0 and at most ${max}`, v);
  };
  let ok = positive('claimsPerMinute', 100000);
  ok = positive('coldStartSeconds', 3600) && ok;
  if (demand.peakClaimsPerMinute !== undefined) {
    ok = positive('peakClaimsPerMinute', 100000) && ok;
    if (ok && demand.peakClaimsPerMinute < demand.claimsPerMinute) {
      ok = problems.add(`${field}.peakClaimsPerMinute`, `${demand.peakClaimsPerMinute} is below claimsPerMinute (${demand.claimsPerMinute}); expected the peak to be at least the normal rate`, demand.peakClaimsPerMinute);
    }
  }
  if (demand.claimDurationMinutes !== undefined) ok = positive('claimDurationMinutes', 7 * 24 * 60) && ok;
  const beta = demand.safetyFactor;
  if (beta !== undefined) {
    ok = problems.add(`${field}.safetyFactor`, typeof beta === 'number' && Number.isFinite(beta) && beta >= 0 && beta <= 10 ? undefined : `${describeValue(beta)} is not a number in range 0-10`, beta) && ok;
  }
  if (ok) {
    const sizing = sizePool(demand);
    const over = sizing.maxReplicas + sizing.claimedAtPeak > MAX_SIZE;
    ok = problems.add(field, over ? `needs ${sizing.maxReplicas} warm and ${sizing.claimedAtPeak} claimed sandboxes (${sizing.explanation}); expected a demand one pool can serve (at most ${MAX_SIZE} sandboxes): split it over several pools` : undefined);
  }
  return ok;
}

/**
 * Sizes a warm pool from its demand, by Little's law and the square-root staffing rule.
 *
 * A claim takes a warm sandbox out of the pool and the pool starts a replacement, which
 * is Ready `coldStartSeconds` (W) later. With claims arriving at λ per second, Little's law
 * (L = λ·W) gives the mean number of replacements under way, the load R = λ·W. A claim
 * finds the pool empty when more than `replicas` replacements are under way at once; that
 * number is Poisson distributed with mean R (an M/G/∞ queue), so the pool keeps
 * `ceil(R + β·√R)` warm sandboxes (square-root staffing, β = `safetyFactor`), at least 1.
 *
 * - `replicas` (and the autoscaling minimum) is that size at `claimsPerMinute`;
 * - `maxReplicas` is that size at `peakClaimsPerMinute`;
 * - `claimedAtPeak` applies the same rule to the claimed sandboxes, whose mean number is
 *   λ_peak × claim duration, so the namespace quota admits them and their replacements.
 *
 * Call it on checked input ({@link checkPoolDemand}); `SandboxPool` does.
 */
export function sizePool(demand: PoolDemand): PoolSizing {
  const beta = demand.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const w = demand.coldStartSeconds;
  const peak = demand.peakClaimsPerMinute ?? demand.claimsPerMinute;
  const load = (perMinute: number): number => (perMinute / 60) * w;
  const replicas = Math.max(1, staffed(load(demand.claimsPerMinute), beta));
  const maxReplicas = Math.max(replicas, staffed(load(peak), beta));
  const claimedLoad = demand.claimDurationMinutes === undefined ? 0 : peak * demand.claimDurationMinutes;
  const claimedAtPeak = staffed(claimedLoad, beta);
  const rule = (what: string, perMinute: number, size: number): string => `${what} ${num(perMinute)}/min x ${num(w)}s = ${num(load(perMinute))} -> ${size} warm`;
  const parts = [
    `Little's law (in flight R = claims/s x cold-start s) and square-root staffing (ceil(R + ${num(beta)}*sqrt(R)), at least 1): ${rule('normal', demand.claimsPerMinute, replicas)}`,
    ...(demand.peakClaimsPerMinute !== undefined ? [rule('peak', peak, maxReplicas)] : []),
    ...(demand.claimDurationMinutes !== undefined
      ? [`claimed at peak ${num(peak)}/min x ${num(demand.claimDurationMinutes)}min = ${num(claimedLoad)} -> ${claimedAtPeak} (counted in the quota)`]
      : []),
  ];
  return { replicas, maxReplicas, claimedAtPeak, coldStartSeconds: w, safetyFactor: beta, explanation: parts.join('; ') };
}
