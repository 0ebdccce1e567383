/**
 * Help in workflow order with examples, the default view stated first, and serve's terminal output:
 * what a new user reads first, checked at 80 columns.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_ORDER, EXAMPLES, WORKFLOW, examplesText } from '../src/commands/help.js';
import { receivedLine, serveBanner } from '../src/format/serve.js';
import { runCli } from './helpers/cli.js';

const env = { COLUMNS: '80' };
const longest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('--help', () => {
  it('lists the commands in workflow order, then the workflow map and examples, within 80 columns', async () => {
    const r = await runCli(['--help'], { env });
    expect(r.code).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z]+) (?:\[|<|\s{2})/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(listed).toEqual(COMMAND_ORDER);
    expect(r.stdout).toMatch(
      /Workflow \(the commands above are in this order\):\n {2}1\. find a model +models, zoo, inspect/,
    );
    expect(r.stdout).toMatch(/Examples:\n[\s\S]*onnx-workbench verify cntk\/mnist-8/);
    expect(longest(r.stdout)).toBeLessThanOrEqual(80);
  });
  it('every main command ends its help with examples that fit 80 columns; scores, refresh and report state the default view first', async () => {
    for (const cmd of ['verify', 'bench', 'bisect', 'conformance', 'scores', 'refresh', 'report', 'serve']) {
      const r = await runCli([cmd, '--help'], { env });
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/\nExamples:\n/);
      expect(longest(r.stdout), cmd).toBeLessThanOrEqual(80);
      if (['scores', 'refresh', 'report'].includes(cmd)) expect(r.stdout.split('\n')[2], cmd).toMatch(/corrected view/);
    }
  });
  it('names only real commands in the workflow and the examples', () => {
    expect(new Set(COMMAND_ORDER).size).toBe(COMMAND_ORDER.length);
    expect(WORKFLOW.flatMap((s) => s.commands)).toEqual(COMMAND_ORDER);
    for (const [key, examples] of Object.entries(EXAMPLES)) {
      if (key) expect(COMMAND_ORDER).toContain(key);
      for (const [line] of examples) expect(COMMAND_ORDER, line).toContain(line.split(' ')[1]);
    }
  });
  it('aligns comments when every line fits, else puts each above its command', () => {
    expect(
      examplesText([
        ['a b', 'x'],
        ['a bcd', 'y'],
      ]),
    ).toBe('\nExamples:\n  a b    # x\n  a bcd  # y');
    const long = 'onnx-workbench '.padEnd(70, 'x');
    expect(examplesText([[long, 'what it does']])).toBe(`\nExamples:\n  # what it does\n  ${long}`);
  });
});

describe('serve output', () => {
  it('says where the page is, what to do, where results go, within the width', () => {
    const text = serveBanner({ url: 'http://127.0.0.1:8787', models: 140, evidenceDir: '/home/u/evidence', width: 60 });
    expect(text.split('\n')[0]).toBe('Runner page: http://127.0.0.1:8787/');
    expect(text).toMatch(/Open it in a browser/);
    expect(text).toMatch(/evidence record\s+in\s+\/home\/u\/evidence/);
    expect(text).toMatch(/Report: none served yet/);
    expect(text).toMatch(/Ctrl-C to stop\.$/);
    expect(longest(text)).toBeLessThanOrEqual(60);
    const served = serveBanner({ url: 'http://h:1', models: 1, evidenceDir: 'e', report: '/r', width: 80 });
    expect(served).toMatch(/Report: http:\/\/h:1\/report\/ \(from \/r\)/);
  });
  it('escapes what the browser posted in the line per result', () => {
    expect(receivedLine('ev/x.json', { backend: 'browser-wasm', model: 'm\x1b[2J', status: 'pass' })).toBe(
      'received browser-wasm m\\e[2J: pass -> ev/x.json',
    );
  });
});
