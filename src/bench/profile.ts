/**
 * onnxruntime's own profile (`enableProfiling`: a Chrome trace, one JSON array of events) summed per
 * node: which nodes the time went to. The trace covers every run of the session (first run, warm-up
 * and timed runs), so times are given per run: total over the number of `model_run` events.
 */

export interface ProfileNode {
  /** The node's name in the graph (onnxruntime's event name without `_kernel_time`). */
  node: string;
  op: string;
  /** Execution provider that ran it, e.g. CPUExecutionProvider. */
  provider: string;
  /** Mean microseconds per session run. */
  usPerRun: number;
  /** Share of all node time in the trace, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Session runs the trace covers (first run, warm-up and timed runs). */
  runs: number;
  /** Nodes that ran. */
  nodes: number;
  /** Node time per run, microseconds (all nodes). */
  nodeUsPerRun: number;
  /** The nodes with the most time, most first. */
  top: ProfileNode[];
  /** The trace file beside the evidence record, once written. */
  file?: string;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

/** Top `count` nodes by time from a trace's text; throws on text that is not an onnxruntime trace. */
export function summarizeProfile(text: string, count = 5): ProfileSummary {
  const events = JSON.parse(text) as unknown;
  if (!Array.isArray(events)) throw new Error('not an onnxruntime profile: expected a JSON array of trace events');
  let runs = 0;
  const byNode = new Map<string, { op: string; provider: string; us: number }>();
  for (const e of events as TraceEvent[]) {
    if (!e || typeof e !== 'object') continue;
    if (e.cat === 'Session' && e.name === 'model_run') runs++;
    if (e.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith('_kernel_time')) continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    const cur = byNode.get(node) ?? { op: e.args?.op_name ?? '?', provider: e.args?.provider ?? '?', us: 0 };
    cur.us += typeof e.dur === 'number' && e.dur > 0 ? e.dur : 0;
    byNode.set(node, cur);
  }
  const total = [...byNode.values()].reduce((a, n) => a + n.us, 0);
  const perRun = Math.max(1, runs);
  const top = [...byNode.entries()]
    .sort((a, b) => b[1].us - a[1].us || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([node, n]) => ({
      node,
      op: n.op,
      provider: n.provider,
      usPerRun: n.us / perRun,
      share: total > 0 ? n.us / total : 0,
    }));
  return { runs, nodes: byNode.size, nodeUsPerRun: total / perRun, top };
}

/** The folder beside an evidence record that holds its profiles: `<record>.profile/` (not a `.json`, so never read as a record). */
export function profileDirFor(recordPath: string): string {
  return `${recordPath.replace(/\.json$/, '')}.profile`;
}

/** A file name for one model and backend: the model id with anything but [A-Za-z0-9._-] as `_`. */
export function profileFileName(model: string, backend: string): string {
  return `${model.replace(/[^A-Za-z0-9._-]/g, '_')}.${backend}.json`;
}
