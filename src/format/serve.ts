/**
 * What `serve` prints: where the page is, what to do there, where the results go, and one line per
 * result posted back. Text from the browser (model ids, statuses) is untrusted: escaped.
 */
import { safeText, wrap } from './terminal.js';

export interface ServeBanner {
  url: string;
  models: number;
  evidenceDir: string;
  /** The report folder served at /report/, when it holds a report. */
  report?: string;
  width: number;
}

export function serveBanner(b: ServeBanner): string {
  const para = (text: string) => wrap(text, b.width, '  ').join('\n');
  return [
    `Runner page: ${b.url}/`,
    para(
      `Open it in a browser (Chromium or Chrome for WebGPU), choose models (${b.models} bundled and zoo models) and backends, and press Run.`,
    ),
    para(
      `Each result is posted back and stored as an evidence record in ${b.evidenceDir} (see them: onnx-workbench evidence list; onnx-workbench report).`,
    ),
    b.report
      ? para(`Report: ${b.url}/report/ (from ${b.report})`)
      : para('Report: none served yet (write one with onnx-workbench report; it appears at /report/).'),
    'Ctrl-C to stop.',
  ].join('\n');
}

export function receivedLine(file: string, r: { backend: string; model: string; status: string }): string {
  return `received ${safeText(r.backend)} ${safeText(r.model)}: ${safeText(r.status)} -> ${safeText(file)}`;
}
