/**
 * The one failure classifier: from a result's status and reason (onnxruntime's own message, the
 * comparison's summary, the worker's exit), name the cause and the fix a user can act on.
 * `verify`, `bench`, `evidence show` and `path` all use it, so one failure reads the same everywhere.
 */
export type FailureKind =
  | 'missing-kernel'
  | 'opset'
  | 'dtype'
  | 'ir-version'
  | 'unsupported-op'
  | 'external-data'
  | 'invalid-model'
  | 'tolerance'
  | 'shape'
  | 'timeout'
  | 'crash'
  | 'memory'
  | 'backend-unavailable'
  | 'other';

export interface FailureCause {
  kind: FailureKind;
  /** What went wrong, in a line (the runtime's words where they are clear). */
  detail: string;
  /** What the user can do about it. */
  fix?: string;
}

const short = (s: string, n = 200) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
};

/** Kernels onnxruntime keeps start at these opsets (the versions an old export must be re-exported at, at least). */
const FIRST_KERNEL_OPSET: Record<string, number> = {
  Add: 7,
  Sub: 7,
  Mul: 7,
  Div: 7,
  Pow: 7,
  AveragePool: 7,
  MaxPool: 8,
  BatchNormalization: 7,
  PRelu: 7,
  Gemm: 7,
  Dropout: 7,
  Upsample: 7,
  Concat: 4,
  Reshape: 5,
  Softmax: 1,
  Relu: 6,
  Sum: 6,
};

/**
 * Drop onnxruntime's source location prefix ("/onnxruntime_src/.../model.cc:191 onnxruntime::Model::Model(...)";
 * onnxruntime-web's builds name their build folder: "/mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/...cc:254 bool ...").
 */
export function stripSourceLocation(reason: string): string {
  return reason
    .replace(/\/?onnxruntime_src\/\S+:\d+\s+(?:[\w:~<>]+\([^)]*\)(?:\s*const)?\s+)?/g, '')
    .replace(
      /\/\S*\/onnxruntime\/(?:core|contrib_ops)\/\S+\.(?:cc|h|cpp):\d+\s+(?:[\w:~<>*& ]+?\([^)]*\)(?:\s*const)?\s+)?/g,
      '',
    )
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/g, '');
}

export function classifyFailure(reason: string, status?: string): FailureCause {
  const text = stripSourceLocation(reason);
  let m = /Could not find an implementation for (\w+)\((\d+)\)/.exec(text);
  if (m) {
    const at = FIRST_KERNEL_OPSET[m[1]!] ?? 7;
    const opset = Number(m[2]);
    // Below the first opset onnxruntime keeps a kernel for, the opset is the cause; at or above it, the
    // node's input types (Max on int16) or an opset newer than the runtime's kernels are.
    if (opset < at)
      return {
        kind: 'missing-kernel',
        detail: `no kernel for ${m[1]} at opset ${m[2]}`,
        fix: `re-export with opset >= ${at} (onnxruntime keeps no kernel this old), or convert with onnx.version_converter`,
      };
    return {
      kind: 'missing-kernel',
      detail: `no kernel for ${m[1]} at opset ${m[2]} with this node's input types`,
      fix: `onnxruntime's OperatorKernels.md lists the opsets and types each execution provider has: cast the inputs to one it has, or run on a backend that has it`,
    };
  }
  m = /Provider type for (\w+) node with name '[^']*' is not set/.exec(text);
  if (m)
    return {
      kind: 'missing-kernel',
      detail: `no execution provider of this runtime has a kernel for this ${m[1]} node (its opset and input types)`,
      fix: `onnxruntime's OperatorKernels.md lists the opsets and types each execution provider has: cast the inputs, or run on a backend that has it`,
    };
  if (/Missing opset in the model/.test(text)) {
    return {
      kind: 'opset',
      detail: 'the model imports no operator set (pre-IR-3 export)',
      fix: 're-export with a current exporter (any opset >= 7)',
    };
  }
  if (/Unsupported model IR version|IR version .*(not supported|unsupported)/i.test(text)) {
    return {
      kind: 'ir-version',
      detail: short(text),
      fix: 'upgrade onnxruntime, or re-export with an older IR version',
    };
  }
  if (/opset.*(not supported|unsupported)|Opset \d+ is under development/i.test(text)) {
    return {
      kind: 'opset',
      detail: short(text),
      fix: 'export at an opset this onnxruntime supports, or upgrade onnxruntime',
    };
  }
  m = /requires (f16|f64|i64|\w+) but the device does not support it/.exec(text);
  if (m) {
    const f16 = m[1] === 'f16';
    return {
      kind: 'dtype',
      detail: `${m[1]} not supported by this adapter${f16 ? ' (no shader-f16)' : ''}`,
      fix: f16 ? 'convert the model to float32, or use a GPU with shader-f16' : `convert the model away from ${m[1]}`,
    };
  }
  if (/external data|external_data|\.onnx\.data|location .* (not found|outside)/i.test(text)) {
    return {
      kind: 'external-data',
      detail: short(text),
      fix: 'keep the external data file beside the model, under its folder',
    };
  }
  if (/Unexpected input data type|type.*(mismatch|not supported)|tensor\(\w+\) .*not/i.test(text)) {
    return {
      kind: 'dtype',
      detail: short(text),
      fix: 'feed the dtype the model declares (onnx-workbench inspect shows it)',
    };
  }
  m = /(?:op|operator) ['"]?(\w+)['"]? is not supported|unsupported op(?:erator)?:? ['"]?(\w+)/i.exec(text);
  if (m)
    return {
      kind: 'unsupported-op',
      detail: `operator ${m[1] ?? m[2]} is not supported by this backend`,
      fix: 'run it on the cpu backend, or replace the operator in the export',
    };
  if (status === 'load-error' && /ShapeInferenceError/.test(text))
    return {
      kind: 'shape',
      detail: short(text),
      fix: "the runtime's shape inference rejects the model as it loads it (no input is involved yet): compare with the cpu backend; re-export, or report it to onnxruntime",
    };
  if (
    /shape|dims?\b.*(differ|mismatch)|rank/i.test(text) &&
    /mismatch|differ|expected/i.test(text) &&
    !/beyond atol/.test(text)
  ) {
    return {
      kind: 'shape',
      detail: short(text),
      fix: 'check --dim values and the reference data belong to this model',
    };
  }
  if (status === 'mismatch' || /beyond atol|elements beyond|differ/.test(text)) {
    return {
      kind: 'tolerance',
      detail: short(text, 160),
      fix: 'find the first divergent node: onnx-workbench bisect <model> --backend <id>',
    };
  }
  if (status === 'timeout' || /no answer .* within|timed out/i.test(text)) {
    return { kind: 'timeout', detail: short(text), fix: 'raise --timeout, or use a smaller model on this backend' };
  }
  if (
    /address space|out of memory|ENOMEM|std::bad_alloc|Cannot allocate|RangeError: Array buffer allocation/i.test(text)
  ) {
    return { kind: 'memory', detail: short(text), fix: 'free memory, or run fewer models at once' };
  }
  if (
    /killed by|exited with code|native crash|SIGSEGV|SIGABRT|Target (page|closed)|browser has been closed/i.test(text)
  ) {
    return {
      kind: 'crash',
      detail: short(text),
      fix: 'rerun alone; if it repeats, report it to onnxruntime with the model',
    };
  }
  if (/INVALID_PROTOBUF|INVALID_GRAPH|not a valid ONNX|failed to parse|Protobuf parsing failed/i.test(text)) {
    return {
      kind: 'invalid-model',
      detail: short(text),
      fix: 'check the file with onnx-workbench inspect; re-export it',
    };
  }
  return { kind: 'other', detail: short(text, 240) };
}

/** One line: the cause and, when there is one, the fix. */
export function causeLine(c: FailureCause): string {
  return c.fix ? `${c.detail}: ${c.fix}` : c.detail;
}

/**
 * The cause of a non-pass in a line. `recorded`: the manifest's recorded cause when the result was
 * expected (summaries); otherwise the classifier's short cause and fix (tables, one-line listings).
 */
export function resultCause(
  r: {
    model: string;
    backend: string;
    status: string;
    meetsExpectation: boolean;
    reason?: string;
    expectedReason?: string;
  },
  recorded = false,
): string {
  return causeText(r, recorded).replace('bisect <model> --backend <id>', `bisect ${r.model} --backend ${r.backend}`);
}

function causeText(
  r: { status: string; meetsExpectation: boolean; reason?: string; expectedReason?: string },
  recorded: boolean,
): string {
  if (r.status === 'pass') return '';
  if (recorded && r.meetsExpectation && r.expectedReason) {
    const fix = r.status === 'no-reference' ? undefined : classifyFailure(r.reason ?? r.status, r.status).fix;
    return `${r.expectedReason}${fix ? ` (fix: ${fix})` : ''}`;
  }
  if (r.status === 'no-reference') return 'outputs unchecked (no reference)';
  return causeLine(classifyFailure(r.reason ?? r.status, r.status));
}
