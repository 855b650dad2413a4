// Inclusive (self + callees) sample counts per function name in a .cpuprofile, for reading where
// the gateway's time goes: `node bench/lib/profile-inclusive.mjs <file> [name ...]`.
import { readFileSync } from 'node:fs';

export function inclusiveTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map();
  let busy = 0;
  for (const id of profile.samples) {
    const leaf = byId.get(id).callFrame.functionName;
    if (leaf === '(idle)' || leaf === '(program)') continue;
    busy++;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      const name = `${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return { busy, counts: [...counts].sort((a, b) => b[1] - a[1]) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { busy, counts } = inclusiveTimes(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  const wanted = process.argv.slice(3);
  for (const [name, n] of counts) {
    if (wanted.length === 0 ? n / busy > 0.01 : wanted.some((w) => name.startsWith(`${w}:`))) console.log(`${((n / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
