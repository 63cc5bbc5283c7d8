import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/** A plain Kubernetes object, as a cdk8s chart resolves it. */
export type KubeObject = Record<string, any>;

/** Resource options of one object. */
export interface ObjectResourceOptions {
  /** Resources the object waits for (e.g. the operator serving its CRD). */
  readonly dependsOn?: pulumi.Resource[];
  /** Keep the Kubernetes object when Pulumi deletes the resource. */
  readonly retainOnDelete?: boolean;
  /** Refuse to delete the resource. */
  readonly protect?: boolean;
}

/** Chooses the resource options of each object. */
export type ObjectOptions = (obj: KubeObject) => ObjectResourceOptions;

/**
 * Deploys resolved cdk8s objects as one group, each object its own Pulumi resource named
 * `<namespace>/<name>` under the group. This is the one place that knows which ConfigGroup
 * flavour is used: v1 `objs`, because it registers typed children that a `pulumi preview`
 * diff (and the runtime-mock tests) can see, and lets every object carry its own options.
 */
export function deployObjects(name: string, objects: readonly KubeObject[], objectOptions: ObjectOptions, opts: pulumi.ComponentResourceOptions): k8s.yaml.ConfigGroup {
  return new k8s.yaml.ConfigGroup(name, {
    objs: objects.map((o) => JSON.parse(JSON.stringify(o))),
    transformations: [(obj: KubeObject, options: pulumi.CustomResourceOptions) => {
      const extra = objectOptions(obj);
      if (extra.dependsOn?.length) options.dependsOn = [...asArray(options.dependsOn as pulumi.Input<pulumi.Resource>[] | pulumi.Input<pulumi.Resource> | undefined), ...extra.dependsOn];
      if (extra.retainOnDelete !== undefined) options.retainOnDelete = extra.retainOnDelete;
      if (extra.protect !== undefined) options.protect = extra.protect;
    }],
  }, opts);
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
