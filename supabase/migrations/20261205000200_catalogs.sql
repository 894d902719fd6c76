-- Catalogues (issue 22): up to 50 products in one request. Each item is an ordinary generation (its
-- own row, job, debit and refund-exactly-once path: fail_generation); the catalogue row ties them
-- together. One reservation writes the catalogue, every item and every item's debit in one
-- transaction: all items or none. A cancelled catalogue cancels (and so refunds) what has not run.

create table public.catalogs (
  id uuid primary key,
  -- Creation order, unique: the seller's list pages by it.
  seq bigint generated always as identity unique,
  user_id uuid not null references public.profiles (id) on delete cascade,
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  request_hash text not null,
  item_count integer not null check (item_count between 1 and 50),
  cost integer not null check (cost >= 0),
  webhook_url text check (length(webhook_url) <= 2000),
  canceled_at timestamptz,
  -- Set once, by whoever settles the last item: the one catalog.finished webhook is queued then.
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, idempotency_key)
);
create index catalogs_by_user on public.catalogs (user_id, seq desc);

alter table public.generations
  add column catalog_id uuid references public.catalogs (id) on delete cascade,
  add column catalog_sku text check (length(catalog_sku) between 1 and 100),
  add column catalog_position integer check (catalog_position between 1 and 50),
  add check ((catalog_id is null) = (catalog_sku is null) and (catalog_id is null) = (catalog_position is null));
create unique index generations_catalog_sku on public.generations (catalog_id, catalog_sku) where catalog_id is not null;
create unique index generations_catalog_position on public.generations (catalog_id, catalog_position) where catalog_id is not null;

-- ---------------------------------------------------------------------------------------------
-- Fair use: a catalogue is one request, so its items neither count against nor are refused by the
-- per-seller limits on batches in progress and started a minute (the queue caps how many of one
-- seller's jobs run at once instead). Restated whole from the clips' migration, plus that exemption.

create or replace function public.generations_fair_use() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings record;
  v_active integer;
  v_recent integer;
  v_oldest timestamptz;
begin
  -- to_jsonb: the same trigger guards videos, whose rows have no catalog_id.
  if (to_jsonb(new) ->> 'catalog_id') is not null then
    return new;
  end if;
  select s.max_active_generations, s.generations_per_minute into v_settings from public.app_settings s where s.id;
  if v_settings.max_active_generations is not null then
    select (select count(*) from public.generations g
              where g.user_id = new.user_id and g.status in ('QUEUED', 'RUNNING') and g.catalog_id is null)
         + (select count(*) from public.videos v where v.user_id = new.user_id and v.status in ('QUEUED', 'RUNNING'))
      into v_active;
    if v_active >= v_settings.max_active_generations then
      raise exception 'You already have % batches or clips in progress; wait for one to finish.', v_active
        using errcode = 'P0001', hint = 'rate_limited', detail = '5';
    end if;
  end if;
  if v_settings.generations_per_minute is not null then
    select count(*), min(j.created_at) into v_recent, v_oldest from (
      select g.created_at from public.generations g
        where g.user_id = new.user_id and g.created_at > now() - interval '1 minute' and g.catalog_id is null
      union all
      select v.created_at from public.videos v where v.user_id = new.user_id and v.created_at > now() - interval '1 minute'
    ) j;
    if v_recent >= v_settings.generations_per_minute then
      raise exception 'At most % batches and clips a minute; try again shortly.', v_settings.generations_per_minute
        using errcode = 'P0001', hint = 'rate_limited',
              detail = greatest(1, ceil(extract(epoch from (v_oldest + interval '1 minute' - now()))))::text;
    end if;
  end if;
  return new;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Reserve: the catalogue, its items (QUEUED generations) and one debit per item, in one transaction.
-- p_items: [{id, sku, cost, mode, count, request_hash, deadline_at, input}], in the seller's order.
-- Outcomes as reserve_generation's (the catalogue's id in generation_id), plus rate_limited raised
-- when the seller already has that many catalogues unfinished (max_active_generations).
create function public.reserve_catalog(
  p_catalog uuid,
  p_user uuid,
  p_idempotency_key text,
  p_request_hash text,
  p_webhook_url text,
  p_items jsonb
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer;
  v_existing record;
  v_total integer;
  v_count integer;
  v_max integer;
  v_item record;
begin
  select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  if v_balance is null then
    perform public.ensure_profile(p_user);
    select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  end if;

  if p_idempotency_key is not null then
    select c.id, c.request_hash into v_existing from public.catalogs c
      where c.user_id = p_user and c.idempotency_key = p_idempotency_key;
    if found then
      return jsonb_build_object(
        'outcome', case when v_existing.request_hash = p_request_hash then 'replay' else 'idempotency_conflict' end,
        'generation_id', v_existing.id, 'balance', v_balance);
    end if;
  end if;

  select count(*)::int, coalesce(sum((i ->> 'cost')::int), 0)::int into v_count, v_total from jsonb_array_elements(p_items) i;
  if v_count not between 1 and 50 then
    raise exception 'a catalogue has 1 to 50 items, not %', v_count using errcode = '22023';
  end if;

  select s.max_active_generations into v_max from public.app_settings s where s.id;
  if v_max is not null and (select count(*) from public.catalogs c where c.user_id = p_user and c.finished_at is null) >= v_max then
    raise exception 'You already have % catalogues in progress; wait for one to finish.', v_max
      using errcode = 'P0001', hint = 'rate_limited', detail = '30';
  end if;

  if v_balance < v_total then
    return jsonb_build_object('outcome', 'insufficient', 'required', v_total, 'balance', v_balance);
  end if;

  insert into public.catalogs (id, user_id, idempotency_key, request_hash, item_count, cost, webhook_url)
    values (p_catalog, p_user, p_idempotency_key, p_request_hash, v_count, v_total, p_webhook_url);

  for v_item in
    select i.value as item, i.ordinality::int as position from jsonb_array_elements(p_items) with ordinality i
  loop
    insert into public.generations (
      id, user_id, status, mode, image_count, cost, request_hash, deadline_at, input, catalog_id, catalog_sku, catalog_position)
    values (
      (v_item.item ->> 'id')::uuid, p_user, 'QUEUED', v_item.item ->> 'mode', (v_item.item ->> 'count')::int,
      (v_item.item ->> 'cost')::int, v_item.item ->> 'request_hash', (v_item.item ->> 'deadline_at')::timestamptz,
      coalesce(v_item.item -> 'input', '{}'::jsonb), p_catalog, v_item.item ->> 'sku', v_item.position);
    -- One debit per item, so that each item's refund pairs with its own debit (fail_generation).
    if (v_item.item ->> 'cost')::int > 0 then
      update public.profiles set coins_balance = coins_balance - (v_item.item ->> 'cost')::int where id = p_user
        returning coins_balance into v_balance;
      insert into public.coin_ledger (user_id, delta, kind, generation_id, reason, balance_after)
        values (p_user, -(v_item.item ->> 'cost')::int, 'debit', (v_item.item ->> 'id')::uuid, 'catalogue ' || p_catalog, v_balance);
    end if;
  end loop;

  return jsonb_build_object('outcome', 'reserved', 'generation_id', p_catalog, 'balance', v_balance);
end
$$;

-- A catalogue as a seller reads it: the row, its counts and a status derived from its items.
create function public.catalog_view(p_catalog uuid) returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select to_jsonb(c) || jsonb_build_object(
      'done', x.done, 'failed', x.failed, 'canceled', x.canceled, 'running', x.running,
      'refunded', x.refunded,
      'items', x.items,
      'status', case
        when c.canceled_at is not null and x.unfinished = 0 then 'CANCELED'
        when x.unfinished > 0 and x.running = 0 and x.done + x.failed + x.canceled = 0 then 'QUEUED'
        when x.unfinished > 0 then 'RUNNING'
        when x.done = c.item_count then 'SUCCEEDED'
        when x.done = 0 then 'FAILED'
        else 'PARTIAL' end)
    from public.catalogs c
    cross join lateral (
      select count(*) filter (where g.status = 'SUCCEEDED')::int as done,
             count(*) filter (where g.status = 'FAILED')::int as failed,
             count(*) filter (where g.status = 'CANCELED')::int as canceled,
             count(*) filter (where g.status = 'RUNNING')::int as running,
             count(*) filter (where g.status in ('QUEUED', 'RUNNING'))::int as unfinished,
             coalesce((select sum(l.delta) from public.coin_ledger l
                        join public.generations r on r.id = l.generation_id
                        where r.catalog_id = c.id and l.kind = 'refund'), 0)::int as refunded,
             jsonb_agg(jsonb_build_object('sku', g.catalog_sku, 'generation_id', g.id, 'status', g.status)
                       order by g.catalog_position) as items
        from public.generations g where g.catalog_id = c.id) x
    where c.id = p_catalog
$$;

-- The seller's catalogues, newest first, paged by their own ordinal (as generations_page).
create function public.catalogs_page(p_user uuid, p_limit integer, p_before bigint default null)
returns setof jsonb
language sql stable
security definer
set search_path = ''
as $$
  select public.catalog_view(r.id) || jsonb_build_object('ordinal', r.ordinal) from (
    select c.id, row_number() over (order by c.seq) as ordinal from public.catalogs c where c.user_id = p_user
  ) r
  where p_before is null or r.ordinal < p_before
  order by r.ordinal desc
  limit least(greatest(p_limit, 1), 101)
$$;

-- Called after any of its items settled: true for the one call that finds every item finished and
-- marks the catalogue finished (that caller queues the webhook; a retry finds it done).
create function public.settle_catalog(p_catalog uuid) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.catalogs c set finished_at = now()
    where c.id = p_catalog and c.finished_at is null
      and not exists (select 1 from public.generations g where g.catalog_id = c.id and g.status in ('QUEUED', 'RUNNING'));
  return found;
end
$$;

-- Marks the catalogue cancelled; its unfinished items are then cancelled (and refunded, each once,
-- by fail_generation) through the job machinery. Returns the ids of the items still unfinished.
create function public.cancel_catalog(p_catalog uuid) returns setof uuid
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.catalogs set canceled_at = coalesce(canceled_at, now()) where id = p_catalog and finished_at is null;
  return query select g.id from public.generations g
    where g.catalog_id = p_catalog and g.status in ('QUEUED', 'RUNNING') order by g.catalog_position;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- The books: restated whole (the top-ups' migration's body, the exports' two checks from
-- 20261205000100, and a catalogue whose price is not what its items were debited).

create or replace function public.ledger_problems() returns table (user_id uuid, problem text)
language sql stable
security definer
set search_path = ''
as $$
  select p.id, 'negative balance ' || p.coins_balance from public.profiles p where p.coins_balance < 0
  union all
  select p.id, 'balance ' || p.coins_balance || ' <> ledger sum ' || coalesce(s.total, 0)
    from public.profiles p
    left join (select l.user_id, sum(l.delta) as total from public.coin_ledger l group by l.user_id) s on s.user_id = p.id
    where p.coins_balance <> coalesce(s.total, 0)
  union all
  select g.user_id, 'generation ' || g.id || ' is ' || g.status || ' with ' || count(r.id) || ' refunds'
    from public.generations g
    join public.coin_ledger d on d.generation_id = g.id and d.kind = 'debit'
    left join public.coin_ledger r on r.generation_id = g.id and r.kind = 'refund'
    group by g.id, g.user_id, g.status
    having (g.status in ('FAILED', 'CANCELED') and count(r.id) <> 1)
        or (g.status in ('SUCCEEDED', 'QUEUED', 'RUNNING') and count(r.id) <> 0)
  union all
  select g.user_id, 'generation ' || g.id || ' costs ' || g.cost || ' but has no debit'
    from public.generations g
    where g.cost > 0 and not exists (select 1 from public.coin_ledger d where d.generation_id = g.id and d.kind = 'debit')
  union all
  select v.user_id, 'video ' || v.id || ' is ' || v.status || ' with ' || count(r.id) || ' refunds'
    from public.videos v
    join public.coin_ledger d on d.video_id = v.id and d.kind = 'debit'
    left join public.coin_ledger r on r.video_id = v.id and r.kind = 'refund'
    group by v.id, v.user_id, v.status
    having (v.status in ('FAILED', 'CANCELED') and count(r.id) <> 1)
        or (v.status in ('SUCCEEDED', 'QUEUED', 'RUNNING') and count(r.id) <> 0)
  union all
  select v.user_id, 'video ' || v.id || ' costs ' || v.cost || ' but has no debit'
    from public.videos v
    where v.cost > 0 and not exists (select 1 from public.coin_ledger d where d.video_id = v.id and d.kind = 'debit')
  union all
  select e.user_id, 'export ' || e.id || ' is ' || e.status || ' with ' || count(r.id) || ' refunds'
    from public.exports e
    join public.coin_ledger d on d.export_id = e.id and d.kind = 'debit'
    left join public.coin_ledger r on r.export_id = e.id and r.kind = 'refund'
    group by e.id, e.user_id, e.status
    having (e.status in ('FAILED', 'CANCELED') and count(r.id) <> 1)
        or (e.status in ('SUCCEEDED', 'QUEUED', 'RUNNING') and count(r.id) <> 0)
  union all
  select e.user_id, 'export ' || e.id || ' costs ' || e.cost || ' but has no debit'
    from public.exports e
    where e.cost > 0 and not exists (select 1 from public.coin_ledger d where d.export_id = e.id and d.kind = 'debit')
  union all
  select t.user_id, 'top-up ' || t.id || ' is ' || t.status || ' with ' || x.credits || ' credits (' || x.credited || ' coins) and '
           || x.reversals || ' reversals (' || x.reversed || ' coins)'
    from public.topups t
    cross join lateral (
      select count(*) filter (where l.kind = 'topup') as credits,
             count(*) filter (where l.kind = 'topup_reversal') as reversals,
             coalesce(sum(l.delta) filter (where l.kind = 'topup'), 0) as credited,
             coalesce(-sum(l.delta) filter (where l.kind = 'topup_reversal'), 0) as reversed
        from public.coin_ledger l where l.topup_id = t.id) x
    where x.credits > 1 or x.reversals > 1
       or (t.status in ('PENDING', 'EXPIRED', 'FAILED') and (x.credits <> 0 or x.reversals <> 0))
       or (t.status = 'PAID' and (x.credits <> 1 or x.reversals <> 0 or x.credited <> t.coins))
       or (t.status = 'REFUNDED' and x.credits = 1
           and (x.credited <> t.coins or x.reversed <> t.coins_reversed or t.coins_reversed + t.coins_unrecovered <> t.coins))
       or (t.status = 'REFUNDED' and x.credits = 0 and (x.reversals <> 0 or t.coins_reversed <> 0 or t.coins_unrecovered <> 0))
  union all
  select c.user_id, 'catalogue ' || c.id || ' costs ' || c.cost || ' but its items were debited ' || coalesce(-sum(d.delta), 0)
    from public.catalogs c
    left join public.generations g on g.catalog_id = c.id
    left join public.coin_ledger d on d.generation_id = g.id and d.kind = 'debit'
    group by c.id, c.user_id, c.cost
    having c.cost <> coalesce(-sum(d.delta), 0)
$$;

-- ---------------------------------------------------------------------------------------------
-- Access: sellers read their own catalogues; only the service role writes, through the functions.

alter table public.catalogs enable row level security;
create policy "read own catalogs" on public.catalogs for select to authenticated using ((select auth.uid()) = user_id);
revoke all on public.catalogs from anon, authenticated;
grant select (id, seq, user_id, idempotency_key, item_count, cost, canceled_at, finished_at, created_at) on public.catalogs to authenticated;
grant select (catalog_id, catalog_sku, catalog_position) on public.generations to authenticated;
grant select, insert, update, delete on public.catalogs to service_role;

revoke execute on function
  public.reserve_catalog(uuid, uuid, text, text, text, jsonb), public.catalog_view(uuid),
  public.catalogs_page(uuid, integer, bigint), public.settle_catalog(uuid), public.cancel_catalog(uuid),
  public.generations_fair_use(), public.ledger_problems()
  from public, anon, authenticated;
grant execute on function
  public.reserve_catalog(uuid, uuid, text, text, text, jsonb), public.catalog_view(uuid),
  public.catalogs_page(uuid, integer, bigint), public.settle_catalog(uuid), public.cancel_catalog(uuid),
  public.ledger_problems()
  to service_role;
