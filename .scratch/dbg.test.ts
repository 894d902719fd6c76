import { test } from 'vitest';
import { multipartBody, startTestApp } from '../test/helpers/app.js';
import { jpeg } from '../test/helpers/images.js';
test('dbg', async () => {
  const t = await startTestApp({ WORKER_CONCURRENCY: '0' });
  const u = t.app.uploads as any;
  const admit = u.admit, release = u.release;
  const seen = new Set();
  u.admit = async (r: Request, f: any) => { seen.add(r); console.log('admit', r.url); return admit(r, f); };
  u.release = (r: Request) => { console.log('release', seen.has(r)); return release(r); };
  const photo = await jpeg();
  const body = multipartBody('mutation($input: GenerateImagesInput!){ startGeneration(input:$input){ __typename } }', { input: { productImages: [null] } }, [{ path: 'input.productImages.0', bytes: photo }]);
  const r = await t.app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${await t.token('x')}` }, body });
  console.log(r.status, await r.text(), t.app.uploads.stats());
  await t.close();
});
