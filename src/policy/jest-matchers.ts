import { evaluatePolicy, PolicyOptions } from './engine';
import { formatPolicyReport } from './report';

/*
 * A jest matcher for users' own tests. Nothing here imports jest at run time:
 *
 *   import { ftekitPolicyMatchers } from 'ftekit';
 *   expect.extend(ftekitPolicyMatchers);
 *   expect(app).toPassFtekitPolicy();
 */

/** The part of jest's matcher context this matcher reads. */
interface MatcherContext {
  readonly isNot?: boolean;
}

/** What a jest matcher returns. */
export interface PolicyMatcherResult {
  /** Whether the assertion passed. */
  readonly pass: boolean;
  /** Returns the message jest shows when the assertion fails. */
  readonly message: () => string;
}

interface ChartLike { readonly node: unknown; toJson(): unknown[] }
interface AppLike { readonly charts: readonly ChartLike[] }

function objectsOf(received: unknown): unknown[] | undefined {
  if (Array.isArray(received)) return received;
  if (typeof received !== 'object' || received === null) return undefined;
  const app = received as Partial<AppLike>;
  if (Array.isArray(app.charts)) return app.charts.flatMap((c) => c.toJson());
  const chart = received as Partial<ChartLike>;
  if (typeof chart.toJson === 'function' && chart.node !== undefined) return chart.toJson();
  return undefined;
}

/** Matchers to pass to `expect.extend(...)`. */
export const ftekitPolicyMatchers = {
  /**
   * Passes when a cdk8s App, a Chart or an array of plain objects has no policy errors;
   * the failure message is the full policy report.
   */
  toPassFtekitPolicy(this: MatcherContext | void, received: unknown, options?: PolicyOptions): PolicyMatcherResult {
    const objects = objectsOf(received);
    if (objects === undefined) {
      return { pass: false, message: () => `expected a cdk8s App, a Chart or an array of Kubernetes objects, received ${typeof received === 'object' ? JSON.stringify(received) : String(received)}` };
    }
    const report = evaluatePolicy(objects, options);
    const text = formatPolicyReport(report);
    return report.ok
      ? { pass: true, message: () => `expected ftekit policy errors, but there were none\n\n${text}` }
      : { pass: false, message: () => `expected no ftekit policy errors\n\n${text}` };
  },
};

declare global {
  namespace jest {
    // T repeats @types/jest's declaration: every augmentation must have the same parameters.
    interface Matchers<R, T = {}> {
      /** The object set (cdk8s App, Chart or array of objects) has no ftekit policy errors. */
      toPassFtekitPolicy(options?: PolicyOptions): R;
    }
  }
}
