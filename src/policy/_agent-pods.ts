/*
 * Agent pods (any pod of an agent-sandbox object, or labelled as an ftekit workload): they
 * run on a sandboxed runtime, and mount no ServiceAccount token unless granted apiAccess.
 */
import { detach } from './_detach';
import { Evaluation } from './_evaluation';
import { join, q, rec, stringLabels } from './_objects';
import type { PodTemplate } from './_pod-security';
import { defineRule } from './_rule';
import { API_ACCESS_LABEL as API_ACCESS_POD_LABEL, UNSANDBOXED_ANNOTATION as UNSANDBOXED_POD_ANNOTATION, WORKLOAD_LABEL as AGENT_POD_LABEL } from '../_labels';


// The keys ftekit writes (src/_labels.ts), under the names the policy API has always exported.
export { AGENT_POD_LABEL, API_ACCESS_POD_LABEL, UNSANDBOXED_POD_ANNOTATION };

export const SANDBOXED_RUNTIME = defineRule('sandboxed-runtime',
  'Every agent pod (any pod of an agent-sandbox Sandbox or SandboxTemplate, or labelled ftekit.dev/workload) runs on a sandboxed RuntimeClass (gVisor or Kata). A pod annotated ftekit.dev/unsandboxed with a reason is reported as an exception.',
  'Set spec.runtimeClassName to gvisor or a kata-* class (SandboxRuntime.GVISOR in ftekit); for local clusters only, SandboxRuntime.unsandboxedForLocalDevelopment(reason).');

export const SERVICE_ACCOUNT_TOKEN = defineRule('service-account-token',
  'Every agent pod sets automountServiceAccountToken: false, unless it is labelled ftekit.dev/api-access: "true" (a workload granted apiAccess).',
  'Set spec.automountServiceAccountToken: false, or grant the workload apiAccess in ftekit (which labels the pod).');

/** RuntimeClass names and handlers taken for sandboxed: gVisor and Kata. */
const SANDBOXED_CLASS = /^(gvisor|runsc|kata)([-.][a-z0-9.-]*)?$/;
const SANDBOXED_HANDLER = /^(runsc|gvisor|kata)([-.][a-z0-9.-]*)?$/;

/** Whether a RuntimeClass's handler is a sandboxed runtime. */
export function sandboxedHandler(handler: unknown): boolean {
  return typeof handler === 'string' && SANDBOXED_HANDLER.test(handler);
}

/** An agent pod's runtime class, judged once every RuntimeClass of the input is known. */
export interface RuntimeCheck {
  readonly index: number;
  readonly path: string;
  /** `runtimeClassName`, when it is a non-empty string. */
  readonly runtimeClass?: string;
  /** `runtimeClassName` as messages show it, when it is set at all. */
  readonly shown?: string;
  /** The unsandboxed annotation's reason, when the pod has no runtime class and gives one. */
  readonly excuse?: string;
}

/**
 * The agent-pod rules about one pod template. Its runtime class is only recorded in
 * `runtimeChecks`: RuntimeClasses later in the input decide it ({@link checkRuntimes}).
 */
export function checkAgentPod(ev: Evaluation, pod: PodTemplate, runtimeChecks: RuntimeCheck[]): void {
  if (!pod.agent) return;
  const { spec, specPath: sp, index: i } = pod;
  const annotations = rec(pod.meta.annotations);
  const rc = spec.runtimeClassName;
  const reason = annotations[UNSANDBOXED_POD_ANNOTATION];
  const excuse = typeof reason === 'string' && reason.trim().length > 0 ? detach(`${UNSANDBOXED_POD_ANNOTATION}: ${reason.trim()}`) : undefined;
  runtimeChecks.push({
    index: i,
    path: join(sp, 'runtimeClassName'),
    ...(typeof rc === 'string' && rc.length > 0 ? { runtimeClass: detach(rc) } : {}),
    ...(rc !== undefined ? { shown: q(rc) } : {}),
    ...(excuse !== undefined ? { excuse } : {}),
  });

  // Agent pods call the API only when granted: otherwise no token is mounted.
  if (spec.automountServiceAccountToken !== false && stringLabels(pod.meta.labels).get(API_ACCESS_POD_LABEL) !== 'true') {
    ev.report(i, SERVICE_ACCOUNT_TOKEN, join(sp, 'automountServiceAccountToken'), `agent pod mounts its ServiceAccount token (automountServiceAccountToken is ${q(spec.automountServiceAccountToken)}) without the ${API_ACCESS_POD_LABEL}: "true" label of a workload granted apiAccess`);
  }
}

/**
 * Judges the recorded runtime classes once the input is complete: a RuntimeClass in the
 * input by its handler, whatever its name; a class not in the input by its name; classes the
 * caller vouches for always pass.
 */
export function checkRuntimes(ev: Evaluation, runtimeChecks: readonly RuntimeCheck[], runtimeHandlers: ReadonlyMap<string, boolean>, vouched: ReadonlySet<string>): void {
  const isSandboxed = (rc: string): boolean => vouched.has(rc) || (runtimeHandlers.has(rc) ? runtimeHandlers.get(rc) === true : SANDBOXED_CLASS.test(rc));
  for (const c of runtimeChecks) {
    if (c.runtimeClass !== undefined) {
      if (!isSandboxed(c.runtimeClass)) ev.report(c.index, SANDBOXED_RUNTIME, c.path, `agent pod runs on RuntimeClass ${c.shown}, which is not a known sandboxed runtime (gvisor, kata-*, or a RuntimeClass with handler runsc/kata*)`);
    } else {
      ev.report(c.index, SANDBOXED_RUNTIME, c.path, `agent pod has no runtimeClassName, so it runs on the node's default runtime (runc) without a sandbox${c.shown !== undefined ? ` (runtimeClassName is ${c.shown})` : ''}`, c.excuse);
    }
  }
}
