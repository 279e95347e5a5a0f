/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. `npm run bench:asterisk -- --profile DIR`):
 * self time by package (an npm package, our `src/` files, node's internals, GC, idle) and the
 * functions with the most self time, and inclusive time of our own `src/` functions.
 *
 *   npx tsx bench/cpuProfile.ts FILE.cpuprofile [--top 30] [--skip 8]
 *
 * `--skip S` leaves out the first S seconds of samples (the engine's start-up: module loading,
 * logins), so the figures are those of the load alone.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, skip: { type: 'string', default: '0' } } });
if (positionals.length !== 1) throw new Error('usage: tsx bench/cpuProfile.ts FILE.cpuprofile [--top N] [--skip SECONDS]');
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const top = Number(values.top);
const skipUs = Number(values.skip) * 1e6;

/** `node_modules/ioredis/built/...` → ioredis; `/src/acd/x.ts` → src/acd; `node:net` → node:net. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1).split('/').slice(0, 2).join('/');
  if (url.startsWith('node:')) return url;
  return url;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
let elapsedUs = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  elapsedUs += us;
  if (elapsedUs > skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + us);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const busy = total - idle;

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const packages = new Map<string, number>();
const functions = new Map<string, number>();
const ownInclusive = new Map<string, number>();
const nameOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${packageOf(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') continue;
  add(packages, packageOf(node.callFrame.url, node.callFrame.functionName), us);
  add(functions, nameOf(node), us);
  // Inclusive time of our own functions: each src/ frame on the stack once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    if (!frame.callFrame.url.includes('/src/')) continue;
    const name = nameOf(frame);
    if (seen.has(name)) continue;
    add(ownInclusive, name, us);
    seen.add(name);
  }
}

const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled (percentages of busy time)`);
print('self time by package', packages);
print('self time by function', functions);
print('inclusive time of src/ functions', ownInclusive);
