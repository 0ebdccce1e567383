/**
 * Which execution provider runs which node, read from onnxruntime's own verbose session log
 * ("Node placements" in session_state.cc), captured from the backend worker's stderr
 * (onnxruntime-node, onnxruntime-web in Node) or from the browser page's console.
 */
export interface PlacementGroup {
  executionProvider: string;
  nodes: number;
  /** Op types (and node names) placed on this provider, when onnxruntime lists them. */
  ops: string[];
}

export interface Placement {
  groups: PlacementGroup[];
  /** True when every node ran on one provider. */
  allOnOne: boolean;
}

/** The onnxruntime function (session_state.cc) whose log lines carry the placements: the lines to keep. */
export const PLACEMENT_LOG_MARK = 'VerifyEachNodeIsAssignedToAnEp';

const HEADER = /Node placements/;
const ALL = /All nodes placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const SOME = /Node\(s\) placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const SEVERITY = /\[([VIWEF]):onnxruntime/;
const LOG_PREFIX = /^.*?VerifyEachNodeIsAssignedToAnEp\]\s?/;

/** Parse the last "Node placements" block of a log (the main graph's session). */
export function parsePlacement(log: string): Placement | undefined {
  const lines = log.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (HEADER.test(lines[i]!)) {
      start = i;
      break;
    }
  if (start < 0) return undefined;
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
  return groups.length ? { groups, allOnOne: groups.length === 1 } : undefined;
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
