/**
 * The line of a dead worker's stderr that says why it died. A native abort ends with a stack trace
 * ("----- Native stack trace -----", then frames like "13: 0x195e376  [/usr/bin/node]") after the
 * line that names the cause ("FATAL ERROR: v8::ArrayBuffer::New Allocation failed ..."): the last line
 * alone would be a frame. Colour codes and onnxruntime's routine warnings are dropped.
 */
const CAUSE = /FATAL ERROR|Fatal error|terminate called|Assertion .*failed|Segmentation fault|Aborted|^\w*Error\b/;
const NOISE = /^\s*\d+: 0x[0-9a-f]+|^-{3,}.*-{3,}$|^<-{3,}.*-{3,}>$|^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: |\[W:onnxruntime/;

export function crashLine(stderr: string): string | undefined {
  const lines = stderr
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !NOISE.test(l));
  // The tail may hold older output too: the latest cause wins.
  for (let i = lines.length - 1; i >= 0; i--) if (CAUSE.test(lines[i]!)) return lines[i];
  return lines[lines.length - 1];
}
