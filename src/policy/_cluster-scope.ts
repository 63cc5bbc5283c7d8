/*
 * Cluster-scoped objects carry no namespace: the built-in cluster-scoped kinds, plus kinds
 * that a CustomResourceDefinition in the input declares cluster-scoped.
 */
import { detach, StringPool } from './_detach';
import { Evaluation } from './_evaluation';
import { q, rec, Rec, str } from './_objects';
import { defineRule } from './_rule';

export const CLUSTER_SCOPED_NAMESPACE = defineRule('cluster-scoped-namespace',
  'Cluster-scoped objects (Namespace, RuntimeClass, ClusterRole, CRDs...) carry no metadata.namespace.',
  'Remove metadata.namespace (use ClusterScoped in ftekit, or a chart without a namespace).');

/** Built-in (and Cilium) cluster-scoped kinds, by `group/Kind` (core group is ''). */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'node.k8s.io/RuntimeClass',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'networking.k8s.io/IngressClass',
  'apiregistration.k8s.io/APIService',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'policy/PodSecurityPolicy',
  'cilium.io/CiliumClusterwideNetworkPolicy', 'cilium.io/CiliumNode', 'cilium.io/CiliumIdentity',
]);

/** Objects that set a namespace, judged once every CRD of the input is known. */
export class ClusterScopeIndex {
  private readonly clusterScoped = new Set(CLUSTER_SCOPED);
  /** Objects with a namespace, by group/kind: a CRD later in the input may declare the kind cluster-scoped. */
  private readonly namespacedByKind = new Map<string, number[]>();
  /** Namespace values that are not strings, as messages show them. */
  private readonly oddNamespaces = new Map<number, string>();

  public constructor(private readonly pool: StringPool) {}

  /** Object `index` of kind `groupKind` has `metadata.namespace` `value` (anything but unset or empty). */
  public addNamespaced(index: number, groupKind: string, value: unknown): void {
    const list = this.namespacedByKind.get(groupKind);
    if (list) list.push(index); else this.namespacedByKind.set(this.pool.get(groupKind), [index]);
    if (typeof value !== 'string') this.oddNamespaces.set(index, q(value));
  }

  /** A CustomResourceDefinition: a cluster-scoped one adds its kind. */
  public addCustomResourceDefinition(obj: Rec): void {
    const spec = rec(obj.spec);
    const names = rec(spec.names);
    if (spec.scope === 'Cluster' && str(spec.group) && str(names.kind)) this.clusterScoped.add(detach(`${spec.group}/${names.kind}`));
  }

  /** Reports every object of a cluster-scoped kind that sets a namespace. */
  public check(ev: Evaluation): void {
    for (const [groupKind, indexes] of this.namespacedByKind) {
      if (!this.clusterScoped.has(groupKind)) continue;
      for (const i of indexes) {
        const shown = this.oddNamespaces.get(i) ?? JSON.stringify(ev.refs[i].namespace);
        ev.report(i, CLUSTER_SCOPED_NAMESPACE, 'metadata.namespace', `${ev.refs[i].kind} is cluster-scoped but has metadata.namespace ${shown}; strict tools and the API server reject or ignore it`);
      }
    }
  }
}
