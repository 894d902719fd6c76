const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(p.nodes.map(n => [n.id, n]));
const self = new Map(); const total = p.samples.length;
const counts = new Map();
for (const s of p.samples) counts.set(s, (counts.get(s) || 0) + 1);
// self time by function
for (const [id, c] of counts) { const n = nodes.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/work\/main\//,'')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) || 0) + c); }
console.log('top self:'); [...self].sort((a,b)=>b[1]-a[1]).slice(0,25).forEach(([k,c])=>console.log((100*c/total).toFixed(1).padStart(5), k));
// inclusive by package
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const pkg = (u) => { const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(u); if (m) return m[1]; if (u.includes('/work/main/src/')) return 'src/' + u.split('/work/main/src/')[1].split('/')[0]; return u ? 'node:' + u.slice(0, 30) : '(native)'; };
const incl = new Map();
for (const [id, c] of counts) { const seen = new Set(); let cur = id; while (cur) { const n = nodes.get(cur); const k = pkg(n.callFrame.url); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) || 0) + c); } cur = parent.get(cur); } }
console.log('inclusive by package:'); [...incl].sort((a,b)=>b[1]-a[1]).slice(0,25).forEach(([k,c])=>console.log((100*c/total).toFixed(1).padStart(5), k));
const idleIds = new Set(p.nodes.filter(n => ['(idle)','(program)','(garbage collector)'].includes(n.callFrame.functionName)).map(n => n.id));
const busy = p.samples.filter(s => !idleIds.has(s)).length;
console.log('busy samples', busy, 'of', total);
const want = [...incl].filter(([k]) => /^src\/|prom|envelop|armor|jose|pg|pino|opentelemetry|graphql$|pothos|whatwg|yoga/.test(k)).sort((a,b)=>b[1]-a[1]);
want.forEach(([k,c])=>console.log((100*c/busy).toFixed(1).padStart(5), '% of busy', k));
