-- Fair use, per user, the same on every instance: the state lives here, not in a process.
--   * at most N generations QUEUED or RUNNING per user, and at most M started in any minute:
--     a trigger on generations, so no path that creates a generation can skip it. reserve_generation
--     locks the user's profile row before inserting, which serialises one user's checks;
--   * a query budget: cost points per user (or per anonymous client) per one-minute window;
--   * leases on open subscriptions: at most K per user, each expiring, so a crashed instance's
--     subscriptions free themselves.
-- Limits are settings (NULL = off), written at start by the server from its configuration, like
-- the signup credit.

alter table public.app_settings
  add column max_active_generations integer check (max_active_generations > 0),
  add column generations_per_minute integer check (generations_per_minute > 0);

create function public.set_generation_limits(p_max_active integer, p_per_minute integer) returns void
language sql
security definer
set search_path = ''
as $$
  update public.app_settings set max_active_generations = p_max_active, generations_per_minute = p_per_minute where id
$$;

-- Raises SQLSTATE P0001 with hint 'rate_limited' and the seconds to wait in DETAIL: nothing of the
-- reservation (generation row, debit, ledger row) survives the error.
create function public.generations_fair_use() returns trigger
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
  select s.max_active_generations, s.generations_per_minute into v_settings from public.app_settings s where s.id;
  if v_settings.max_active_generations is not null then
    select count(*) into v_active from public.generations g
      where g.user_id = new.user_id and g.status in ('QUEUED', 'RUNNING');
    if v_active >= v_settings.max_active_generations then
      raise exception 'You already have % generations in progress; wait for one to finish.', v_active
        using errcode = 'P0001', hint = 'rate_limited', detail = '5';
    end if;
  end if;
  if v_settings.generations_per_minute is not null then
    select count(*), min(g.created_at) into v_recent, v_oldest from public.generations g
      where g.user_id = new.user_id and g.created_at > now() - interval '1 minute';
    if v_recent >= v_settings.generations_per_minute then
      raise exception 'At most % generations a minute; try again shortly.', v_settings.generations_per_minute
        using errcode = 'P0001', hint = 'rate_limited',
              detail = greatest(1, ceil(extract(epoch from (v_oldest + interval '1 minute' - now()))))::text;
    end if;
  end if;
  return new;
end
$$;

create trigger generations_fair_use before insert on public.generations
  for each row execute function public.generations_fair_use();

-- Query budget: a fixed one-minute window per subject ('user:<uuid>' or 'client:<address>').
create table public.query_budget (
  subject text primary key check (length(subject) <= 200),
  window_start timestamptz not null,
  used integer not null check (used >= 0)
);

-- Adds p_cost to the subject's window; returns 0 when the total stays within p_limit, else the
-- seconds until the window resets.
create function public.spend_query_budget(p_subject text, p_cost integer, p_limit integer) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_used integer;
  v_start timestamptz;
begin
  insert into public.query_budget as b (subject, window_start, used) values (p_subject, now(), p_cost)
    on conflict (subject) do update set
      used = case when b.window_start <= now() - interval '1 minute' then excluded.used else least(b.used + excluded.used, 1000000000) end,
      window_start = case when b.window_start <= now() - interval '1 minute' then now() else b.window_start end
    returning b.used, b.window_start into v_used, v_start;
  if v_used <= p_limit then
    return 0;
  end if;
  return greatest(1, ceil(extract(epoch from (v_start + interval '1 minute' - now()))))::integer;
end
$$;

create table public.subscription_leases (
  id uuid primary key,
  user_id uuid not null,
  expires_at timestamptz not null
);
create index subscription_leases_by_user on public.subscription_leases (user_id, expires_at);

-- True when the user had fewer than p_max live leases; the new one lasts p_ttl_seconds.
create function public.acquire_subscription_lease(p_id uuid, p_user uuid, p_max integer, p_ttl_seconds integer) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- One user's acquisitions in turn, so two instances cannot both take the last place.
  perform pg_advisory_xact_lock(hashtextextended('subscription_leases:' || p_user::text, 0));
  delete from public.subscription_leases l where l.user_id = p_user and l.expires_at <= now();
  if (select count(*) from public.subscription_leases l where l.user_id = p_user) >= p_max then
    return false;
  end if;
  insert into public.subscription_leases (id, user_id, expires_at) values (p_id, p_user, now() + make_interval(secs => p_ttl_seconds));
  return true;
end
$$;

create function public.release_subscription_lease(p_id uuid) returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.subscription_leases where id = p_id
$$;

alter table public.query_budget enable row level security;
alter table public.subscription_leases enable row level security;
revoke all on public.query_budget, public.subscription_leases from anon, authenticated;
grant select, insert, update, delete on public.query_budget, public.subscription_leases to service_role;

revoke execute on function
  public.set_generation_limits(integer, integer), public.generations_fair_use(),
  public.spend_query_budget(text, integer, integer),
  public.acquire_subscription_lease(uuid, uuid, integer, integer), public.release_subscription_lease(uuid)
  from public, anon, authenticated;
grant execute on function
  public.set_generation_limits(integer, integer), public.spend_query_budget(text, integer, integer),
  public.acquire_subscription_lease(uuid, uuid, integer, integer), public.release_subscription_lease(uuid)
  to service_role;
