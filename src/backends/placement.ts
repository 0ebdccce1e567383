/**
 * Which execution provider runs which node, read from onnxruntime's own verbose session log
 * ("Node placements" in session_state.cc), captured from the backend worker's stderr
 * (onnxruntime-node, onnxruntime-web in Node) or from the browser page's console; and what the
 * nodes off the target's execution provider mean: an int64 shape subgraph that onnxruntime keeps
 * on the CPU on purpose (fallback_cpu_capability.cc: normal), a compute node that fell back because
 * the EP has no kernel for it (a warning, with the runtime's reason), and the Memcpy nodes the
 * fallback costs (a host-device copy each, every run).
 *
 * No Node imports: the serve page loads this module too (served from dist/ at /lib/).
 */
export interface PlacementGroup {
  executionProvider: string;
  nodes: number;
  /** Op types (and node names) placed on this provider, when onnxruntime lists them. */
  ops: string[];
}

/** A node onnxruntime ran off the target's execution provider, and why. */
export interface OffEpNode {
  op: string;
  name: string;
  /** The runtime's words for why the EP did not take it (its GetCapability log line), when it logged one. */
  reason?: string;
}

/** The nodes off the target EP, told apart: normal shape work on the CPU vs compute that fell back. */
export interface PlacementAnalysis {
  /** The execution provider the backend targets (the non-CPU one that ran the most nodes). */
  executionProvider: string;
  /** Nodes it ran (Memcpy nodes not counted). */
  onEp: number;
  /** Int64 shape computation (Shape, Gather, Concat, ... on shapes) kept on the CPU on purpose: normal. */
  shapeOnCpu: { nodes: number; ops: string[] };
  /** Compute nodes that fell back to the CPU: the warning. */
  fallback: OffEpNode[];
  /** MemcpyFromHost/MemcpyToHost nodes: each a host-device copy on every run. */
  memcpy: number;
}

export interface Placement {
  groups: PlacementGroup[];
  /** True when every node ran on one provider. */
  allOnOne: boolean;
  /** Why a node was not taken by an EP, by node name (the EP's GetCapability log lines). */
  notTaken?: Record<string, string>;
  /** Nodes onnxruntime itself chose for the CPU as shape computation (fallback_cpu_capability.cc). */
  cpuPreferred?: string[];
  /** Shape subgraph vs fallback vs copies, when the placement is split and the graph is known. */
  analysis?: PlacementAnalysis;
  /** Where the log came from, when not from a runtime the workbench ran (serve: the posting page). */
  source?: string;
}

/** The onnxruntime function (session_state.cc) whose log lines carry the placements: the lines to keep. */
export const PLACEMENT_LOG_MARK = 'VerifyEachNodeIsAssignedToAnEp';
/** Lines that say why an EP did not take a node: the EPs' GetCapability and the CPU-preference pass. */
const CAPABILITY_MARKS = ['GetCapability]', 'fallback_cpu_capability.cc'];

/** Is this log line one placement needs (the placement block, or why a node went elsewhere)? */
export function isPlacementLogLine(line: string): boolean {
  return line.includes(PLACEMENT_LOG_MARK) || CAPABILITY_MARKS.some((m) => line.includes(m));
}

const HEADER = /Node placements/;
const ALL = /All nodes placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const SOME = /Node\(s\) placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const SEVERITY = /\[([VIWEF]):onnxruntime/;
const LOG_PREFIX = /^.*?VerifyEachNodeIsAssignedToAnEp\]\s?/;
/** e.g. "[I:onnxruntime:, js_execution_provider.cc:823 GetCapability] webgpu kernel not found in registries for Op type: GRU node name: /gru/GRU" */
const NOT_TAKEN = /GetCapability\]\s*(.*?)\s*node name:\s*(.*?)\s*$/;
/** e.g. "[I:onnxruntime:, fallback_cpu_capability.cc:89 operator()] Candidate for fallback CPU execution: /layer/Gather_2" */
const CPU_PREFERRED = /fallback_cpu_capability\.cc:\d+[^\]]*\]\s*Candidate for fallback CPU execution:\s*(.*?)\s*$/;

/** Parse the last "Node placements" block of a log (the main graph's session), with why nodes went elsewhere. */
export function parsePlacement(log: string): Placement | undefined {
  const lines = log.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (HEADER.test(lines[i]!)) {
      start = i;
      break;
    }
  if (start < 0) return undefined;
  const notTaken: Record<string, string> = Object.create(null) as Record<string, string>;
  const cpuPreferred = new Set<string>();
  for (const line of lines.slice(0, start)) {
    const n = NOT_TAKEN.exec(line);
    if (n && n[2]) notTaken[n[2]] = n[1]!;
    const c = CPU_PREFERRED.exec(line);
    if (c && c[1]) cpuPreferred.add(c[1]);
  }
  const extra = (p: Placement): Placement => ({
    ...p,
    ...(Object.keys(notTaken).length ? { notTaken: { ...notTaken } } : {}),
    ...(cpuPreferred.size ? { cpuPreferred: [...cpuPreferred] } : {}),
  });
  const groups: PlacementGroup[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes(PLACEMENT_LOG_MARK)) break;
    const body = line.replace(LOG_PREFIX, '');
    const all = ALL.exec(body);
    if (all) return { groups: [{ executionProvider: all[1]!, nodes: Number(all[2]), ops: [] }], allOnOne: true };
    const some = SOME.exec(body);
    if (some) {
      groups.push({ executionProvider: some[1]!, nodes: Number(some[2]), ops: [] });
      continue;
    }
    if (SEVERITY.exec(line)?.[1] !== 'V') continue; // e.g. the warning after a split block: "Some nodes were not assigned ..."
    const op = body.trim();
    if (op && groups.length) groups[groups.length - 1]!.ops.push(op);
  }
  return groups.length ? extra({ groups, allOnOne: groups.length === 1 }) : undefined;
}

/** The graph as placement classification needs it (structurally an onnx GraphProto). */
export interface PlacementGraph {
  node?: { opType?: string | null; name?: string | null; input?: string[] | null; output?: string[] | null }[] | null;
  initializer?: { name?: string | null }[] | null;
}

const CPU_EP = 'CPUExecutionProvider';
const SHAPE_SOURCES = new Set(['Shape', 'Size']);
const isMemcpy = (op: string) => op === 'MemcpyFromHost' || op === 'MemcpyToHost';

/** "GRU (/gru/GRU)" -> { op: 'GRU', name: '/gru/GRU' }. */
export function splitPlacedOp(entry: string): { op: string; name: string } {
  const m = /^(\S+)\s+\((.*)\)$/.exec(entry.trim());
  return m ? { op: m[1]!, name: m[2]! } : { op: entry.trim().split(' ')[0] ?? '', name: '' };
}

/**
 * Names of the nodes that compute on shapes only: fed (through any chain) by Shape/Size outputs and
 * constants, never by tensor data. This is the subgraph onnxruntime keeps on the CPU on purpose.
 */
export function shapeSubgraphNodes(graph: PlacementGraph): Set<string> {
  const constant = new Set((graph.initializer ?? []).map((t) => t.name ?? '').filter(Boolean));
  const shapeValues = new Set<string>();
  const names = new Set<string>();
  const nodes = graph.node ?? [];
  for (const n of nodes) if (n.opType === 'Constant') for (const o of n.output ?? []) constant.add(o);
  const done = new Set<object>();
  // Nodes are in topological order in a valid model; a few passes cover any that are not.
  for (let pass = 0, changed = true; changed && pass < 4; pass++) {
    changed = false;
    for (const n of nodes) {
      if (done.has(n)) continue;
      const op = n.opType ?? '';
      const inputs = (n.input ?? []).filter(Boolean);
      const isShape =
        SHAPE_SOURCES.has(op) ||
        (op !== 'Constant' &&
          inputs.some((x) => shapeValues.has(x)) &&
          inputs.every((x) => shapeValues.has(x) || constant.has(x)));
      if (!isShape) continue;
      done.add(n);
      changed = true;
      for (const o of n.output ?? []) shapeValues.add(o);
      if (n.name) names.add(n.name);
    }
  }
  return names;
}

/**
 * Tell the nodes off the target EP apart. A CPU node is shape work (normal) when onnxruntime chose
 * it for the CPU as such or the graph shows it computes on shapes only; any other CPU node is a
 * compute node that fell back. Undefined when every node ran on one provider.
 */
export function classifyPlacement(p: Placement, graph: PlacementGraph | undefined): PlacementAnalysis | undefined {
  if (p.allOnOne) return undefined;
  const targets = p.groups.filter((g) => g.executionProvider !== CPU_EP);
  if (targets.length === 0) return undefined;
  const target = targets.reduce((a, b) => (b.nodes > a.nodes ? b : a));
  const shapes = graph ? shapeSubgraphNodes(graph) : new Set<string>();
  const preferred = new Set(p.cpuPreferred ?? []);
  let memcpy = 0;
  let onEp = 0;
  for (const g of p.groups) {
    if (g.executionProvider === CPU_EP) continue;
    const copies = g.ops.filter((o) => isMemcpy(splitPlacedOp(o).op)).length;
    memcpy += copies;
    if (g === target) onEp = g.nodes - copies;
  }
  const shapeOps: string[] = [];
  let shapeNodes = 0;
  const fallback: OffEpNode[] = [];
  for (const g of p.groups.filter((x) => x.executionProvider === CPU_EP)) {
    for (const entry of g.ops) {
      const { op, name } = splitPlacedOp(entry);
      if (isMemcpy(op)) {
        memcpy++;
        continue;
      }
      if (preferred.has(name) || shapes.has(name)) {
        shapeNodes++;
        if (!shapeOps.includes(op)) shapeOps.push(op);
        continue;
      }
      const reason = p.notTaken?.[name];
      fallback.push({ op, name, ...(reason ? { reason } : {}) });
    }
    // A CPU group listed without its ops: its nodes cannot be told apart; count them as fallback.
    for (let i = g.ops.length; i < g.nodes; i++) fallback.push({ op: '?', name: '' });
  }
  return {
    executionProvider: target.executionProvider,
    onEp,
    shapeOnCpu: { nodes: shapeNodes, ops: shapeOps },
    fallback,
    memcpy,
  };
}

/** Parse a placement log and classify it against the model's graph (what verify and serve record). */
export function placementFromLog(log: string, graph: PlacementGraph | undefined): Placement | undefined {
  const p = parsePlacement(log);
  if (!p) return undefined;
  const analysis = classifyPlacement(p, graph);
  return analysis ? { ...p, analysis } : p;
}

/** "2 fallback (GRU), 4 Memcpy" / "none (28 shape nodes on CPU, normal)" / "none": the table's cell. */
export function offEpSummary(p: Placement | undefined): string {
  if (!p) return '-';
  const a = p.analysis;
  if (!a) return p.allOnOne ? 'none' : describePlacement(p);
  const ops = [...new Set(a.fallback.map((f) => f.op))];
  const parts: string[] = [];
  if (a.fallback.length) parts.push(`${a.fallback.length} fell back (${ops.slice(0, 4).join(', ')})`);
  if (a.memcpy) parts.push(`${a.memcpy} Memcpy`);
  const shape = a.shapeOnCpu.nodes ? `shape subgraph on CPU (normal): ${a.shapeOnCpu.nodes} nodes` : '';
  if (!parts.length) return shape ? `none; ${shape}` : 'none';
  return [...parts, ...(shape ? [shape] : [])].join(', ');
}

export function describePlacement(p: Placement | undefined): string {
  if (!p) return 'not reported by this runtime';
  return p.groups
    .map(
      (g) =>
        `${g.nodes} node(s) on ${g.executionProvider}${g.ops.length && !p.allOnOne ? ` (${[...new Set(g.ops.map((o) => o.split(' ')[0]))].slice(0, 8).join(', ')})` : ''}`,
    )
    .join('; ');
}
