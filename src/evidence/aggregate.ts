/**
 * What the evidence says per framework: which exports verified (models, backends, reference kinds),
 * which load but mismatch, which fail on today's runtimes. Input: evidence records from any machine.
 * Only the latest result per model file (sha256) and backend counts, latest in write order
 * (`recordTime`: a record's own date never alone), so a later real result is never hidden by an
 * earlier record, whatever date that record claims.
 */
import { recordTime, type EvidenceRecord } from './store.js';
import type { ModelResult } from '../verify/verify.js';

export interface ExportEvidence {
  framework: string;
  /** Distinct models (by sha256) with at least one result. */
  models: number;
  /** Models that passed against a real reference (exporter, onnx-reference, onnxruntime or user data) on some backend. */
  verified: string[];
  /** Models that pass only against the cpu backend (no reference of their own). */
  consistentOnly: string[];
  mismatched: string[];
  failedToLoad: string[];
  failedToRun: string[];
  /** Backends on which at least one model passed, with the adapter kind (software WebGPU kept apart). */
  backends: string[];
  referenceKinds: string[];
  producers: string[];
  /** Evidence records these results came from. */
  records: string[];
  /** A few of onnxruntime's load-failure reasons, for the report. */
  loadFailureReasons: string[];
}

/** Map a producer_name to a framework id for results without a manifest (user models). */
export type ProducerMap = (producerName: string) => string | undefined;

function frameworkOf(r: ModelResult, producers: ProducerMap): string | undefined {
  return r.framework ?? producers(r.producerName);
}

export function aggregateEvidence(
  records: EvidenceRecord[],
  producers: ProducerMap = () => undefined,
): Map<string, ExportEvidence> {
  const out = new Map<string, ExportEvidence>();
  const sets = new Map<string, Record<string, Set<string>>>();
  const keys = [
    'models',
    'verified',
    'consistentOnly',
    'mismatched',
    'failedToLoad',
    'failedToRun',
    'backends',
    'referenceKinds',
    'producers',
    'records',
    'loadFailureReasons',
  ] as const;
  const latest = new Map<string, { r: ModelResult; record: EvidenceRecord }>();
  const ordered = [...records].sort((a, b) => recordTime(a) - recordTime(b));
  for (const record of ordered)
    for (const r of record.results) latest.set(`${r.model}\u0000${r.sha256}\u0000${r.backend}`, { r, record });
  for (const { r, record } of latest.values()) {
    {
      const fw = frameworkOf(r, producers);
      if (!fw) continue;
      let s = sets.get(fw);
      if (!s) {
        s = Object.fromEntries(keys.map((k) => [k, new Set<string>()]));
        sets.set(fw, s);
      }
      const label = r.model;
      s.models!.add(r.sha256);
      s.records!.add(record.id);
      if (r.producerName) s.producers!.add(r.producerName);
      const realReference = r.referenceKind !== 'none' && r.referenceKind !== 'cpu-backend';
      if (r.status === 'pass') {
        (realReference ? s.verified! : s.consistentOnly!).add(label);
        s.backends!.add(r.adapter.kind === 'software' ? `${r.backend} (software)` : r.backend);
        if (realReference) s.referenceKinds!.add(r.referenceKind);
      } else if (r.status === 'mismatch') s.mismatched!.add(label);
      else if (r.status === 'load-error') {
        s.failedToLoad!.add(label);
        if (r.reason && s.loadFailureReasons!.size < 5)
          s.loadFailureReasons!.add(r.reason.replace(/^.*?refuses this export: /, '').slice(0, 160));
      } else if (r.status === 'run-error' || r.status === 'timeout') s.failedToRun!.add(label);
    }
  }
  for (const [fw, s] of sets) {
    const verified = new Set(s.verified);
    // A model verified on one backend is not also counted as consistent-only.
    const consistentOnly = [...s.consistentOnly!].filter((m) => !verified.has(m));
    out.set(fw, {
      framework: fw,
      models: s.models!.size,
      verified: [...verified].sort(),
      consistentOnly: consistentOnly.sort(),
      mismatched: [...s.mismatched!].sort(),
      failedToLoad: [...s.failedToLoad!].sort(),
      failedToRun: [...s.failedToRun!].sort(),
      backends: [...s.backends!].sort(),
      referenceKinds: [...s.referenceKinds!].sort(),
      producers: [...s.producers!].sort(),
      records: [...s.records!].sort(),
      loadFailureReasons: [...s.loadFailureReasons!],
    });
  }
  return out;
}
