import type { PathReport, PathStep } from '../path/path.js';

const mark: Record<PathStep['status'], string> = { ok: 'ok  ', fail: 'FAIL', skipped: 'skip', warn: 'warn' };
const line = (s: PathStep) => `  [${mark[s.status]}] ${s.step.padEnd(13)} ${s.detail}${s.cause ? `  (cause: ${s.cause.kind})` : ''}`;

export function renderPath(r: PathReport): string {
  const out = [`Prototype in ${r.from}, deploy on ${r.to.join(', ')}: ${r.verdict.toUpperCase()}`, line(r.exporter), line(r.model)];
  for (const b of r.backends) {
    out.push(`${b.backend}: ${b.verdict}${b.adapter ? `  [adapter ${b.adapter}]` : ''}`);
    for (const s of b.steps) out.push(`  ${line(s)}`);
  }
  return out.join('\n');
}
