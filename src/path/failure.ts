/** Name the cause of a failed step from onnxruntime's own message: missing kernel, opset, dtype, ... */
export interface FailureCause {
  kind: 'missing-kernel' | 'opset' | 'dtype' | 'ir-version' | 'unsupported-op' | 'tolerance' | 'timeout' | 'crash' | 'other';
  detail: string;
}

export function classifyFailure(reason: string): FailureCause {
  let m = /Could not find an implementation for (\w+)\((\d+)\)/.exec(reason);
  if (m) return { kind: 'missing-kernel', detail: `onnxruntime has no kernel for ${m[1]} at opset version ${m[2]} (the export's opset is older than any kernel onnxruntime keeps)` };
  if (/Missing opset in the model|opset.*(not supported|unsupported)|Unsupported model IR version/i.test(reason)) {
    if (/IR version/i.test(reason)) return { kind: 'ir-version', detail: reason.slice(0, 200) };
    return { kind: 'opset', detail: /Missing opset/.test(reason) ? 'the model imports no operator set (pre-IR-3 export); onnxruntime refuses it' : reason.slice(0, 200) };
  }
  m = /requires (f16|\w+) but the device does not support it/.exec(reason);
  if (m) return { kind: 'dtype', detail: `the ${m[1]} type is not supported by this device (${reason.slice(0, 160)})` };
  if (/type.*(mismatch|not supported)|Unexpected input data type|tensor\(\w+\)/i.test(reason)) return { kind: 'dtype', detail: reason.slice(0, 200) };
  m = /(?:op|operator) ['"]?(\w+)['"]? is not supported|unsupported op(?:erator)?:? ['"]?(\w+)/i.exec(reason);
  if (m) return { kind: 'unsupported-op', detail: `operator ${m[1] ?? m[2]} is not supported here` };
  if (/beyond atol|elements beyond/.test(reason)) return { kind: 'tolerance', detail: reason.slice(0, 240) };
  if (/no answer .* within/.test(reason)) return { kind: 'timeout', detail: reason.slice(0, 200) };
  if (/killed by|exited with code|native crash/.test(reason)) return { kind: 'crash', detail: reason.slice(0, 200) };
  return { kind: 'other', detail: reason.slice(0, 240) };
}
