import * as path from 'path';
import { removeConstructMetadata } from './construct-metadata';
import { evaluatePolicy } from './engine';
import { describeObject, PolicyObjectRef, policyResourceKey } from './report';
import { KubernetesVersion } from './kubernetes-version';

/*
 * The cdk8s validation plugin. cdk8s-cli loads a plugin from a local path (one starting
 * with "./"; a package name it installs from npm into its own folder, and it does not
 * resolve package subpaths), so a user's cdk8s.yaml names the package's shim,
 * `package: ./node_modules/ftekit/policy/cdk8s-plugin`, and this repository's names
 * `./lib/policy/cdk8s-plugin.js`. cdk8s-cli hands it the synthesised manifests and exits
 * non-zero when it submits 'failure'.
 * The types below mirror cdk8s-cli's `lib/plugins/validation.d.ts`, which is not imported at
 * run time (cdk8s-cli is a dev dependency).
 */

/** What the plugin reads from cdk8s-cli's ValidationContext. */
export interface ValidationContextLike {
  /** Paths of the synthesised manifests. */
  readonly manifests: readonly string[];
  /** Construct paths by resource name, from `construct-metadata.json`. */
  readonly metadata?: { readonly [key: string]: { readonly path: string } };
  /** The documents of one manifest. */
  parseManifest(manifestPath: string): unknown[];
  /** Where violations and the final status go. */
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
  };
}

/** `properties` of the plugin in cdk8s.yaml. */
export interface FtekitPolicyValidationProps {
  /**
   * Evaluate the manifests of each output directory as a separate set (one environment
   * per directory, as `npm run synth` writes `dist/<env>/`).
   * @default false - all manifests form one set
   */
  readonly groupByDirectory?: boolean;
  /** See PolicyOptions.sandboxedRuntimeClasses. @default - none */
  readonly sandboxedRuntimeClasses?: string[];
  /**
   * The Kubernetes version of the clusters the manifests go to (`"1.32"`): selects the Pod
   * Security controls that differ between versions (see PolicyOptions.kubernetesVersion).
   * @default "1.28"
   */
  readonly kubernetesVersion?: string;
}

/** The ftekit policy gate as a cdk8s validation plugin. */
export class FtekitPolicyValidation {
  private readonly props: FtekitPolicyValidationProps;
  private readonly kubernetesVersion: KubernetesVersion;

  /** @throws FteValidationError when `kubernetesVersion` is not a supported version. */
  public constructor(props: FtekitPolicyValidationProps = {}) {
    this.props = props ?? {};
    const version = this.props.kubernetesVersion;
    this.kubernetesVersion = version === undefined ? KubernetesVersion.FLOOR : KubernetesVersion.of(String(version));
  }

  /**
   * Evaluates every manifest (per directory with `groupByDirectory`), adds one violation per
   * finding (rule, object, location, fix; construct path from the metadata), lists
   * excepted findings with their reasons in the summary, and submits 'failure' when there
   * is any error.
   */
  public async validate(context: ValidationContextLike): Promise<void> {
    try {
      this.evaluate(context);
    } finally {
      // Whether the gate passed, failed or threw, dist/ keeps manifests only.
      removeConstructMetadata(context.metadata ?? {}, context.manifests);
    }
  }

  private evaluate(context: ValidationContextLike): void {
    const metadata = context.metadata ?? {};
    const groups = new Map<string, { objects: unknown[]; manifests: string[] }>();
    const summary: Record<string, string> = {};
    let failed = false;
    for (const manifest of context.manifests) {
      let docs: unknown[];
      try {
        docs = context.parseManifest(manifest);
      } catch (e) {
        failed = true;
        context.report.addViolation({
          ruleName: 'object-malformed',
          recommendation: `${manifest} cannot be parsed: ${(e as Error).message}`,
          fix: 'Synthesise valid YAML.',
          violatingResources: [{ resourceName: path.basename(manifest), locations: [''], manifestPath: manifest }],
        });
        continue;
      }
      const key = this.props.groupByDirectory ? path.dirname(manifest) : '';
      const group = groups.get(key) ?? { objects: [], manifests: [] };
      groups.set(key, group);
      for (const doc of docs) {
        if (doc === null || doc === undefined) continue;
        group.objects.push(doc);
        group.manifests.push(manifest);
      }
    }
    let objects = 0;
    let errors = 0;
    let warnings = 0;
    for (const group of groups.values()) {
      const report = evaluatePolicy(group.objects, { sandboxedRuntimeClasses: this.props.sandboxedRuntimeClasses, kubernetesVersion: this.kubernetesVersion });
      objects += report.objectCount;
      errors += report.errors.length;
      warnings += report.warnings.length;
      const nameCounts = new Map<string, number>();
      for (const o of group.objects) {
        const name = (o as { metadata?: { name?: unknown } })?.metadata?.name;
        if (typeof name === 'string') nameCounts.set(name, (nameCounts.get(name) ?? 0) + 1);
      }
      const resourceName = (ref: PolicyObjectRef): string => {
        const key = policyResourceKey(ref);
        if (metadata[key]) return key;
        // Metadata written by a plain cdk8s App is keyed by name: usable when the name is unique.
        if (ref.name && metadata[ref.name] && nameCounts.get(ref.name) === 1) return ref.name;
        return key;
      };
      for (const f of report.findings) {
        context.report.addViolation({
          ruleName: `${f.ruleId} (${f.severity})`,
          recommendation: `${describeObject(f.object)}: ${f.message}`,
          fix: f.fix,
          violatingResources: [{ resourceName: resourceName(f.object), locations: [f.path || '(the object)'], manifestPath: group.manifests[f.object.index] ?? '' }],
        });
      }
      for (const f of report.excepted) {
        const constructPath = metadata[resourceName(f.object)]?.path;
        summary[`Excepted: ${f.ruleId} ${describeObject(f.object)}${constructPath ? ` (${constructPath})` : ''}`] = f.reason;
      }
    }
    failed = failed || errors > 0;
    context.report.submit(failed ? 'failure' : 'success', {
      'Rules': 'ftekit policy (README "Policy")',
      'Objects': String(objects),
      'Errors': String(errors),
      'Warnings': String(warnings),
      ...summary,
    });
  }
}
