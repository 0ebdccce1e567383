/**
 * Exporter fingerprints: which framework and tool wrote an ONNX file, from what the file itself
 * says (producer_name/version, graph name, doc strings, model domain, metadata keys, opset domains).
 * A producer_name rule alone is not enough: MXNet writes none, paddle2onnx's C++ exporter writes
 * none, and community converters write their own. Pure: the rules come in as data (the capability
 * registry's `fingerprints`, each with its source), the model as its decoded summary.
 */
import type { ModelSummary } from './inspect.js';

export const SIGNAL_FIELDS = [
  'producer_name',
  'producer_version',
  'graph_name',
  'doc_string',
  'graph_doc_string',
  'domain',
  'metadata_key',
  'opset_domain',
] as const;
export type SignalField = (typeof SIGNAL_FIELDS)[number];
export const STRENGTHS = ['strong', 'medium', 'weak'] as const;
export type Strength = (typeof STRENGTHS)[number];
export const MATCHES = ['equals', 'prefix', 'contains', 'empty'] as const;
export type MatchKind = (typeof MATCHES)[number];

/** One thing an exporter is known to write. `source`: a URL, or `observed: <which files>`. */
export interface SignalRule {
  field: SignalField;
  match: MatchKind;
  value?: string;
  strength: Strength;
  source?: string;
}

export interface FingerprintRule {
  /** Framework id (the registry's for the article's 13; others such as `scikit-learn` are allowed). */
  framework: string;
  /** Display name where the framework is not one of the article's (e.g. `scikit-learn`). */
  frameworkName?: string;
  /** The exporting tool, e.g. `mx2onnx`, `paddle2onnx`, `htshinichi/caffe-onnx`. */
  tool: string;
  signals: SignalRule[];
  /** Where the exporter's version is written: `producer_version`, or `none` (it writes none). */
  version: 'producer_version' | 'none';
  /** A fact worth saying beside the attribution ("MXNet writes no producer_name"). */
  note?: string;
  /** URLs of the exporter code or docs the signals were read from; `unknown` when none was found. */
  sources: string[] | 'unknown';
}

/** The fields of a model a fingerprint looks at. */
export interface FingerprintInput {
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString: string;
  graphDocString: string;
  domain: string;
  metadata: Record<string, string>;
  opsets: { domain: string; version: number }[];
}

export interface MatchedSignal {
  field: SignalField;
  /** The value in the file ('' for an empty field). */
  value: string;
  strength: Strength;
  /** Human phrase: "graph name `mxnet_converted_model`". */
  describe: string;
  source?: string;
}

export type Confidence = 'high' | 'medium' | 'low' | 'none';

export interface Attribution {
  /** Framework id, or `unknown`. */
  framework: string;
  frameworkName?: string;
  tool: string;
  /** Exporter version from the file, or null (not written, or the exporter writes none). */
  version: string | null;
  signals: MatchedSignal[];
  confidence: Confidence;
  /** strong 3, medium 2, weak 1, summed over the matched signals. */
  score: number;
  note?: string;
  sources: string[] | 'unknown';
  /** Other rules that also matched, best first. */
  alternatives: { framework: string; tool: string; score: number }[];
  /** What the file says, for an unknown model and for the record. */
  seen: {
    producerName: string;
    producerVersion: string;
    graphName: string;
    domain: string;
    opsets: string[];
    metadataKeys: string[];
  };
}

const WEIGHT: Record<Strength, number> = { strong: 3, medium: 2, weak: 1 };

export function fingerprintInput(s: ModelSummary): FingerprintInput {
  return {
    producerName: s.producerName,
    producerVersion: s.producerVersion,
    graphName: s.graphName ?? '',
    docString: s.docString ?? '',
    graphDocString: s.graphDocString ?? '',
    domain: s.domain,
    metadata: s.metadata,
    opsets: s.opsets,
  };
}

const LABEL: Record<SignalField, string> = {
  producer_name: 'producer_name',
  producer_version: 'producer_version',
  graph_name: 'graph name',
  doc_string: 'doc_string',
  graph_doc_string: 'graph doc_string',
  domain: 'model domain',
  metadata_key: 'metadata key',
  opset_domain: 'opset domain',
};

/** The values of a field (several for metadata keys and opset domains). */
function values(input: FingerprintInput, field: SignalField): string[] {
  switch (field) {
    case 'producer_name':
      return [input.producerName];
    case 'producer_version':
      return [input.producerVersion];
    case 'graph_name':
      return [input.graphName];
    case 'doc_string':
      return [input.docString];
    case 'graph_doc_string':
      return [input.graphDocString];
    case 'domain':
      return [input.domain];
    case 'metadata_key':
      return Object.keys(input.metadata);
    case 'opset_domain':
      return input.opsets.map((o) => o.domain);
  }
}

function matchOne(rule: SignalRule, value: string): boolean {
  const want = rule.value ?? '';
  switch (rule.match) {
    case 'equals':
      return value === want;
    case 'prefix':
      return value.startsWith(want);
    case 'contains':
      return want !== '' && value.includes(want);
    case 'empty':
      return value === '';
  }
}

function matchSignal(rule: SignalRule, input: FingerprintInput): MatchedSignal | undefined {
  const vs = values(input, rule.field);
  const hit =
    rule.match === 'empty'
      ? vs.length === 0 || vs.every((v) => v === '')
        ? ''
        : undefined
      : vs.find((v) => matchOne(rule, v));
  if (hit === undefined) return undefined;
  const describe = rule.match === 'empty' ? `empty ${LABEL[rule.field]}` : `${LABEL[rule.field]} \`${hit}\``;
  return {
    field: rule.field,
    value: hit,
    strength: rule.strength,
    describe,
    ...(rule.source ? { source: rule.source } : {}),
  };
}

function confidenceOf(score: number): Confidence {
  if (score >= 5) return 'high';
  if (score >= 3) return 'medium';
  if (score >= 1) return 'low';
  return 'none';
}

/**
 * Decide the exporter: every rule whose matched signals include at least one that is not weak is a
 * candidate; the highest score wins (ties: the rule with more matched signals, then registry order).
 */
export function fingerprint(input: FingerprintInput, rules: readonly FingerprintRule[]): Attribution {
  const seen = {
    producerName: input.producerName,
    producerVersion: input.producerVersion,
    graphName: input.graphName,
    domain: input.domain,
    opsets: input.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`),
    metadataKeys: Object.keys(input.metadata).sort(),
  };
  const candidates = rules
    .map((rule, order) => {
      const signals = rule.signals.map((s) => matchSignal(s, input)).filter((s): s is MatchedSignal => s !== undefined);
      const score = signals.reduce((a, s) => a + WEIGHT[s.strength], 0);
      return { rule, order, signals, score, qualifies: signals.some((s) => s.strength !== 'weak') };
    })
    .filter((c) => c.qualifies)
    .sort((a, b) => b.score - a.score || b.signals.length - a.signals.length || a.order - b.order);
  const best = candidates[0];
  if (!best) {
    return {
      framework: 'unknown',
      tool: 'unknown',
      version: input.producerVersion || null,
      signals: [],
      confidence: 'none',
      score: 0,
      sources: 'unknown',
      alternatives: [],
      seen,
    };
  }
  const r = best.rule;
  return {
    framework: r.framework,
    ...(r.frameworkName ? { frameworkName: r.frameworkName } : {}),
    tool: r.tool,
    version: r.version === 'producer_version' ? input.producerVersion || null : null,
    signals: best.signals,
    confidence: confidenceOf(best.score),
    score: best.score,
    ...(r.note ? { note: r.note } : {}),
    sources: r.sources,
    alternatives: candidates
      .slice(1)
      .filter((c) => c.rule.framework !== r.framework || c.rule.tool !== r.tool)
      .map((c) => ({ framework: c.rule.framework, tool: c.rule.tool, score: c.score })),
    seen,
  };
}

/**
 * One line: "exporter: MXNet (mx2onnx), by graph name `mxnet_converted_model`, empty producer_name;
 * MXNet writes no producer_name (confidence medium)". `nameOf` maps a framework id to its name.
 */
export function describeAttribution(a: Attribution, nameOf: (id: string) => string = (id) => id): string {
  if (a.framework === 'unknown') {
    const fields = [
      `producer_name ${a.seen.producerName ? `\`${a.seen.producerName}\`` : '(empty)'}${a.seen.producerVersion ? ` ${a.seen.producerVersion}` : ''}`,
      `graph name ${a.seen.graphName ? `\`${a.seen.graphName}\`` : '(empty)'}`,
      ...(a.seen.domain ? [`domain \`${a.seen.domain}\``] : []),
      `opsets ${a.seen.opsets.join(', ') || '(none)'}`,
      ...(a.seen.metadataKeys.length ? [`metadata keys ${a.seen.metadataKeys.join(', ')}`] : []),
    ];
    return `exporter: unknown; no fingerprint in the registry matches (${fields.join('; ')})`;
  }
  const name = a.frameworkName ?? nameOf(a.framework);
  const by = a.signals.filter((s) => s.strength !== 'weak').map((s) => s.describe);
  const also = a.signals.filter((s) => s.strength === 'weak').map((s) => s.describe);
  const others = a.alternatives.filter((x) => x.framework !== a.framework);
  const alt = others.length
    ? `; also matches ${others.map((x) => `${nameOf(x.framework)} (${x.tool})`).join(', ')}`
    : '';
  return `exporter: ${name} (${a.tool})${a.version ? ` ${a.version}` : ''}, by ${by.join(' and ')}${also.length ? `, with ${also.join(', ')}` : ''}${a.note ? `; ${a.note}` : ''} (confidence ${a.confidence})${alt}`;
}
