/**
 * `npm run diagram`: per stack, the workloads and the flows allowed between them (ftekit's
 * flow model, which the connectivity test proves against netpol-analyzer) as Graphviz DOT,
 * rendered to SVG and PNG under docs/diagrams/. Installs Graphviz from Debian (apt-get) when
 * `dot` is missing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { endpointId, environmentFlows, Flow, FlowEndpoint } from '../environment/flows';
import { EnvironmentSpec } from '../environment/spec';
import { loadAllStackSpecs } from '../environment/stack-files';

const quote = (s: string): string => JSON.stringify(s);

function nodeStyle(e: FlowEndpoint): string {
  switch (e.kind) {
    case 'workload':
      return e.role === 'pool' ? 'shape=box3d, style=filled, fillcolor="#dbeafe"' : e.role === 'dapr-worker' ? 'shape=component, style=filled, fillcolor="#dcfce7"' : 'shape=box, style="filled,rounded", fillcolor="#e0e7ff"';
    case 'peer':
      return 'shape=cylinder, style=dashed';
    case 'pods':
    case 'namespace':
      return 'shape=box, style=dotted';
    default:
      return 'shape=ellipse, style=filled, fillcolor="#fef3c7"';
  }
}

function label(e: FlowEndpoint): string {
  switch (e.kind) {
    case 'workload': return `${e.name}\\n(${e.role})`;
    case 'peer': return `${e.name}\\n(peer, not run by ftekit)`;
    case 'namespace': return `any pod in ${e.namespace}`;
    case 'entity': return 'Kubernetes API server\\n(Cilium entity)';
    default: return endpointId(e);
  }
}

/** Ports of a group of flows between the same two ends: `8080/TCP, 53/UDP`. */
const portsLabel = (flows: readonly Flow[]): string => flows.map((f) => `${f.port ?? 'any'}/${f.protocol}`).join(', ');

/**
 * The DOT source of an environment's flows: a cluster per namespace, one edge per pair of
 * ends labelled with every port allowed between them (DNS edges grey).
 */
export function flowDiagramDot(spec: EnvironmentSpec): string {
  const flows = environmentFlows(spec);
  const nodes = new Map<string, FlowEndpoint>();
  for (const f of flows) for (const e of [f.from, f.to]) nodes.set(endpointId(e), e);
  const byNamespace = new Map<string, string[]>();
  const outside: string[] = [];
  for (const [id, e] of nodes) {
    const ns = 'namespace' in e ? e.namespace : undefined;
    const line = `    ${quote(id)} [label=${quote(label(e)).replace(/\\\\n/g, '\\n')}, ${nodeStyle(e)}];`;
    if (ns === undefined) outside.push(line);
    else byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), line]);
  }
  const edges = new Map<string, Flow[]>();
  for (const f of flows) {
    const key = `${endpointId(f.from)}\u0000${endpointId(f.to)}`;
    edges.set(key, [...(edges.get(key) ?? []), f]);
  }
  const lines = [
    `digraph ${quote(`ftekit-${spec.name}`)} {`,
    '  rankdir=LR; node [fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];',
    `  label=${quote(`ftekit environment ${spec.name}: allowed flows (namespace ${spec.namespace} denies everything else)`)}; labelloc=t;`,
  ];
  [...byNamespace.keys()].sort().forEach((ns, i) => {
    lines.push(`  subgraph ${quote(`cluster_${i}`)} {`, `    label=${quote(`namespace ${ns}${ns === spec.namespace ? ' (default deny)' : ''}`)};`, ...byNamespace.get(ns)!, '  }');
  });
  lines.push(...outside.map((l) => l.slice(2)));
  for (const [key, group] of edges) {
    const [from, to] = key.split('\u0000');
    const dns = group.every((f) => f.reason === 'dns');
    lines.push(`  ${quote(from)} -> ${quote(to)} [label=${quote(portsLabel(group))}${dns ? ', color=gray70, fontcolor=gray50' : ''}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Graphviz's `dot`, installed from Debian if missing. */
function ensureDot(): void {
  try {
    execFileSync('dot', ['-V'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('diagram: Graphviz `dot` is missing; installing the Debian package graphviz\n');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'graphviz'], { stdio: 'inherit' });
  }
}

/** Writes docs/diagrams/<env>.dot, .svg and .png for every stack in `stacksDir`. */
export function renderDiagrams(stacksDir: string, outDir: string): string[] {
  ensureDot();
  fs.mkdirSync(outDir, { recursive: true });
  return loadAllStackSpecs(stacksDir).map((spec) => {
    const dot = path.join(outDir, `${spec.name}.dot`);
    fs.writeFileSync(dot, flowDiagramDot(spec));
    for (const format of ['svg', 'png']) execFileSync('dot', [`-T${format}`, dot, '-o', path.join(outDir, `${spec.name}.${format}`)]);
    return spec.name;
  });
}

if (require.main === module) {
  const root = path.resolve(__dirname, '../..');
  const names = renderDiagrams(path.join(root, 'stacks'), path.join(root, 'docs', 'diagrams'));
  process.stdout.write(`diagrams of ${names.join(', ')} in docs/diagrams/\n`);
}
