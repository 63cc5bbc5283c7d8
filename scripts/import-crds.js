#!/usr/bin/env node
// Regenerates the typed bindings of the custom resources ftekit emits (`npm run import`).
//
// Reads the pinned CRDs from the shared data folder (../shared/crds next to the repo, or
// FTEKIT_SHARED_DIR), strips every `description` key so no upstream prose lands in this
// repository, and runs `cdk8s import` on each into src/imports/.
//
// Why src/imports/ and not a top-level imports/: the package compiles with rootDir `src` to
// lib/, so the bindings must live under src/ to ship in lib/; cdk8s-plus keeps its own
// generated L1 in src/imports/ for the same reason.
//
// Plain Node (no build needed). `node scripts/import-crds.js [outDir]` writes elsewhere (the
// unit test regenerates into a temp dir and compares with the committed files).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');

/**
 * CRD files (relative to <shared>/crds) of the kinds the constructs emit, one module per API
 * group (`src/imports/<group>.ts`). Not here: Sandbox and SandboxTemplate, whose generated
 * bindings re-type the whole PodSpec; src/_l1.ts types their pod template with
 * cdk8s-plus's k8s.PodSpec instead, the same type every other workload's pod uses.
 */
const CRDS = [
  'agent-sandbox/extensions.agents.x-k8s.io_sandboxwarmpools.yaml',
  'agent-sandbox/extensions.agents.x-k8s.io_sandboxclaims.yaml',
  'dapr/components.yaml',
  'dapr/configuration.yaml',
  'dapr/resiliency.yaml',
  'dapr/subscription.yaml',
  'vault-secrets-operator/secrets.hashicorp.com_vaultconnections.yaml',
  'vault-secrets-operator/secrets.hashicorp.com_vaultauths.yaml',
  'vault-secrets-operator/secrets.hashicorp.com_vaultstaticsecrets.yaml',
  'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
  'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
  'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
  'cilium/ciliumnetworkpolicies.yaml',
  'gke/networking.gke.io_fqdnnetworkpolicies.yaml',
  'aws/networking.k8s.aws_applicationnetworkpolicies.yaml',
  'keda/keda.sh_scaledobjects.yaml',
  'snapscheduler/snapscheduler.backube_snapshotschedules.yaml',
  'csi-snapshot/snapshot.storage.k8s.io_volumesnapshotclasses.yaml',
];

/** The shared data folder, or undefined when it is not there. */
function sharedDir() {
  const dir = process.env.FTEKIT_SHARED_DIR ? path.resolve(process.env.FTEKIT_SHARED_DIR) : path.resolve(ROOT, '../shared');
  return fs.existsSync(path.join(dir, 'crds')) ? dir : undefined;
}

/**
 * `value` without any `description` text, at any depth. A `description` whose value is not
 * a string is a field of that name (CiliumNetworkPolicy has `spec.description`) and stays.
 * `format: date-time` goes too: cdk8s import would type such fields as `Date` and write them
 * back with milliseconds; ftekit passes RFC 3339 strings through as the user wrote them.
 */
function stripDescriptions(value) {
  if (Array.isArray(value)) return value.map(stripDescriptions);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'description' && typeof v === 'string') continue;
    if (k === 'format' && v === 'date-time') continue;
    out[k] = stripDescriptions(v);
  }
  return out;
}

/** Generates every binding into `outDir`; returns the files written (relative to it). */
function generate(outDir, shared = sharedDir()) {
  if (!shared) throw new Error('the shared data folder (../shared/crds) is missing; check it out next to the repo or set FTEKIT_SHARED_DIR');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-import-'));
  try {
    fs.mkdirSync(outDir, { recursive: true });
    const cli = path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s');
    const groups = new Map();
    for (const file of CRDS) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(shared, 'crds', file), 'utf8'))) {
        const crd = doc.toJSON();
        if (!crd) continue;
        groups.set(crd.spec.group, [...(groups.get(crd.spec.group) ?? []), stripDescriptions(crd)]);
      }
    }
    for (const [group, crds] of groups) {
      const input = path.join(work, `${group}.yaml`);
      fs.writeFileSync(input, crds.map((d) => YAML.stringify(d)).join('---\n'));
      // cwd is the temp dir, so the import never edits the repo's cdk8s.yaml.
      execFileSync(process.execPath, [cli, 'import', input, '--language', 'typescript', '--output', path.resolve(outDir), '--no-save'], {
        cwd: work,
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return fs.readdirSync(outDir).sort();
}

module.exports = { CRDS, generate, sharedDir, stripDescriptions };

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'src/imports'));
  for (const f of generate(out)) console.log(path.relative(ROOT, path.join(out, f)));
}
