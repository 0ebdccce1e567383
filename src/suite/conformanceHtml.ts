/** The report's Conformance section: the suite view (counts per backend, the gaps against cpu) as HTML. */
import type { Conformance } from './conformance.js';
import { STATUSES } from '../models/statuses.js';
import type { SuiteSkippedFolder } from '../evidence/store.js';

type Esc = (v: unknown) => string;

export function conformanceSection(c: Conformance | undefined, esc: Esc, skipped: SuiteSkippedFolder[] = []): string {
  if (!c || c.backends.length === 0) {
    return '<p class="note">No suite results in the evidence (run <code>onnx-workbench conformance &lt;root&gt; --backend ...</code>, e.g. on /usr/share/libonnx-testdata/data/node).</p>';
  }
  const cols = STATUSES.filter((s) => c.backends.some((b) => b.counts[s]));
  const head = `<tr><th>backend</th><th>adapter</th><th>cases</th>${cols.map((s) => `<th>${esc(s)}</th>`).join('')}</tr>`;
  const rows = c.backends
    .map(
      (b) =>
        `<tr><td>${esc(b.backend)}</td><td>${esc(b.adapter)}</td><td class="num">${b.cases}</td>${cols.map((s) => `<td class="num">${b.counts[s] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('');
  const gaps = c.gaps
    .map((g) => {
      const ops = g.ops.length
        ? `<p>Ops (failing / passing on cpu): ${g.ops.map((o) => `${esc(o.op)} ${o.failing}/${o.passingOnCpu}`).join(', ')}</p>`
        : '';
      const list = g.cases.length
        ? `<table><thead><tr><th>case</th><th>status</th><th>reason</th></tr></thead><tbody>${g.cases.map((k) => `<tr><td>${esc(k.id)}</td><td>${esc(k.status)}</td><td>${esc(k.reason.slice(0, 300))}</td></tr>`).join('')}</tbody></table>`
        : '';
      return `<details><summary>${g.cases.length} cases pass on cpu and not on ${esc(g.backend)}</summary>${ops}${list}</details>`;
    })
    .join('');
  const notRun = skipped.length
    ? `<details><summary>${skipped.length} folder${skipped.length === 1 ? '' : 's'} skipped: they look like cases but could not run</summary><table><thead><tr><th>suite</th><th>folder</th><th>reason</th></tr></thead><tbody>${skipped.map((s) => `<tr><td>${esc(s.suite)}</td><td>${esc(s.id)}</td><td>${esc(s.reason.slice(0, 300))}</td></tr>`).join('')}</tbody></table></details>`
    : '';
  return `<p class="note">Every case of the test suites run (latest result per backend and case). <code>nondeterministic</code>: random ops checked for shape, type and value set, not element by element; <code>unsupported</code>: a type the runtime's JavaScript API cannot pass.</p>
<table id="conformance"><thead>${head}</thead><tbody>${rows}</tbody></table>${gaps}${notRun}`;
}
