/*
 * The public API of `ftekit`: constructs, their props and the enum-like classes they take.
 * Internals (underscore files, validation helpers) are not exported. The policy gate is
 * `ftekit/policy`, the stack-file spec `ftekit/environment`, the Pulumi side `ftekit/pulumi`.
 */
export { FteValidationError } from './errors';
export type { CpuResources, SizeResources, ResourceRequirements } from './_quantities';
export { SandboxRuntime, RuntimeClasses, KataShim } from './sandbox-runtime';
export type { RuntimeToleration, RuntimeOverhead, CustomRuntimeOptions, RuntimeClassesProps } from './sandbox-runtime';
export { FteAdmissionPolicies } from './fte-admission-policies';
export type { FteAdmissionPoliciesProps } from './fte-admission-policies';
export { ClusterScoped } from './_l1';
export { EnvValue, ExistingSecret } from './env-value';
export type { LiteralEnvOptions, RotatingEnvOptions, SecretMount, ISecretSource } from './env-value';
export { Probe } from './probe';
export type { ProbeOptions } from './probe';
export { Protocol, DnsPolicy } from './_pod';
export type { ContainerPort, AgentContainerProps, ExtraMount, PodIdentityProps } from './_pod';
export type { IWorkload, ResourceFootprint, IHasFootprint, WorkloadProps, SandboxBlueprintProps } from './_workload';
export { Workspace, AccessMode } from './workspace';
export type { PersistentWorkspaceOptions, EphemeralWorkspaceOptions } from './workspace';
export { WorkspaceBackups, BackupScheduler, SnapshotClass, SnapshotDeletionPolicy } from './workspace-backups';
export type { WorkspaceBackupsProps, BackupRetention, BackupPlan, IBackupScheduler, IHasWorkspace, SnapshotClassProps, WorkspaceClaimSelector } from './workspace-backups';
export { SkillsVolume, ImagePullPolicy } from './skills-volume';
export type { ImageSkillsOptions, ClaimSkillsOptions } from './skills-volume';
export { ApiAccess, WorkloadIdentity } from './api-access';
export type { ApiAccessOptions, WorkloadIdentityProps } from './api-access';
export { EgressAllowlist, EgressEnforcement, Peer, Port } from './egress-allowlist';
export type { EgressEngine, PodPeerOptions, CidrPeerOptions, ServicePeerOptions, ClusterDnsOptions, EgressAllowlistProps } from './egress-allowlist';
export { FteSandbox, OperatingMode, ShutdownPolicy } from './fte-sandbox';
export type { FteSandboxProps, SandboxAccessOptions } from './fte-sandbox';
export { SandboxPool, PoolUpdateStrategy, ClaimShutdownPolicy } from './sandbox-pool';
export type { PoolAutoscaling, SandboxPoolProps, SandboxClaimProps } from './sandbox-pool';
export { sizePool } from './pool-sizing';
export type { PoolDemand, PoolSizing } from './pool-sizing';
export { FteNamespace } from './fte-namespace';
export type { NamespaceQuota, ContainerDefaults, FteNamespaceProps } from './fte-namespace';
export { RolloutKind } from './_rollout';
export type { IRolloutTarget } from './_rollout';
export { DaprComponent, DaprMetadataValue } from './dapr-component';
export type { DaprSecretKey, DaprComponentProps } from './dapr-component';
export { SaslMechanism, KafkaAuth, KafkaInitialOffset } from './dapr-backends';
export type { KafkaPasswordAuthOptions, KafkaMtlsAuthOptions, KafkaPubSubProps, RedisStateStoreProps } from './dapr-backends';
export { DaprConfiguration, OtlpProtocol, DaprAction, DaprApi } from './dapr-configuration';
export type { DaprTracingOptions, DaprMtlsOptions, DaprOperationRule, DaprAccessPolicy, DaprAccessControlOptions, DaprConfigurationProps } from './dapr-configuration';
export { DaprResiliency, DaprRetry } from './dapr-resiliency';
export type { DaprCircuitBreaker, DaprTargetPolicies, DaprComponentPolicies, DaprResiliencyProps } from './dapr-resiliency';
export { DaprSubscription } from './dapr-subscription';
export type { DaprRouteRule, DaprSubscriptionProps } from './dapr-subscription';
export { DaprWorker, DaprAppProtocol, DaprLogLevel } from './dapr-worker';
export type { DaprSidecarOptions, DaprControlPlaneOptions, WorkerAutoscaling, WorkerConfigurationOptions, WorkerSubscriptionProps, WorkerResiliencyProps, DaprWorkerProps } from './dapr-worker';
export { VaultStaticSecret, KvVersion } from './vault-static-secret';
export type { VaultStaticSecretOptions, VaultStaticSecretProps } from './vault-static-secret';
export { VaultSync, VaultServer } from './vault-sync';
export type { VaultConnectOptions, VaultSyncProps } from './vault-sync';
export { FteMonitoring, AlertSeverity } from './fte-monitoring';
export type { FteMonitoringProps, MonitorOptions, WorkloadMonitors } from './fte-monitoring';
