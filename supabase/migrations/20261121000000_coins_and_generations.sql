-- Etalase: profiles with a coin balance, an append-only coin ledger, and generations.
-- Every money rule lives here, so that every backend (PGlite, Postgres, Supabase) enforces the same:
--   * a balance never goes below zero (CHECK);
--   * a debit, its ledger row and the generation row are written in one transaction;
--   * a generation is debited at most once and refunded at most once (unique partial indexes);
--   * the same idempotency key from the same user names one generation (unique constraint);
--   * balance = sum of the user's ledger rows, always.

create table public.app_settings (
  id boolean primary key default true check (id),
  signup_coins integer not null default 10 check (signup_coins >= 0)
);
insert into public.app_settings default values;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  coins_balance integer not null default 0 check (coins_balance >= 0),
  created_at timestamptz not null default now()
);

create table public.generations (
  id uuid primary key,
  -- Creation order, unique: the history's paging cursor (timestamps tie within a millisecond).
  seq bigint generated always as identity unique,
  user_id uuid not null references public.profiles (id) on delete cascade,
  status text not null check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
  mode text not null check (mode in ('TEXT_TO_IMAGE', 'REFERENCE')),
  image_count integer not null check (image_count between 1 and 4),
  cost integer not null check (cost >= 0),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  request_hash text not null,
  input jsonb not null default '{}'::jsonb,
  descriptions jsonb not null default '[]'::jsonb,
  enhanced_prompt text,
  images jsonb not null default '[]'::jsonb,
  warnings jsonb not null default '[]'::jsonb,
  provider_request_id text,
  error text,
  deadline_at timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (user_id, idempotency_key),
  check ((status in ('SUCCEEDED', 'FAILED', 'CANCELED')) = (finished_at is not null))
);
create index generations_unfinished on public.generations (deadline_at) where status in ('QUEUED', 'RUNNING');
create index generations_by_user on public.generations (user_id, seq desc);

create table public.coin_ledger (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  delta integer not null check (delta <> 0),
  kind text not null check (kind in ('signup', 'grant', 'debit', 'refund')),
  generation_id uuid references public.generations (id) on delete cascade,
  reason text,
  balance_after integer not null check (balance_after >= 0),
  created_at timestamptz not null default now(),
  check ((kind in ('debit', 'refund')) = (generation_id is not null)),
  check ((kind = 'debit') = (delta < 0))
);
create unique index coin_ledger_one_signup on public.coin_ledger (user_id) where kind = 'signup';
create unique index coin_ledger_one_debit on public.coin_ledger (generation_id) where kind = 'debit';
create unique index coin_ledger_one_refund on public.coin_ledger (generation_id) where kind = 'refund';
create index coin_ledger_by_user on public.coin_ledger (user_id, id);

-- Append-only: rows are never edited; they go only when their owner's account is deleted.
create function public.coin_ledger_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and not exists (select 1 from public.profiles p where p.id = old.user_id) then
    return old;
  end if;
  raise exception 'coin_ledger is append-only' using errcode = 'P0001';
end
$$;
create trigger coin_ledger_append_only before update or delete on public.coin_ledger
  for each row execute function public.coin_ledger_append_only();

-- ---------------------------------------------------------------------------------------------
-- Profiles

create function public.create_profile(p_user uuid) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_signup integer := (select s.signup_coins from public.app_settings s);
  v_balance integer;
begin
  insert into public.profiles (id, coins_balance) values (p_user, v_signup)
    on conflict (id) do nothing
    returning coins_balance into v_balance;
  if v_balance is null then
    return (select p.coins_balance from public.profiles p where p.id = p_user);
  end if;
  if v_signup > 0 then
    insert into public.coin_ledger (user_id, delta, kind, reason, balance_after)
      values (p_user, v_signup, 'signup', 'signup credit', v_balance);
  end if;
  return v_balance;
end
$$;

-- On Supabase a profile is created, with the signup credit, when auth creates the user.
create function public.handle_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.create_profile(new.id);
  return new;
end
$$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

-- For users the trigger never saw: created before this migration, or dev-token users on a database
-- without Supabase Auth, where the local stand-in provides auth.ensure_user(). On Supabase itself
-- auth.users belongs to Auth: a user missing from it (deleted, token not yet expired) is refused.
create function public.ensure_profile(p_user uuid) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer := (select p.coins_balance from public.profiles p where p.id = p_user);
begin
  if v_balance is not null then
    return v_balance;
  end if;
  if not exists (select 1 from auth.users u where u.id = p_user) then
    if to_regprocedure('auth.ensure_user(uuid)') is null then
      raise exception 'unknown user %', p_user using errcode = 'P0002', hint = 'unknown_user';
    end if;
    execute 'select auth.ensure_user($1)' using p_user;
  end if;
  return public.create_profile(p_user);
end
$$;

create function public.set_signup_coins(p_coins integer) returns void
language sql
security definer
set search_path = ''
as $$
  -- `where id` (the single row): Supabase's Data API loads pg-safeupdate, which rejects an UPDATE
  -- without a WHERE clause even inside a function.
  update public.app_settings set signup_coins = p_coins where id
$$;

create function public.get_balance(p_user uuid) returns integer
language sql stable
security definer
set search_path = ''
as $$
  select p.coins_balance from public.profiles p where p.id = p_user
$$;

create function public.grant_coins(p_user uuid, p_amount integer, p_reason text) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer;
begin
  if p_amount is null or p_amount <= 0 then
    raise exception 'grant amount must be positive' using errcode = '22023';
  end if;
  perform public.ensure_profile(p_user);
  update public.profiles set coins_balance = coins_balance + p_amount where id = p_user
    returning coins_balance into v_balance;
  insert into public.coin_ledger (user_id, delta, kind, reason, balance_after)
    values (p_user, p_amount, 'grant', p_reason, v_balance);
  return v_balance;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Generations

-- Reserve: debit, ledger row and generation row in one transaction, or nothing at all.
-- It runs before any paid vendor call (vision or generation), so a user without coins, or a replayed
-- idempotency key, costs nothing upstream.
-- Returns {outcome: reserved|replay|insufficient|idempotency_conflict, ...}.
create function public.reserve_generation(
  p_generation uuid,
  p_user uuid,
  p_cost integer,
  p_mode text,
  p_count integer,
  p_idempotency_key text,
  p_request_hash text,
  p_deadline timestamptz,
  p_input jsonb
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer;
  v_existing record;
begin
  -- The row lock serialises one user's reservations: balance checks and key look-ups see each other.
  select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  if v_balance is null then
    raise exception 'no profile for user %', p_user using errcode = 'P0002';
  end if;

  if p_idempotency_key is not null then
    select g.id, g.request_hash into v_existing
      from public.generations g
      where g.user_id = p_user and g.idempotency_key = p_idempotency_key;
    if found then
      return jsonb_build_object(
        'outcome', case when v_existing.request_hash = p_request_hash then 'replay' else 'idempotency_conflict' end,
        'generation_id', v_existing.id,
        'balance', v_balance);
    end if;
  end if;

  if v_balance < p_cost then
    return jsonb_build_object('outcome', 'insufficient', 'required', p_cost, 'balance', v_balance);
  end if;

  insert into public.generations (
    id, user_id, status, mode, image_count, cost, idempotency_key, request_hash, deadline_at, input)
  values (
    p_generation, p_user, 'RUNNING', p_mode, p_count, p_cost, p_idempotency_key, p_request_hash, p_deadline,
    coalesce(p_input, '{}'::jsonb));

  if p_cost > 0 then
    update public.profiles set coins_balance = coins_balance - p_cost where id = p_user
      returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, generation_id, balance_after)
      values (p_user, -p_cost, 'debit', p_generation, v_balance);
  end if;

  return jsonb_build_object('outcome', 'reserved', 'generation_id', p_generation, 'balance', v_balance);
end
$$;

create function public.record_prompt(p_generation uuid, p_descriptions jsonb, p_enhanced_prompt text, p_warnings jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.generations
    set descriptions = coalesce(p_descriptions, '[]'::jsonb), enhanced_prompt = p_enhanced_prompt,
        warnings = warnings || coalesce(p_warnings, '[]'::jsonb)
    where id = p_generation and status in ('QUEUED', 'RUNNING');
$$;

-- The provider's job id, stored before waiting so that a restart can fetch a paid result.
create function public.set_provider_request(p_generation uuid, p_request_id text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.generations set provider_request_id = p_request_id
    where id = p_generation and status in ('QUEUED', 'RUNNING');
$$;

-- Returns false when the generation was already settled (failed and refunded by recovery, say).
create function public.complete_generation(p_generation uuid, p_images jsonb, p_warnings jsonb) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.generations
    set status = 'SUCCEEDED', images = p_images, warnings = warnings || coalesce(p_warnings, '[]'::jsonb),
        finished_at = now()
    where id = p_generation and status in ('QUEUED', 'RUNNING');
  return found;
end
$$;

-- Fails (or cancels) an unfinished generation and refunds its debit, exactly once however often it is
-- called. Returns {refunded, balance, status}.
create function public.fail_generation(p_generation uuid, p_reason text, p_status text default 'FAILED') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_gen record;
  v_balance integer;
begin
  if p_status not in ('FAILED', 'CANCELED') then
    raise exception 'fail_generation: status must be FAILED or CANCELED' using errcode = '22023';
  end if;
  select g.id, g.user_id, g.status, g.cost into v_gen from public.generations g where g.id = p_generation for update;
  if not found then
    raise exception 'no generation %', p_generation using errcode = 'P0002';
  end if;

  if v_gen.status in ('QUEUED', 'RUNNING') then
    update public.generations set status = p_status, error = p_reason, finished_at = now() where id = p_generation;
    v_gen.status := p_status;
  end if;

  if v_gen.status <> 'SUCCEEDED'
     and exists (select 1 from public.coin_ledger l where l.generation_id = p_generation and l.kind = 'debit')
     and not exists (select 1 from public.coin_ledger l where l.generation_id = p_generation and l.kind = 'refund') then
    update public.profiles set coins_balance = coins_balance + v_gen.cost where id = v_gen.user_id
      returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, generation_id, reason, balance_after)
      values (v_gen.user_id, v_gen.cost, 'refund', p_generation, p_reason, v_balance);
  end if;

  return jsonb_build_object(
    'refunded', exists (select 1 from public.coin_ledger l where l.generation_id = p_generation and l.kind = 'refund'),
    'balance', (select p.coins_balance from public.profiles p where p.id = v_gen.user_id),
    'status', v_gen.status);
end
$$;

create function public.get_generation(p_generation uuid) returns setof public.generations
language sql stable
security definer
set search_path = ''
as $$
  select * from public.generations g where g.id = p_generation
$$;

create function public.overdue_generations(p_now timestamptz) returns setof public.generations
language sql stable
security definer
set search_path = ''
as $$
  select * from public.generations g
    where g.status in ('QUEUED', 'RUNNING') and g.deadline_at < p_now
    order by g.deadline_at
    limit 100
$$;

-- A seller's history, newest first; `p_before` (a generation's seq) pages back through older ones.
create function public.list_generations(p_user uuid, p_limit integer, p_before bigint default null)
returns setof public.generations
language sql stable
security definer
set search_path = ''
as $$
  select * from public.generations g
    where g.user_id = p_user and (p_before is null or g.seq < p_before)
    order by g.seq desc
    limit least(greatest(p_limit, 1), 100)
$$;

-- ---------------------------------------------------------------------------------------------
-- Books

create function public.list_coin_ledger(p_user uuid, p_limit integer) returns setof public.coin_ledger
language sql stable
security definer
set search_path = ''
as $$
  select * from public.coin_ledger l where l.user_id = p_user order by l.id desc limit least(greatest(p_limit, 1), 100)
$$;

create function public.ledger_sum(p_user uuid) returns integer
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(sum(l.delta), 0)::integer from public.coin_ledger l where l.user_id = p_user
$$;

-- Every way the books can be wrong; empty when they are right.
create function public.ledger_problems() returns table (user_id uuid, problem text)
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
$$;

-- ---------------------------------------------------------------------------------------------
-- Access: clients read their own rows; only the service role writes, and only through the functions.

alter table public.app_settings enable row level security;
alter table public.profiles enable row level security;
alter table public.generations enable row level security;
alter table public.coin_ledger enable row level security;

create policy "read own profile" on public.profiles for select to authenticated using ((select auth.uid()) = id);
create policy "read own generations" on public.generations for select to authenticated using ((select auth.uid()) = user_id);
create policy "read own ledger" on public.coin_ledger for select to authenticated using ((select auth.uid()) = user_id);

revoke all on public.app_settings, public.profiles, public.generations, public.coin_ledger from anon, authenticated;
grant select on public.profiles, public.coin_ledger to authenticated;
-- What a seller may read of a generation: not the provider's job id, the request hash or the stored input.
grant select (id, seq, user_id, status, mode, image_count, cost, idempotency_key, descriptions, enhanced_prompt, images,
              warnings, error, created_at, finished_at) on public.generations to authenticated;
grant select, insert, update, delete on public.app_settings, public.profiles, public.generations, public.coin_ledger to service_role;

revoke execute on function
  public.coin_ledger_append_only(), public.create_profile(uuid), public.handle_new_user(), public.ensure_profile(uuid),
  public.set_signup_coins(integer), public.get_balance(uuid), public.grant_coins(uuid, integer, text),
  public.reserve_generation(uuid, uuid, integer, text, integer, text, text, timestamptz, jsonb),
  public.record_prompt(uuid, jsonb, text, jsonb), public.set_provider_request(uuid, text), public.complete_generation(uuid, jsonb, jsonb),
  public.fail_generation(uuid, text, text), public.get_generation(uuid), public.overdue_generations(timestamptz),
  public.list_generations(uuid, integer, bigint), public.list_coin_ledger(uuid, integer),
  public.ledger_sum(uuid), public.ledger_problems()
  from public, anon, authenticated;
grant execute on function
  public.ensure_profile(uuid), public.set_signup_coins(integer), public.get_balance(uuid), public.grant_coins(uuid, integer, text),
  public.reserve_generation(uuid, uuid, integer, text, integer, text, text, timestamptz, jsonb),
  public.record_prompt(uuid, jsonb, text, jsonb), public.set_provider_request(uuid, text), public.complete_generation(uuid, jsonb, jsonb),
  public.fail_generation(uuid, text, text), public.get_generation(uuid), public.overdue_generations(timestamptz),
  public.list_generations(uuid, integer, bigint), public.list_coin_ledger(uuid, integer),
  public.ledger_sum(uuid), public.ledger_problems()
  to service_role;
