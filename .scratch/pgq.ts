import pg from 'pg';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/prof_me', max: Number(process.env.MAX ?? 10) });
const user = (await pool.query('select id from public.profiles limit 1')).rows[0].id;
for (const named of [false, true]) {
  let n = 0; const end = Date.now() + 4000;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      await pool.query(named ? { name: 'ensure_profile', text: 'select public.ensure_profile($1) as v', values: [user] } : { text: 'select public.ensure_profile($1) as v', values: [user] });
      n++;
    }
  }));
  console.log(named ? 'named' : 'unnamed', Math.round(n / 4), 'q/s');
}
await pool.end();
