const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const re = new RegExp(process.argv[3]);
const nodes = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const counts = new Map(); for (const s of p.samples) counts.set(s, (counts.get(s) || 0) + 1);
// inclusive count per node
const incl = new Map();
for (const [id, c] of counts) { let cur = id; while (cur) { incl.set(cur, (incl.get(cur) || 0) + c); cur = parent.get(cur); } }
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/work\/main\//,'')}:${n.callFrame.lineNumber}`;
const stacks = new Map();
for (const n of p.nodes) if (re.test(name(n))) {
  const chain = []; let cur = parent.get(n.id); for (let i = 0; i < +(process.argv[4]||8) && cur; i++) { chain.push(name(nodes.get(cur))); cur = parent.get(cur); }
  const k = name(n) + '\n    <- ' + chain.join('\n    <- ');
  stacks.set(k, (stacks.get(k) || 0) + (incl.get(n.id) || 0));
}
const total = p.samples.length;
[...stacks].sort((a,b)=>b[1]-a[1]).slice(0, +(process.argv[5]||5)).forEach(([k,c]) => console.log((100*c/total).toFixed(1), k));
