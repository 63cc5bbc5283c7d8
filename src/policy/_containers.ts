/*
 * What every container must say: resource requests and limits, no secret as a literal, a
 * pinned image.
 */
import { checkPinnedImage, looksSecret } from '../_validate';
import { Evaluation, Reporter } from './_evaluation';
import { OBJECT_MALFORMED, q, rec, Rec, str } from './_objects';
import { defineRule } from './_rule';
import type { Container } from './_pod-security';

export const CONTAINER_RESOURCES = defineRule('container-resources',
  'Every container and init container requests and limits both cpu and memory.',
  'Set resources.requests and resources.limits for cpu and memory.');

export const ENV_SECRET_LITERAL = defineRule('env-secret-literal',
  'No environment variable whose name looks like a secret (*TOKEN*, *PASSWORD*, *_API_KEY, *SECRET*...) has a literal value.',
  'Use valueFrom.secretKeyRef (ExistingSecret.fromName(...).envValue(key) in ftekit) instead of value.');

export const PINNED_IMAGE = defineRule('pinned-image',
  'Every container image is pinned by a version tag other than latest, or by an @sha256 digest.',
  'Use an explicit version tag (agent:1.4.2) or a digest (agent@sha256:...).');

/** Resources, secret-looking literals and image pinning of every container of one pod template. */
export function checkContainers(ev: Evaluation, index: number, containers: readonly Container[]): void {
  const report: Reporter = (rule, path, message) => ev.report(index, rule, path, message);
  for (const { c, path: cp, list, label } of containers) {
    if (list !== 'ephemeralContainers') checkResources(report, c.resources, `${cp}.resources`, label);
    if (c.env !== undefined && c.env !== null) {
      if (!Array.isArray(c.env)) report(OBJECT_MALFORMED, `${cp}.env`, `${label} has env ${q(c.env)}, not a list`);
      else {
        c.env.forEach((e, j) => {
          const ev2 = rec(e);
          if (isSecretLiteral(ev2)) {
            report(ENV_SECRET_LITERAL, `${cp}.env[${j}].value`, `${label} sets ${q(ev2.name)}, which looks like a secret, to a literal value; it would be readable in the manifest`);
          }
        });
      }
    }
    const imageProblem = checkPinnedImage(c.image);
    if (imageProblem) report(PINNED_IMAGE, `${cp}.image`, `${label}: ${imageProblem}`);
  }
}

/** An env entry that gives a secret-looking variable a literal value. */
export function isSecretLiteral(env: Rec): env is Rec & { name: string } {
  return typeof env.name === 'string' && looksSecret(env.name) && env.value !== undefined && env.value !== null && env.value !== '';
}

function checkResources(report: Reporter, resources: unknown, path: string, label: string): void {
  const r = rec(resources);
  const missing: string[] = [];
  for (const side of ['requests', 'limits']) {
    const s = rec(r[side]);
    for (const res of ['cpu', 'memory']) {
      const v = s[res];
      if (!(str(v) || (typeof v === 'number' && v > 0))) missing.push(`${side}.${res}`);
    }
  }
  if (missing.length) report(CONTAINER_RESOURCES, path, `${label} has no ${missing.join(', ')}`);
}
