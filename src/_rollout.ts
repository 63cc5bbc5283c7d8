import { IConstruct } from 'constructs';
import { IWorkload } from './_workload';

/** Workload kinds the Vault Secrets Operator can rollout-restart when a synced secret changes. */
export enum RolloutKind {
  /** `apps/v1` Deployment. */
  DEPLOYMENT = 'Deployment',
  /** `apps/v1` StatefulSet. */
  STATEFUL_SET = 'StatefulSet',
  /** `apps/v1` DaemonSet. */
  DAEMON_SET = 'DaemonSet',
}

/**
 * A workload whose pods read secrets at start and so must be restarted to see a rotated
 * value. A DaprWorker is one; agent sandboxes are not (a Sandbox cannot be rolled out:
 * they mount secrets as files instead, which the kubelet refreshes in place).
 */
export interface IRolloutTarget extends IWorkload {
  /** Kind of the object that owns the pods. */
  readonly rolloutKind: RolloutKind;
  /** Whether the workload references the Kubernetes Secret `secretName` (env, files or Dapr components). */
  usesSecret(secretName: string): boolean;
}

/** Rollout targets by the root of their construct tree, in construction order. */
const targetsByRoot = new WeakMap<IConstruct, IRolloutTarget[]>();

/**
 * Makes `target` known to the VaultStaticSecrets of its app, which list every rollout
 * target that uses their Secret. DaprWorker registers itself; a construct of your own that
 * implements {@link IRolloutTarget} must call this in its constructor to be found (or be
 * passed to `restartOnRotation`).
 *
 * Secrets look targets up here rather than walking the construct tree: one walk per
 * secret made synth quadratic (1,000 FTEs with 100 team secrets spent more time there than
 * in building every construct).
 */
export function registerRolloutTarget(target: IRolloutTarget & IConstruct): void {
  const root = target.node.root;
  const targets = targetsByRoot.get(root) ?? [];
  if (!targets.includes(target)) targets.push(target);
  targetsByRoot.set(root, targets);
}

/** The registered rollout targets in the construct tree of `scope` (see {@link registerRolloutTarget}). */
export function rolloutTargetsIn(scope: IConstruct): IRolloutTarget[] {
  return (targetsByRoot.get(scope.node.root) ?? []).filter((t) => isAttached(t as IRolloutTarget & IConstruct));
}

/** Whether `c` is still in its tree (not removed with `tryRemoveChild`). */
export function isAttached(c: IConstruct): boolean {
  for (let child = c, scope = c.node.scope; scope !== undefined; child = scope, scope = scope.node.scope) {
    if (scope.node.tryFindChild(child.node.id) !== child) return false;
  }
  return true;
}

/** Type guard for {@link IRolloutTarget}. */
export function isRolloutTarget(c: IConstruct): c is IRolloutTarget {
  const t = c as Partial<IRolloutTarget>;
  return typeof t.usesSecret === 'function' && typeof t.rolloutKind === 'string' && typeof t.workloadName === 'string';
}
