import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ENVIRONMENT_CONFIG_KEY, EnvironmentSpec } from '../environment/spec';
import { specFromStackConfig } from '../environment/stack-files';
import { FtekitEnvironment, RESOLVED, resolveEnvironment, ResolvedEnvironmentArgs } from './ftekit-environment';

/** What `pulumi up` exports for a stack. */
export interface StackOutputs {
  /** The FTE namespace. */
  readonly namespace: pulumi.Output<string>;
  /** Headless Service names of the FTE sandboxes. */
  readonly sandboxServiceNames: pulumi.Output<string[]>;
  /** Warm pool names. */
  readonly poolNames: pulumi.Output<string[]>;
  /** Claims, as `<pool>/<claim>`. */
  readonly claimNames: pulumi.Output<string[]>;
  /** Dapr worker Deployments. */
  readonly daprWorkerNames: pulumi.Output<string[]>;
}

/** Reads and validates the current stack's spec from Pulumi config (`stacks/Pulumi.<stack>.yaml`). */
export function stackSpec(): EnvironmentSpec {
  const stack = pulumi.getStack();
  const raw = new pulumi.Config('ftekit').getObject<unknown>('environment');
  const context = new pulumi.Config('kubernetes').get('context');
  return specFromStackConfig(stack, { [ENVIRONMENT_CONFIG_KEY]: raw, 'kubernetes:context': context }, `stacks/Pulumi.${stack}.yaml`);
}

/**
 * The Pulumi program: validates the stack's spec (nothing is registered when it is bad),
 * creates a Kubernetes provider for the spec's kubeconfig context, reads the Pulumi-managed
 * secrets with `requireSecret`, and deploys the environment component.
 */
export function deployStack(opts: pulumi.ComponentResourceOptions = {}): StackOutputs & { readonly environment: FtekitEnvironment } {
  const spec = stackSpec();
  const config = new pulumi.Config('ftekit');
  const secretValues: Record<string, pulumi.Output<string>> = {};
  for (const s of spec.deploy.secrets) {
    for (const configKey of Object.values(s.data)) secretValues[configKey] = config.requireSecret(configKey);
  }
  // Built and checked before the provider: a spec the constructs refuse registers nothing.
  const resolved = resolveEnvironment(spec.name, spec);
  // Named after the environment like the component, so a rename (previousNames) aliases it too:
  // a new provider resource would make the engine re-check every object against it.
  const provider = new k8s.Provider(`${spec.name}-cluster`, { context: spec.deploy.kubeContext }, { aliases: spec.deploy.previousNames.map((p) => ({ name: `${p}-cluster` })) });
  const args: ResolvedEnvironmentArgs = { spec, secretValues, [RESOLVED]: resolved };
  const env = new FtekitEnvironment(spec.name, args, { ...opts, providers: { kubernetes: provider } });
  return {
    environment: env,
    namespace: env.namespace,
    sandboxServiceNames: env.sandboxServiceNames,
    poolNames: env.poolNames,
    claimNames: env.claimNames,
    daprWorkerNames: env.daprWorkerNames,
  };
}
