/**
 * "Did you mean": the one matcher for names a user types, model ids (`squeezenet` -> the bundled ids
 * containing it) and framework names (`keras`, `tf` -> tensorflow; `torch` is Lua Torch, PyTorch is
 * offered). Every command that takes these names asks here, so a typo reads the same everywhere.
 */

/** Edit distance (insert, delete, substitute), stopping early past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_.-]+/g, '');

/**
 * Candidates close to `name`, best first: those containing it (on the whole id or its last `/` part,
 * ignoring case, `-`, `_` and `.`), else those within a small edit distance of it.
 */
export function closeMatches(name: string, candidates: readonly string[], max = 8): string[] {
  const n = norm(name.replace(/\/+$/, ''));
  if (!n) return [];
  const last = (c: string) => c.split('/').pop() ?? c;
  const containing = candidates.filter((c) => norm(c).includes(n) || norm(last(c)).includes(n));
  if (containing.length)
    return [...containing]
      .sort((a, b) => norm(last(a)).length - norm(last(b)).length || a.localeCompare(b))
      .slice(0, max);
  const limit = Math.max(1, Math.floor(n.length / 3));
  return candidates
    .map((c) => ({ c, d: Math.min(editDistance(n, norm(last(c)), limit), editDistance(n, norm(c), limit)) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((x) => x.c);
}

/** ` did you mean a, b or c?` (with how many more there are), or '' when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[], max = 6): string {
  const all = closeMatches(name, candidates, Number.MAX_SAFE_INTEGER);
  if (!all.length) return '';
  const shown = all.slice(0, max);
  const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
  return ` did you mean ${list}${all.length > max ? ` (${all.length - max} more)` : ''}?`;
}

/** Names people use for a framework the registry files under another id. */
const FRAMEWORK_ALIASES: Record<string, { id: string; why: string }> = {
  keras: { id: 'tensorflow', why: 'Keras models export to ONNX through tf2onnx, filed under tensorflow' },
  tfkeras: { id: 'tensorflow', why: 'Keras models export to ONNX through tf2onnx, filed under tensorflow' },
  tf: { id: 'tensorflow', why: 'tf is TensorFlow' },
  tf2: { id: 'tensorflow', why: 'TensorFlow 2 is filed under tensorflow' },
  tensorflow2: { id: 'tensorflow', why: 'TensorFlow 2 is filed under tensorflow' },
  tf2onnx: { id: 'tensorflow', why: "tf2onnx is TensorFlow's ONNX exporter" },
  pt: { id: 'pytorch', why: 'pt is PyTorch' },
  torchvision: { id: 'pytorch', why: 'torchvision models export through PyTorch' },
  mx: { id: 'mxnet', why: 'mx is MXNet' },
  gluon: { id: 'mxnet', why: 'Gluon is part of MXNet' },
  paddle: { id: 'paddlepaddle', why: 'Paddle is PaddlePaddle' },
  paddle2onnx: { id: 'paddlepaddle', why: "paddle2onnx is PaddlePaddle's ONNX exporter" },
  deeplearning4j: { id: 'dl4j', why: 'Deeplearning4j is filed as dl4j' },
  cognitivetoolkit: { id: 'cntk', why: 'the Microsoft Cognitive Toolkit is CNTK' },
  microsoftcognitivetoolkit: { id: 'cntk', why: 'the Microsoft Cognitive Toolkit is CNTK' },
  caffe2onnx: { id: 'caffe2', why: 'Caffe2 exports with caffe2.python.onnx' },
  lasagne: { id: 'theano', why: 'Lasagne runs on Theano' },
};

export interface FrameworkName {
  /** The registry id the name stands for, when it is one. */
  id?: string;
  /** A note to print when the name is valid but often meant as another framework (`torch`). */
  note?: string;
  /** When `id` is undefined: the one-line usage error, with what the user probably meant. */
  error?: string;
}

/**
 * Resolve a framework name against the registry's ids. An id (any case) is that framework; `torch` is
 * the article's Lua Torch, with a note offering PyTorch; a known alias (`keras`, `tf`) or a near miss is
 * an error naming the id to use.
 */
export function resolveFrameworkName(given: string, ids: readonly string[], flag = '--from'): FrameworkName {
  const lower = given.trim().toLowerCase();
  const exact = ids.find((id) => id.toLowerCase() === lower);
  if (exact === 'torch')
    return {
      id: exact,
      note: `${flag} torch is Lua Torch (the article's Torch, which has no ONNX exporter); for PyTorch use ${flag} pytorch`,
    };
  if (exact) return { id: exact };
  const alias = FRAMEWORK_ALIASES[norm(given)];
  const head = `${flag}: no framework '${given}' in the capability registry;`;
  if (alias && ids.includes(alias.id)) return { error: `${head} did you mean ${alias.id}? (${alias.why})` };
  const near = didYouMean(given, ids);
  return { error: `${head}${near || ` choose from ${ids.join(', ')}`}` };
}
