-- Coins a seller buys (top-ups through a payment gateway) and API keys for backends.
--
-- Top-ups. The money rules live here, like the generations':
--   * an order is credited at most once and reversed at most once: the ledger kinds 'topup' and
--     'topup_reversal', each unique per order (coin_ledger_one_topup, coin_ledger_one_topup_reversal);
--   * an order's status only ever moves up PENDING < EXPIRED < FAILED < PAID < REFUNDED. Whatever
--     notifications arrive, how often and in whatever order, the order ends at the highest status
--     among them, so a late 'pending' after 'settlement' changes nothing, a duplicate changes
--     nothing, and a 'refund' that overtakes its 'settlement' leaves the order REFUNDED, never credited;
--   * the amount and currency a gateway reports must be the order's, or nothing changes;
--   * a reversal (refund, chargeback) never takes a balance below zero. It takes what the balance
--     holds, up to the order's coins. THE SHORTFALL (coins the seller had already spent) IS WRITTEN
--     OFF: it is recorded on the order as coins_unrecovered and listed by topup_shortfalls() for an
--     operator, and is never taken later from another top-up, a grant or a refund.
--
-- API keys: only a SHA-256 hash of the secret is stored, found by the key's public prefix (the
-- server compares hashes in constant time); a revoked key is never found again.

-- ---------------------------------------------------------------------------------------------
-- Orders

create table public.topups (
  id uuid primary key,
  -- Creation order, unique: the history's paging cursor.
  seq bigint generated always as identity unique,
  user_id uuid not null references public.profiles (id) on delete cascade,
  package text not null check (package ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  coins integer not null check (coins > 0),
  -- whole rupiah (IDR has no minor unit in practice; gateways send "55000.00")
  price integer not null check (price > 0),
  currency text not null check (currency = 'IDR'),
  gateway text not null check (gateway in ('sandbox', 'midtrans')),
  status text not null default 'PENDING' check (status in ('PENDING', 'EXPIRED', 'FAILED', 'PAID', 'REFUNDED')),
  -- the gateway's own word for the status that set ours (settlement, capture, chargeback…)
  gateway_status text check (length(gateway_status) <= 40),
  payment_token text check (length(payment_token) <= 200),
  redirect_url text check (length(redirect_url) <= 2000),
  coins_reversed integer not null default 0 check (coins_reversed >= 0),
  coins_unrecovered integer not null default 0 check (coins_unrecovered >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  paid_at timestamptz,
  -- when reconciliation last asked the gateway about this order
  checked_at timestamptz,
  check (status <> 'PAID' or paid_at is not null),
  check (coins_reversed + coins_unrecovered <= coins),
  check (status = 'REFUNDED' or (coins_reversed = 0 and coins_unrecovered = 0))
);
create index topups_by_user on public.topups (user_id, seq desc);
create index topups_pending on public.topups (created_at) where status = 'PENDING';

-- The ledger learns two kinds. A reversal is the second kind (after 'debit') that takes coins.
alter table public.coin_ledger add column topup_id uuid references public.topups (id) on delete cascade;
do $$
declare
  v_name text;
begin
  -- The unnamed CHECK ((kind = 'debit') = (delta < 0)) of the first migration, found by its text.
  select c.conname into v_name from pg_constraint c
    where c.conrelid = 'public.coin_ledger'::regclass and c.contype = 'c'
      and pg_get_constraintdef(c.oid) like '%kind = ''debit''::text) = (delta < 0)%';
  if v_name is null then
    raise exception 'coin_ledger: the debit sign check was not found';
  end if;
  execute format('alter table public.coin_ledger drop constraint %I', v_name);
end
$$;
alter table public.coin_ledger drop constraint coin_ledger_kind_check;
alter table public.coin_ledger add constraint coin_ledger_kind_check
  check (kind in ('signup', 'grant', 'debit', 'refund', 'topup', 'topup_reversal'));
alter table public.coin_ledger add constraint coin_ledger_sign_check
  check ((kind in ('debit', 'topup_reversal')) = (delta < 0));
alter table public.coin_ledger add constraint coin_ledger_topup_check
  check ((kind in ('topup', 'topup_reversal')) = (topup_id is not null));
create unique index coin_ledger_one_topup on public.coin_ledger (topup_id) where kind = 'topup';
create unique index coin_ledger_one_topup_reversal on public.coin_ledger (topup_id) where kind = 'topup_reversal';

create function public.topup_rank(p_status text) returns integer
language sql immutable
set search_path = ''
as $$
  select case p_status when 'PENDING' then 0 when 'EXPIRED' then 1 when 'FAILED' then 2 when 'PAID' then 3 when 'REFUNDED' then 4 end
$$;

-- A new PENDING order (the gateway is asked for a payment page after this). Makes a missing profile
-- (or raises unknown_user, like reserve_generation). More than p_max_pending orders PENDING from the
-- last hour (NULL: no limit) is {outcome: rate_limited}. Returns {outcome: created, topup}.
create function public.create_topup(
  p_topup uuid, p_user uuid, p_package text, p_coins integer, p_price integer, p_currency text, p_gateway text,
  p_max_pending integer
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.topups;
begin
  perform public.ensure_profile(p_user);
  -- One user's orders in turn, so the pending count cannot be raced past.
  perform 1 from public.profiles p where p.id = p_user for update;
  if p_max_pending is not null and (
    select count(*) from public.topups t
      where t.user_id = p_user and t.status = 'PENDING' and t.created_at > now() - interval '1 hour') >= p_max_pending then
    return jsonb_build_object('outcome', 'rate_limited', 'retry_after', 60);
  end if;
  insert into public.topups (id, user_id, package, coins, price, currency, gateway)
    values (p_topup, p_user, p_package, p_coins, p_price, p_currency, p_gateway)
    returning * into v_row;
  return jsonb_build_object('outcome', 'created', 'topup', to_jsonb(v_row));
end
$$;

create function public.attach_topup_payment(p_topup uuid, p_token text, p_redirect_url text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.topups set payment_token = p_token, redirect_url = p_redirect_url, updated_at = now() where id = p_topup
$$;

-- What a gateway says about an order (a notification, or its status API), as our status. Idempotent
-- and order-independent (see the top of this file): the order moves only to a higher status, and
--   PAID credits the order's coins (once: coin_ledger_one_topup),
--   REFUNDED takes back what was credited, as far as the balance allows (the rest is written off),
--   EXPIRED and FAILED move no coins.
-- Returns {outcome: applied | unchanged | unknown | mismatch, status, previous, balance, price, currency}.
create function public.apply_topup_status(
  p_topup uuid, p_status text, p_gateway_status text, p_amount integer, p_currency text
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v public.topups;
  v_balance integer;
  v_take integer;
  v_credited boolean;
begin
  if public.topup_rank(p_status) is null then
    raise exception 'unknown top-up status %', p_status using errcode = '22023';
  end if;
  -- The order's row lock serialises every notification and status check of one order.
  select t.* into v from public.topups t where t.id = p_topup for update;
  if not found then
    return jsonb_build_object('outcome', 'unknown');
  end if;
  if p_amount is distinct from v.price or p_currency is distinct from v.currency then
    return jsonb_build_object('outcome', 'mismatch', 'status', v.status, 'price', v.price, 'currency', v.currency);
  end if;
  if public.topup_rank(p_status) <= public.topup_rank(v.status) then
    return jsonb_build_object('outcome', 'unchanged', 'status', v.status);
  end if;

  select p.coins_balance into v_balance from public.profiles p where p.id = v.user_id for update;
  if p_status = 'PAID' then
    update public.profiles set coins_balance = coins_balance + v.coins where id = v.user_id
      returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, topup_id, reason, balance_after)
      values (v.user_id, v.coins, 'topup', v.id, 'top-up ' || v.package, v_balance);
    update public.topups set status = 'PAID', gateway_status = p_gateway_status, paid_at = now(), updated_at = now()
      where id = v.id;
  elsif p_status = 'REFUNDED' then
    v_take := 0;
    v_credited := exists (select 1 from public.coin_ledger l where l.topup_id = v.id and l.kind = 'topup');
    if v_credited then
      v_take := least(v.coins, v_balance);
      if v_take > 0 then
        update public.profiles set coins_balance = coins_balance - v_take where id = v.user_id
          returning coins_balance into v_balance;
        insert into public.coin_ledger (user_id, delta, kind, topup_id, reason, balance_after)
          values (v.user_id, -v_take, 'topup_reversal', v.id, coalesce(p_gateway_status, 'reversal') || ' of top-up ' || v.package, v_balance);
      end if;
    end if;
    -- Credited: what was not taken back is written off (coins_unrecovered). Never credited: nothing to take.
    update public.topups
      set status = 'REFUNDED', gateway_status = p_gateway_status, updated_at = now(), coins_reversed = v_take,
          coins_unrecovered = case when v_credited then v.coins - v_take else 0 end
      where id = v.id;
  else
    update public.topups set status = p_status, gateway_status = p_gateway_status, updated_at = now() where id = v.id;
  end if;

  return jsonb_build_object('outcome', 'applied', 'status', p_status, 'previous', v.status, 'balance', v_balance);
end
$$;

create function public.get_topup(p_topup uuid) returns setof public.topups
language sql stable
security definer
set search_path = ''
as $$
  select * from public.topups t where t.id = p_topup
$$;

-- A seller's orders, newest first, paged by their own ordinals (like generations_page).
create function public.topups_page(p_user uuid, p_limit integer, p_before bigint default null)
returns setof jsonb
language sql stable
security definer
set search_path = ''
as $$
  select to_jsonb(r) from (
    select t.*, row_number() over (order by t.seq) as ordinal from public.topups t where t.user_id = p_user
  ) r
  where p_before is null or r.ordinal < p_before
  order by r.ordinal desc
  limit least(greatest(p_limit, 1), 101)
$$;

-- Orders still PENDING that were made before p_created_before, for reconciliation to ask the gateway
-- about: each is handed out at most once per interval (a minute for a new order, up to an hour for
-- an old one), and never to two instances at once.
create function public.claim_pending_topups(p_created_before timestamptz, p_limit integer) returns setof public.topups
language sql
security definer
set search_path = ''
as $$
  update public.topups t set checked_at = now()
    where t.id in (
      select c.id from public.topups c
        where c.status = 'PENDING' and c.created_at < p_created_before
          and (c.checked_at is null
               or c.checked_at < now() - least(interval '1 hour', greatest(interval '1 minute', (now() - c.created_at) / 10)))
        order by c.checked_at nulls first, c.created_at
        limit least(greatest(p_limit, 1), 500)
        for update skip locked)
    returning t.*
$$;

-- Coins a reversal could not take back because the seller had spent them: written off, for operators.
create function public.topup_shortfalls() returns table (topup_id uuid, user_id uuid, coins_unrecovered integer, gateway_status text, updated_at timestamptz)
language sql stable
security definer
set search_path = ''
as $$
  select t.id, t.user_id, t.coins_unrecovered, t.gateway_status, t.updated_at
    from public.topups t where t.coins_unrecovered > 0 order by t.updated_at desc
$$;

-- The books, with top-ups: every order's ledger rows must match its status (restating the videos' checks
-- of 20261204000100, which ran first).
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
$$;

-- ---------------------------------------------------------------------------------------------
-- API keys

create table public.api_keys (
  id uuid primary key,
  seq bigint generated always as identity unique,
  user_id uuid not null references public.profiles (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- the first 12 characters of the secret (etl_ + 8): shown to the owner, and how a key is found
  prefix text not null unique check (prefix ~ '^etl_[A-Za-z0-9_-]{8}$'),
  -- SHA-256 of the whole secret; the secret itself is never stored
  secret_hash bytea not null check (length(secret_hash) = 32),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_by_user on public.api_keys (user_id, seq desc) where revoked_at is null;

-- Returns {outcome: created, key} | {outcome: limit} (p_max keys in use) | {outcome: prefix_taken}.
create function public.create_api_key(p_key uuid, p_user uuid, p_name text, p_prefix text, p_hash bytea, p_max integer) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.api_keys;
begin
  perform public.ensure_profile(p_user);
  perform 1 from public.profiles p where p.id = p_user for update;
  if (select count(*) from public.api_keys k where k.user_id = p_user and k.revoked_at is null) >= p_max then
    return jsonb_build_object('outcome', 'limit', 'max', p_max);
  end if;
  insert into public.api_keys (id, user_id, name, prefix, secret_hash) values (p_key, p_user, p_name, p_prefix, p_hash)
    on conflict (prefix) do nothing
    returning * into v_row;
  if v_row.id is null then
    return jsonb_build_object('outcome', 'prefix_taken');
  end if;
  return jsonb_build_object('outcome', 'created', 'key', to_jsonb(v_row) - 'secret_hash');
end
$$;

-- A key in use, by its prefix: nothing for a revoked or unknown one.
create function public.find_api_key(p_prefix text) returns table (id uuid, user_id uuid, secret_hash bytea)
language sql stable
security definer
set search_path = ''
as $$
  select k.id, k.user_id, k.secret_hash from public.api_keys k where k.prefix = p_prefix and k.revoked_at is null
$$;

-- At most one write a minute per key, however busy the backend using it.
create function public.touch_api_key(p_key uuid) returns void
language sql
security definer
set search_path = ''
as $$
  update public.api_keys set last_used_at = now()
    where id = p_key and (last_used_at is null or last_used_at < now() - interval '1 minute')
$$;

create function public.list_api_keys(p_user uuid) returns table (id uuid, name text, prefix text, created_at timestamptz, last_used_at timestamptz)
language sql stable
security definer
set search_path = ''
as $$
  select k.id, k.name, k.prefix, k.created_at, k.last_used_at from public.api_keys k
    where k.user_id = p_user and k.revoked_at is null order by k.seq desc
$$;

-- The key as it was, or nothing when it is not the user's or already revoked.
create function public.revoke_api_key(p_key uuid, p_user uuid) returns table (id uuid, name text, prefix text, created_at timestamptz, last_used_at timestamptz)
language sql
security definer
set search_path = ''
as $$
  update public.api_keys k set revoked_at = now()
    where k.id = p_key and k.user_id = p_user and k.revoked_at is null
    returning k.id, k.name, k.prefix, k.created_at, k.last_used_at
$$;

-- ---------------------------------------------------------------------------------------------
-- Access: a seller reads their own orders (not the gateway's token); nobody but the service role
-- reads API keys or calls these functions.

alter table public.topups enable row level security;
alter table public.api_keys enable row level security;
create policy "read own topups" on public.topups for select to authenticated using ((select auth.uid()) = user_id);
revoke all on public.topups, public.api_keys from anon, authenticated;
grant select (id, seq, user_id, package, coins, price, currency, status, created_at, updated_at, paid_at, redirect_url)
  on public.topups to authenticated;
grant select, insert, update, delete on public.topups, public.api_keys to service_role;

revoke execute on function
  public.topup_rank(text),
  public.create_topup(uuid, uuid, text, integer, integer, text, text, integer),
  public.attach_topup_payment(uuid, text, text),
  public.apply_topup_status(uuid, text, text, integer, text),
  public.get_topup(uuid), public.topups_page(uuid, integer, bigint),
  public.claim_pending_topups(timestamptz, integer), public.topup_shortfalls(),
  public.create_api_key(uuid, uuid, text, text, bytea, integer), public.find_api_key(text), public.touch_api_key(uuid),
  public.list_api_keys(uuid), public.revoke_api_key(uuid, uuid)
  from public, anon, authenticated;
grant execute on function
  public.topup_rank(text),
  public.create_topup(uuid, uuid, text, integer, integer, text, text, integer),
  public.attach_topup_payment(uuid, text, text),
  public.apply_topup_status(uuid, text, text, integer, text),
  public.get_topup(uuid), public.topups_page(uuid, integer, bigint),
  public.claim_pending_topups(timestamptz, integer), public.topup_shortfalls(),
  public.create_api_key(uuid, uuid, text, text, bytea, integer), public.find_api_key(text), public.touch_api_key(uuid),
  public.list_api_keys(uuid), public.revoke_api_key(uuid, uuid)
  to service_role;
