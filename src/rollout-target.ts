import { IConstruct } from 'constructs';
import { IWorkload } from './workload';

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

/** Type guard for {@link IRolloutTarget}. */
export function isRolloutTarget(c: IConstruct): c is IRolloutTarget {
  const t = c as Partial<IRolloutTarget>;
  return typeof t.usesSecret === 'function' && typeof t.rolloutKind === 'string' && typeof t.workloadName === 'string';
}
