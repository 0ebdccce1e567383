/**
 * Which `producer_name` each framework's exporter writes, to check a zoo file against the framework
 * the zoo's README names. Known values: CNTK writes `CNTK`; Caffe2 graphs converted by onnx-caffe2
 * carry `onnx-caffe2`; torch.onnx writes `pytorch`; tf2onnx writes `tf2onnx` (keras2onnx `keras2onnx`).
 * MXNet's exporters (`mxnet.contrib.onnx` and `mxnet.onnx` `export_model`) call
 * `onnx.helper.make_model(graph)` without a producer, so MXNet files usually carry none: an empty
 * producer_name is accepted for mxnet as "unconfirmed", and said so, not as a match.
 */
export const FRAMEWORK_PRODUCERS: Readonly<Record<string, readonly string[]>> = {
  cntk: ['CNTK'],
  caffe2: ['onnx-caffe2'],
  pytorch: ['pytorch'],
  mxnet: ['MXNet', 'mxnet'],
  tensorflow: ['tf2onnx', 'keras2onnx'],
  keras: ['keras2onnx', 'tf2onnx'],
  'scikit-learn': ['skl2onnx'],
  paddlepaddle: ['PaddlePaddle', 'paddle2onnx'],
};

/** Frameworks whose exporter writes no producer_name at all. */
const SILENT_EXPORTERS = new Set(['mxnet']);

export interface ProducerCheck {
  /** match: producer is one the framework writes; unconfirmed: the file names none (and the exporter
   * is known to write none) or the framework is not known; mismatch: anything else. */
  verdict: 'match' | 'unconfirmed' | 'mismatch';
  /** What a manifest should expect: the file's own value unless it is a mismatch. */
  expectedProducer: string;
  /** One line for the user and the manifest notes (absent on a match). */
  message?: string;
}

export function checkProducer(framework: string | undefined, producerName: string): ProducerCheck {
  const shown = producerName ? `'${producerName}'` : 'empty';
  if (!framework) {
    return {
      verdict: 'unconfirmed',
      expectedProducer: producerName,
      message: `framework not given by the zoo index; producer_name is ${shown}`,
    };
  }
  const accepted = FRAMEWORK_PRODUCERS[framework];
  if (!accepted) {
    return {
      verdict: 'unconfirmed',
      expectedProducer: producerName,
      message: `no known producer_name for framework '${framework}'; the file's is ${shown}`,
    };
  }
  if (accepted.includes(producerName)) return { verdict: 'match', expectedProducer: producerName };
  if (producerName === '' && SILENT_EXPORTERS.has(framework)) {
    return {
      verdict: 'unconfirmed',
      expectedProducer: '',
      message: `producer_name is empty, as ${framework}'s exporter leaves it: the file cannot confirm the zoo's '${framework}' label`,
    };
  }
  return {
    verdict: 'mismatch',
    expectedProducer: accepted[0]!,
    message: `producer_name is ${shown}, but ${framework} exports carry ${accepted.map((a) => `'${a}'`).join(' or ')}: the zoo's '${framework}' label is not confirmed by the file`,
  };
}

/** The framework a producer_name points to (for hub-index entries, which name none). */
export function frameworkFromProducer(producerName: string): string | undefined {
  for (const [fw, names] of Object.entries(FRAMEWORK_PRODUCERS)) if (names.includes(producerName)) return fw;
  return undefined;
}
