/*
 * SandboxClaims: no pod template, but the controller merges a claim's `spec.env` and
 * `spec.additionalPodMetadata` into the pod it starts, so the env and annotation rules apply.
 */
import { isSecretLiteral, ENV_SECRET_LITERAL } from './_containers';
import { DAPR_PREFIX } from '../_labels';
import { DAPR_SIDECAR_HARDENING } from './_dapr';
import { Evaluation } from './_evaluation';
import { q, rec, Rec } from './_objects';
import { PSS_APPARMOR, unconfinedAppArmorAnnotation } from './_pod-security';

/**
 * A SandboxClaim has no pod template, but the controller merges its `spec.env` and
 * `spec.additionalPodMetadata` into the pod it starts: the env and annotation rules apply.
 */
export function checkClaim(ev: Evaluation, i: number, obj: Rec): void {
  const spec = rec(obj.spec);
  if (Array.isArray(spec.env)) {
    spec.env.forEach((e, j) => {
      const env = rec(e);
      if (isSecretLiteral(env)) {
        ev.report(i, ENV_SECRET_LITERAL, `spec.env[${j}].value`, `the claim sets ${q(env.name)}, which looks like a secret, to a literal value; it would be readable in the manifest`);
      }
    });
  }
  const annotations = rec(rec(spec.additionalPodMetadata).annotations);
  for (const [key, value] of Object.entries(annotations)) {
    const at = `spec.additionalPodMetadata.annotations[${JSON.stringify(key)}]`;
    if (unconfinedAppArmorAnnotation(key, value)) {
      ev.report(i, PSS_APPARMOR, at, `the claim gives its pod AppArmor profile ${q(value)}; expected runtime/default or localhost/<profile>`);
    }
    if (key.startsWith(DAPR_PREFIX)) {
      ev.report(i, DAPR_SIDECAR_HARDENING, at, `the claim adds ${q(key)} to a sandbox pod; Dapr injection is configured on the workload (the SandboxPool's dapr prop), not per claim`);
    }
  }
}
