import type { PathReport, PathStep } from '../path/path.js';
import { safeText, stdoutContext, wrap, type RenderContext } from './terminal.js';

const mark: Record<PathStep['status'], string> = { ok: 'ok  ', fail: 'FAIL', skipped: 'skip', warn: 'warn' };
const line = (s: PathStep) =>
  `  [${mark[s.status]}] ${s.step.padEnd(13)} ${safeText(s.detail)}${s.cause ? `  (cause: ${s.cause.kind}${s.cause.fix ? `; fix: ${safeText(s.cause.fix)}` : ''})` : ''}`;

export function renderPath(r: PathReport, ctx: RenderContext = stdoutContext()): string {
  const out = [
    `Prototype in ${safeText(r.from)}, deploy on ${r.to.join(', ')}: ${r.verdict.toUpperCase()}`,
    line(r.exporter),
    line(r.model),
  ];
  for (const b of r.backends) {
    out.push(`${b.backend}: ${b.verdict}${b.adapter ? `  [adapter ${safeText(b.adapter)}]` : ''}`);
    for (const s of b.steps) out.push(`  ${line(s)}`);
  }
  return out.flatMap((l) => wrap(l, ctx.width, ' '.repeat(Math.min(24, /^ */.exec(l)![0].length + 9)))).join('\n');
}
