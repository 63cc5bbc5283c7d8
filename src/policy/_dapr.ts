/*
 * Dapr-injected pods: the daprd sidecar the manifest does not show is hardened through the
 * pod's annotations.
 */
import { Evaluation } from './_evaluation';
import { q, rec, str } from './_objects';
import { PodTemplate, SECCOMP_OK } from './_pod-security';
import { defineRule } from './_rule';
import { DAPR_ANNOTATIONS } from '../_labels';

export const DAPR_SIDECAR_HARDENING = defineRule('dapr-sidecar-hardening',
  'Every Dapr-injected pod (dapr.io/enabled: "true") gives the daprd sidecar seccomp RuntimeDefault/Localhost and cpu and memory requests and limits through annotations.',
  'Use DaprWorker or the dapr prop of FteSandbox and SandboxPool, or set dapr.io/sidecar-seccomp-profile-type and dapr.io/sidecar-{cpu,memory}-{request,limit}.');

const DAPR_RESOURCE_ANNOTATIONS = [DAPR_ANNOTATIONS.cpuRequest, DAPR_ANNOTATIONS.cpuLimit, DAPR_ANNOTATIONS.memoryRequest, DAPR_ANNOTATIONS.memoryLimit];
const DAPR_SECCOMP_ANNOTATION = DAPR_ANNOTATIONS.seccompProfileType;

/** Go's strconv.ParseBool true values, which Dapr uses to read `dapr.io/enabled`. */
function daprTrue(v: unknown): boolean {
  return typeof v === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

/** The sidecar of a Dapr-injected pod template gets seccomp and resources through annotations. */
export function checkDaprPod(ev: Evaluation, pod: PodTemplate): void {
  const annotations = rec(pod.meta.annotations);
  if (!daprTrue(annotations[DAPR_ANNOTATIONS.enabled])) return;
  const podSeccompOk = SECCOMP_OK.has(rec(rec(pod.spec.securityContext).seccompProfile).type as string);
  const seccomp = annotations[DAPR_SECCOMP_ANNOTATION];
  const ap = (k: string): string => `${pod.metaPath}.annotations[${JSON.stringify(k)}]`;
  if (seccomp !== undefined ? !SECCOMP_OK.has(seccomp as string) : !podSeccompOk) {
    ev.report(pod.index, DAPR_SIDECAR_HARDENING, ap(DAPR_SECCOMP_ANNOTATION), `the Dapr sidecar gets seccomp profile ${q(seccomp)}${seccomp === undefined ? ' and the pod sets none' : ''}; expected ${DAPR_SECCOMP_ANNOTATION}: RuntimeDefault`);
  }
  const missing = DAPR_RESOURCE_ANNOTATIONS.filter((k) => !str(annotations[k]));
  if (missing.length) ev.report(pod.index, DAPR_SIDECAR_HARDENING, ap(missing[0]), `the Dapr sidecar has no ${missing.join(', ')}, so it runs without requests or limits`);
}
