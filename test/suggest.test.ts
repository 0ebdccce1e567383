/**
 * "Did you mean" for model and framework names: the shared matcher (unit) and the commands that use
 * it (usage errors, exit 2, naming what was probably meant).
 */
import { describe, expect, it } from 'vitest';
import { closeMatches, didYouMean, editDistance, resolveFrameworkName } from '../src/util/suggest.js';
import { resolveTargets } from '../src/models/catalog.js';
import { runCli } from './helpers/cli.js';

const IDS = [
  'tensorflow',
  'pytorch',
  'mxnet',
  'cntk',
  'caffe2',
  'chainer',
  'caffe',
  'paddlepaddle',
  'bigdl',
  'theano',
  'torch',
  'dl4j',
  'neon',
];

describe('the matcher', () => {
  it('measures edit distance, stopping past the limit', () => {
    expect(editDistance('pytorc', 'pytorch')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abcdefgh', 2)).toBe(3);
  });
  it('prefers names containing the text, then near misses, and says nothing when nothing is close', () => {
    const models = ['caffe2/light-squeezenet', 'caffe2/squeezenet-fp16', 'cntk/mnist-8', 'pytorch/fresh-gru'];
    expect(closeMatches('squeezenet', models)).toEqual(['caffe2/squeezenet-fp16', 'caffe2/light-squeezenet']);
    expect(closeMatches('SqueezeNet', models)).toHaveLength(2);
    expect(closeMatches('mnist_8', models)).toEqual(['cntk/mnist-8']);
    expect(closeMatches('fresh-gur', models)).toEqual(['pytorch/fresh-gru']);
    expect(closeMatches('resnet', models)).toEqual([]);
    expect(didYouMean('resnet', models)).toBe('');
    expect(didYouMean('mnist', models)).toBe(' did you mean cntk/mnist-8?');
  });
  it('maps framework aliases to the registry id and says Lua Torch is not PyTorch', () => {
    expect(resolveFrameworkName('TensorFlow', IDS)).toEqual({ id: 'tensorflow' });
    expect(resolveFrameworkName('keras', IDS).error).toMatch(/no framework 'keras'.*did you mean tensorflow\? \(Keras/);
    expect(resolveFrameworkName('tf', IDS).error).toMatch(/did you mean tensorflow\?/);
    expect(resolveFrameworkName('pytorc', IDS).error).toMatch(/did you mean pytorch\?/);
    expect(resolveFrameworkName('zzz', IDS).error).toMatch(/choose from tensorflow, pytorch/);
    const torch = resolveFrameworkName('torch', IDS);
    expect(torch.id).toBe('torch');
    expect(torch.note).toMatch(/Lua Torch.*--from pytorch/);
  });
  it('is what model resolution says for a name that is no bundled id', () => {
    expect(() => resolveTargets(['squeezenet'])).toThrow(
      /^squeezenet: no bundled model of that name and no such file or directory; did you mean .*caffe2\/light-squeezenet/,
    );
  });
});

describe('commands', () => {
  it('verify, bench and bisect suggest bundled ids (exit 2)', async () => {
    for (const args of [
      ['verify', 'squeezenet'],
      ['bench', 'squeezenet'],
      ['bisect', 'squeezenet', '--backend', 'wasm'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/did you mean .*caffe2\/light-squeezenet/);
      expect(r.stdout).toBe('');
    }
  });
  it('path --from and frameworks suggest registry ids; torch gets a note offering PyTorch', async () => {
    const keras = await runCli(['path', '--from', 'keras']);
    expect(keras.code).toBe(2);
    expect(keras.stderr).toMatch(/--from: no framework 'keras'.*did you mean tensorflow\?/);
    const tf = await runCli(['frameworks', 'tf']);
    expect(tf.code).toBe(2);
    expect(tf.stderr).toMatch(/did you mean tensorflow\?/);
    const torch = await runCli(['frameworks', 'torch']);
    expect(torch.code).toBe(0);
    expect(torch.stderr).toMatch(/Lua Torch.*pytorch/);
    expect(torch.stdout).toMatch(/^Torch /m);
    expect(torch.stdout).not.toMatch(/^PyTorch /m);
  });
});
