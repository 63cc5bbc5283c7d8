import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { APP_PART_OF_LABEL, FTEKIT } from './_labels';
import { claimName, nameClash } from './_object-names';
import { checkDnsLabel, checkLabels, checkPortName, millisOf, secondsOf } from './_validate';
import { IWorkload, namespaceOf, ScrapeTarget, Workload } from './_workload';
import { PodMonitor, PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } from './imports/monitoring.coreos.com';
import { Peer, Port } from './egress-allowlist';
import { constructError, describeValue, ProblemCollector } from './errors';

/** API version of the Prometheus Operator resources. */
export const MONITORING_API_VERSION = PrometheusRule.GVK.apiVersion;

/** Severity label of an alert. */
export enum AlertSeverity {
  /** Someone should look today. */
  WARNING = 'warning',
  /** Someone should look now. */
  CRITICAL = 'critical',
}

/** Props for {@link FteMonitoring}. */
export interface FteMonitoringProps {
  /**
   * Labels the Prometheus (and its rule selector) selects monitors and rules by.
   * kube-prometheus-stack selects `release: <Helm release name>`.
   * @default { release: 'kube-prometheus-stack' }
   */
  readonly selectionLabels?: Record<string, string>;
  /**
   * Namespace Prometheus runs in; monitored workloads accept scrapes from it.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
  /**
   * How often Prometheus scrapes each endpoint (`interval` of every ServiceMonitor and
   * PodMonitor endpoint).
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Name of the PrometheusRule.
   * @default 'ftekit-alerts'
   */
  readonly ruleName?: string;
  /**
   * Threshold of the claim start-up latency alert (p99 over 10 minutes).
   * @default Duration.seconds(1)
   */
  readonly claimStartupLatencyThreshold?: Duration;
}

/** Options for {@link FteMonitoring.monitor}. */
export interface MonitorOptions {
  /**
   * Named container port serving the app's Prometheus metrics.
   * @default - a DaprWorker's `metricsPortName`; for sandboxes no app metrics are scraped
   */
  readonly port?: string;
  /**
   * Port number of `port`, for the allowlist rule that admits Prometheus (sandboxes only;
   * a DaprWorker knows its ports).
   * @default - required together with `port` for sandboxes
   */
  readonly portNumber?: number;
  /**
   * HTTP path of the app's metrics on `port` (the Dapr sidecar's path is fixed).
   * @default '/metrics'
   */
  readonly path?: string;
}

/** The monitors created for one workload. */
export interface WorkloadMonitors {
  /** ServiceMonitor of the app's metrics (DaprWorker with a metrics port). */
  readonly serviceMonitor?: ServiceMonitor;
  /** PodMonitor: the Dapr sidecar's `dapr-metrics`, or a sandbox's metrics port. */
  readonly podMonitor?: PodMonitor;
}

interface Rule { readonly alert: string; readonly expr: string; readonly for: string; readonly severity: AlertSeverity; readonly summary: string; readonly description: string }

/**
 * Prometheus Operator monitoring of the FTEs in one namespace: ServiceMonitors and
 * PodMonitors per workload ({@link FteMonitoring.monitor}), and a PrometheusRule with the
 * alerts an operator of FTEs needs: pods not ready, restart loops, OOM kills, CPU
 * throttling, a warm pool without a ready sandbox, and slow sandbox claims.
 *
 * Every object carries the selection labels (kube-prometheus-stack selects on
 * `release: <Helm release>`). The pod alerts read kube-state-metrics and cAdvisor metrics;
 * the pool alerts read the agent-sandbox controller's metrics, so the controller must be
 * scraped too (its Helm chart's `metrics.serviceMonitor.enabled`).
 *
 * Objects: PrometheusRule (id `Resource`), and per monitored workload a ServiceMonitor
 * and/or PodMonitor.
 */
export class FteMonitoring extends Construct {
  /** The PrometheusRule. */
  public readonly resource: PrometheusRule;
  /** Namespace Prometheus scrapes from. */
  public readonly prometheusNamespace: string;
  /** Labels on every monitor and rule. */
  public readonly selectionLabels: Readonly<Record<string, string>>;
  private readonly namespace?: string;
  private readonly interval: string;
  private readonly latencyMs: number;
  private readonly pools: IWorkload[] = [];
  private readonly monitored = new Set<IWorkload>();

  public constructor(scope: Construct, id: string, props: FteMonitoringProps = {}) {
    super(scope, id);
    const kind = 'FteMonitoring';
    const problems = ProblemCollector.forConstruct(this, kind);
    this.selectionLabels = { ...(props.selectionLabels ?? { release: 'kube-prometheus-stack' }) };
    problems.add('selectionLabels', checkLabels(this.selectionLabels) ?? (Object.keys(this.selectionLabels).length === 0 ? 'is empty; expected the labels your Prometheus selects, e.g. { release: "kube-prometheus-stack" }' : undefined));
    this.prometheusNamespace = props.prometheusNamespace ?? 'monitoring';
    problems.add('prometheusNamespace', checkDnsLabel(this.prometheusNamespace));
    const interval = secondsOf(props.scrapeInterval ?? Duration.seconds(30), 5, 3600);
    problems.add('scrapeInterval', typeof interval === 'string' ? interval : undefined);
    this.interval = `${interval}s`;
    const latency = props.claimStartupLatencyThreshold ?? Duration.seconds(1);
    this.latencyMs = millisOf(latency) ?? NaN;
    problems.add('claimStartupLatencyThreshold', Number.isInteger(this.latencyMs) && this.latencyMs > 0 ? undefined : `${describeValue(this.latencyMs)}ms is not a positive whole number of milliseconds; expected e.g. Duration.seconds(1)`);
    const ruleName = props.ruleName ?? 'ftekit-alerts';
    this.namespace = namespaceOf(this);
    if (problems.add('ruleName', checkDnsLabel(ruleName))) problems.add('ruleName', nameClash(this, 'PrometheusRule', ruleName));
    problems.add('namespace', this.namespace === undefined ? 'the chart has no namespace; expected a chart with a namespace (the alerts are scoped to it)' : undefined);
    problems.throwIfAny();

    this.resource = new PrometheusRule(this, 'Resource', {
      metadata: { name: ruleName, labels: this.objectLabels() },
      // The alerts are read at synth, after every monitor(...) call.
      spec: Lazy.any({ produce: (): PrometheusRuleSpec => ({ groups: this.ruleGroups() }) }),
    });
  }

  /**
   * Scrape `workload` and include it in the alerts:
   * - DaprWorker: a PodMonitor of the sidecar's `dapr-metrics`, and a ServiceMonitor of the
   *   app's metrics port (when it has one);
   * - FteSandbox / SandboxPool: a PodMonitor of the agent's metrics port (with `port`),
   *   and for a pool the warm-pool and claim-latency alerts.
   * The workload's allowlist is opened to Prometheus on the scraped ports.
   */
  public monitor(workload: IWorkload, options: MonitorOptions = {}): WorkloadMonitors {
    const where = `monitor(${describeValue(workload?.workloadName)})`;
    const fail = (field: string, problem: string): never => {
      throw constructError(this, 'FteMonitoring', `${where}${field}`, problem);
    };
    if (!(workload instanceof Workload)) fail('', `${describeValue(workload?.workloadName ?? workload)} is not a DaprWorker, FteSandbox or SandboxPool; expected one of them`);
    if (this.monitored.has(workload)) fail('', 'is already monitored; expected one call per workload');
    if (workload.namespace !== this.namespace) fail('', `${workload.workloadName} runs in namespace ${describeValue(workload.namespace)}, not ${describeValue(this.namespace)}; expected an FteMonitoring per namespace`);
    const path = options.path ?? '/metrics';
    const problems = ProblemCollector.forConstruct(this, 'FteMonitoring');
    problems.add(`${where}.path`, /^\/[A-Za-z0-9._~/-]*$/.test(path) ? undefined : `${describeValue(path)} is not a URL path; expected e.g. "/metrics"`);
    problems.add(`${where}.port`, options.port === undefined ? undefined : checkPortName(options.port));
    problems.throwIfAny();
    this.monitored.add(workload);

    // What to scrape is the workload's own decision; this construct renders it.
    const target = workload as Workload;
    const plan = target.scrapePlan({ port: options.port, portNumber: options.portNumber, path });
    if (plan.poolAlerts) this.pools.push(target);
    if (plan.problem) fail(plan.problem[0], plan.problem[1]);
    for (const t of plan.targets) claimName(this, 'FteMonitoring', where, t.kind, t.name);
    if (plan.ports.length) target.network.allowFrom(Peer.namespace(this.prometheusNamespace), ...plan.ports.map((p) => Port.tcp(p)));
    return this._toKube(plan.targets);
  }

  /** The monitors of one workload. */
  private _toKube(targets: readonly ScrapeTarget[]): WorkloadMonitors {
    const monitors: { podMonitor?: PodMonitor; serviceMonitor?: ServiceMonitor } = {};
    for (const t of targets) {
      const metadata = { name: t.name, labels: this.objectLabels() };
      if (t.kind === 'PodMonitor') {
        monitors.podMonitor = new PodMonitor(this, t.id, {
          metadata,
          spec: { selector: { matchLabels: { ...t.selector } }, podMetricsEndpoints: [{ port: t.port, path: t.path, interval: this.interval }] },
        });
      } else {
        monitors.serviceMonitor = new ServiceMonitor(this, t.id, {
          metadata,
          spec: { selector: { matchLabels: { ...t.selector } }, endpoints: [{ port: t.port, path: t.path, interval: this.interval }] },
        });
      }
    }
    return monitors;
  }

  private objectLabels(): Record<string, string> {
    return { ...this.selectionLabels, [APP_PART_OF_LABEL]: FTEKIT };
  }

  private ruleGroups(): PrometheusRuleSpecGroups[] {
    const ns = this.namespace as string;
    const sel = `namespace="${ns}"`;
    const pods: Rule[] = [
      {
        alert: 'FtePodNotReady',
        expr: `max by (namespace, pod) (kube_pod_status_ready{${sel}, condition="false"}) == 1`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: 'FTE pod not ready',
        description: 'Pod {{ $labels.pod }} in {{ $labels.namespace }} has not been ready for 10 minutes.',
      },
      {
        alert: 'FteContainerRestartLoop',
        expr: `increase(kube_pod_container_status_restarts_total{${sel}}[15m]) > 3`,
        for: '0m',
        severity: AlertSeverity.WARNING,
        summary: 'FTE container restarting repeatedly',
        description: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted more than 3 times in 15 minutes.',
      },
      {
        alert: 'FteContainerOOMKilled',
        expr: `(max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${sel}, reason="OOMKilled"}) == 1) and on (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${sel}}[10m]) > 0)`,
        for: '0m',
        severity: AlertSeverity.WARNING,
        summary: 'FTE container killed for memory',
        description: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was OOM-killed; raise its memory limit or find the leak.',
      },
      {
        alert: 'FteCpuThrottled',
        expr: `sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{${sel}, container!=""}[5m])) / sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{${sel}, container!=""}[5m])) > 0.25`,
        for: '15m',
        severity: AlertSeverity.WARNING,
        summary: 'FTE container CPU-throttled',
        description: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was throttled in more than 25% of CPU periods for 15 minutes.',
      },
    ];
    const sandboxes: Rule[] = this.pools.flatMap((pool) => [
      {
        alert: 'FteWarmPoolEmpty',
        // agent_sandboxes only has series for sandboxes that exist, so `or vector(0)` makes
        // an empty pool count as zero instead of silence.
        expr: `(sum(agent_sandboxes{${sel}, sandbox_template="${pool.workloadName}", launch_type="warm", owned_by="SandboxWarmPool", ready_condition="true"}) or vector(0)) == 0`,
        for: '5m',
        severity: AlertSeverity.CRITICAL,
        summary: `Warm pool ${pool.workloadName} has no ready sandbox`,
        description: `Warm pool ${ns}/${pool.workloadName} has had no ready sandbox for 5 minutes: claims start cold or wait.`,
      },
      {
        alert: 'FteClaimStartupSlow',
        // The controller's histogram has no namespace label; the template name selects the pool.
        expr: `histogram_quantile(0.99, sum by (le, sandbox_template) (rate(agent_sandbox_claim_controller_startup_latency_ms_bucket{sandbox_template="${pool.workloadName}"}[10m]))) > ${this.latencyMs}`,
        for: '10m',
        severity: AlertSeverity.WARNING,
        summary: `Sandbox claims on ${pool.workloadName} start slowly`,
        description: `p99 claim start-up latency of pool ${pool.workloadName} has been above ${this.latencyMs} ms for 10 minutes.`,
      },
    ]);
    const group = (name: string, rules: Rule[]): PrometheusRuleSpecGroups => ({
      name,
      rules: rules.map((r) => ({
        alert: r.alert,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
        for: r.for,
        labels: { severity: r.severity },
        annotations: { summary: r.summary, description: r.description },
      })),
    });
    return [group(`ftekit-pods-${ns}`, pods), ...(sandboxes.length ? [group(`ftekit-sandboxes-${ns}`, sandboxes)] : [])];
  }
}
