-- Clips: a short video made from one image of a finished batch, a job of its own kind on the same
-- queue. The money rules are the generations' rules, for videos:
--   * the debit, its ledger row and the video row are one transaction with the job (the caller
--     enqueues inside it), after the same fair-use trigger;
--   * a video is debited at most once and refunded at most once (unique partial indexes on video_id);
--   * the same idempotency key from the same user names one video;
--   * ledger_problems() checks that every failed or canceled video has exactly one refund (its body is
--     in 20261204000200, which restates the whole function with top-ups' checks and runs after this).
-- A video is only ever of a SUCCEEDED image of the same seller: reserve_video refuses anything else
-- (the studio says why before it gets here; this is the guarantee).

create table public.videos (
  id uuid primary key,
  seq bigint generated always as identity unique,
  user_id uuid not null references public.profiles (id) on delete cascade,
  generation_id uuid not null references public.generations (id) on delete cascade,
  -- 1-based, as the image's storage key (outputs/<generation>/<n>.jpg)
  image_index integer not null check (image_index between 1 and 4),
  version text not null check (version in ('A', 'B')),
  status text not null check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
  -- the video model profile that made it (a fal app id, or 'local')
  model text not null check (length(model) between 1 and 200),
  prompt text not null check (length(prompt) between 1 and 5000),
  duration_seconds integer not null check (duration_seconds between 1 and 60),
  cost integer not null check (cost >= 0),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  request_hash text not null,
  input jsonb not null default '{}'::jsonb,
  warnings jsonb not null default '[]'::jsonb,
  provider_request_id text,
  queue_position integer check (queue_position >= 0),
  -- the result: our own copies in Storage
  video_key text,
  poster_key text,
  width integer check (width > 0),
  height integer check (height > 0),
  has_audio boolean,
  error text,
  deadline_at timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (user_id, idempotency_key),
  check ((status in ('SUCCEEDED', 'FAILED', 'CANCELED')) = (finished_at is not null)),
  check ((status = 'SUCCEEDED') = (video_key is not null and poster_key is not null))
);
create index videos_unfinished on public.videos (deadline_at) where status in ('QUEUED', 'RUNNING');
create index videos_by_image on public.videos (generation_id, image_index, seq desc);
create index videos_by_user on public.videos (user_id, seq desc);

-- The ledger: a debit or a refund names exactly one job, a generation or a video.
alter table public.coin_ledger add column video_id uuid references public.videos (id) on delete cascade;
alter table public.coin_ledger drop constraint coin_ledger_check;
alter table public.coin_ledger add constraint coin_ledger_check
  check ((kind in ('debit', 'refund')) = (num_nonnulls(generation_id, video_id) = 1));
create unique index coin_ledger_one_video_debit on public.coin_ledger (video_id) where kind = 'debit';
create unique index coin_ledger_one_video_refund on public.coin_ledger (video_id) where kind = 'refund';

-- ---------------------------------------------------------------------------------------------
-- Fair use counts jobs, whatever their kind: batches and clips QUEUED or RUNNING, and started in
-- the last minute, against the same settings. The same function guards both tables.

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
  select s.max_active_generations, s.generations_per_minute into v_settings from public.app_settings s where s.id;
  if v_settings.max_active_generations is not null then
    select (select count(*) from public.generations g where g.user_id = new.user_id and g.status in ('QUEUED', 'RUNNING'))
         + (select count(*) from public.videos v where v.user_id = new.user_id and v.status in ('QUEUED', 'RUNNING'))
      into v_active;
    if v_active >= v_settings.max_active_generations then
      raise exception 'You already have % batches or clips in progress; wait for one to finish.', v_active
        using errcode = 'P0001', hint = 'rate_limited', detail = '5';
    end if;
  end if;
  if v_settings.generations_per_minute is not null then
    select count(*), min(j.created_at) into v_recent, v_oldest from (
      select g.created_at from public.generations g where g.user_id = new.user_id and g.created_at > now() - interval '1 minute'
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

create trigger videos_fair_use before insert on public.videos
  for each row execute function public.generations_fair_use();

-- ---------------------------------------------------------------------------------------------
-- Videos

-- Reserve: debit, ledger row and video row in one transaction, or nothing. Same outcomes as
-- reserve_generation: {outcome: reserved|replay|insufficient|idempotency_conflict, ...}.
create function public.reserve_video(
  p_video uuid,
  p_user uuid,
  p_generation uuid,
  p_image integer,
  p_version text,
  p_model text,
  p_prompt text,
  p_duration integer,
  p_cost integer,
  p_idempotency_key text,
  p_request_hash text,
  p_deadline timestamptz,
  p_input jsonb,
  p_warnings jsonb
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer;
  v_existing record;
begin
  -- The row lock serialises one user's reservations (of any kind): balances and keys see each other.
  select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  if v_balance is null then
    perform public.ensure_profile(p_user);
    select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  end if;

  if p_idempotency_key is not null then
    select v.id, v.request_hash into v_existing
      from public.videos v
      where v.user_id = p_user and v.idempotency_key = p_idempotency_key;
    if found then
      return jsonb_build_object(
        'outcome', case when v_existing.request_hash = p_request_hash then 'replay' else 'idempotency_conflict' end,
        'generation_id', v_existing.id,
        'balance', v_balance);
    end if;
  end if;

  if not exists (
    select 1 from public.generations g
      where g.id = p_generation and g.user_id = p_user and g.status = 'SUCCEEDED'
        and jsonb_array_length(g.images) >= p_image
  ) then
    raise exception 'no image % of generation % for user %', p_image, p_generation, p_user using errcode = 'P0002', hint = 'no_image';
  end if;

  if v_balance < p_cost then
    return jsonb_build_object('outcome', 'insufficient', 'required', p_cost, 'balance', v_balance);
  end if;

  insert into public.videos (
    id, user_id, generation_id, image_index, version, status, model, prompt, duration_seconds, cost,
    idempotency_key, request_hash, deadline_at, input, warnings)
  values (
    p_video, p_user, p_generation, p_image, p_version, 'QUEUED', p_model, p_prompt, p_duration, p_cost,
    p_idempotency_key, p_request_hash, p_deadline, coalesce(p_input, '{}'::jsonb), coalesce(p_warnings, '[]'::jsonb));

  if p_cost > 0 then
    update public.profiles set coins_balance = coins_balance - p_cost where id = p_user
      returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, video_id, balance_after)
      values (p_user, -p_cost, 'debit', p_video, v_balance);
  end if;

  return jsonb_build_object('outcome', 'reserved', 'generation_id', p_video, 'balance', v_balance);
end
$$;

-- A worker takes a video: QUEUED becomes RUNNING with the deadline counted from now. The row as it
-- stands, whatever its status.
create function public.begin_video_run(p_video uuid, p_deadline timestamptz) returns setof public.videos
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.videos set status = 'RUNNING', deadline_at = p_deadline where id = p_video and status = 'QUEUED';
  return query select * from public.videos v where v.id = p_video;
end
$$;

-- The provider's request id, stored before waiting: a worker that takes over collects it, never pays again.
create function public.set_video_provider_request(p_video uuid, p_request_id text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.videos set provider_request_id = p_request_id where id = p_video and status in ('QUEUED', 'RUNNING');
$$;

-- False when the video was already settled (canceled, or failed by another attempt).
create function public.complete_video(
  p_video uuid, p_video_key text, p_poster_key text, p_width integer, p_height integer, p_duration integer,
  p_has_audio boolean, p_warnings jsonb
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.videos
    set status = 'SUCCEEDED', video_key = p_video_key, poster_key = p_poster_key, width = p_width, height = p_height,
        duration_seconds = p_duration, has_audio = p_has_audio,
        warnings = warnings || coalesce(p_warnings, '[]'::jsonb), finished_at = now()
    where id = p_video and status in ('QUEUED', 'RUNNING');
  return found;
end
$$;

-- Fails (or cancels) an unfinished video and refunds its debit, exactly once however often it is
-- called. Returns {refunded, balance, status}.
create function public.fail_video(p_video uuid, p_reason text, p_status text default 'FAILED') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row record;
  v_balance integer;
begin
  if p_status not in ('FAILED', 'CANCELED') then
    raise exception 'fail_video: status must be FAILED or CANCELED' using errcode = '22023';
  end if;
  select v.id, v.user_id, v.status, v.cost into v_row from public.videos v where v.id = p_video for update;
  if not found then
    raise exception 'no video %', p_video using errcode = 'P0002';
  end if;

  if v_row.status in ('QUEUED', 'RUNNING') then
    update public.videos set status = p_status, error = p_reason, finished_at = now() where id = p_video;
    v_row.status := p_status;
  end if;

  if v_row.status <> 'SUCCEEDED'
     and exists (select 1 from public.coin_ledger l where l.video_id = p_video and l.kind = 'debit')
     and not exists (select 1 from public.coin_ledger l where l.video_id = p_video and l.kind = 'refund') then
    update public.profiles set coins_balance = coins_balance + v_row.cost where id = v_row.user_id
      returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, video_id, reason, balance_after)
      values (v_row.user_id, v_row.cost, 'refund', p_video, p_reason, v_balance);
  end if;

  return jsonb_build_object(
    'refunded', exists (select 1 from public.coin_ledger l where l.video_id = p_video and l.kind = 'refund'),
    'balance', (select p.coins_balance from public.profiles p where p.id = v_row.user_id),
    'status', v_row.status);
end
$$;

create function public.get_video(p_video uuid) returns setof public.videos
language sql stable
security definer
set search_path = ''
as $$
  select * from public.videos v where v.id = p_video
$$;

-- Every video of these generations, newest first (an image's clips, for a page of batches at once).
create function public.videos_of_generations(p_generations uuid[]) returns setof public.videos
language sql stable
security definer
set search_path = ''
as $$
  select * from public.videos v where v.generation_id = any(p_generations) order by v.seq desc limit 1000
$$;

-- ---------------------------------------------------------------------------------------------
-- Queue positions: a waiting video is told its place like a batch (same queue, same order).

create or replace function public.report_queue_positions(p_generation uuid default null, p_limit integer default 100)
returns table (generation_id uuid, user_id uuid, idempotency_key text, queue_position integer)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_generation is not null then
    return query
      with me as (
        select j.id, j.created_on from pgboss.job j
          where j.name = 'generation' and j.id = p_generation and j.state = 'created'
      ), ahead as (
        select count(*)::int as n from pgboss.job j, me
          where j.name = 'generation' and j.state = 'created' and (j.created_on, j.id) < (me.created_on, me.id)
      ), g as (
        update public.generations g set queue_position = least(coalesce(g.queue_position, ahead.n), ahead.n)
          from me, ahead where g.id = me.id and g.status = 'QUEUED'
          returning g.id, g.user_id, g.idempotency_key, g.queue_position
      ), v as (
        update public.videos v set queue_position = least(coalesce(v.queue_position, ahead.n), ahead.n)
          from me, ahead where v.id = me.id and v.status = 'QUEUED'
          returning v.id, v.user_id, v.idempotency_key, v.queue_position
      )
      select * from g union all select * from v;
  else
    -- One report of the whole queue at a time: two updating the same rows in different orders could deadlock.
    perform pg_advisory_xact_lock(727003);
    return query
      with ranked as (
        select j.id, (row_number() over (order by j.created_on, j.id) - 1)::int as n
          from pgboss.job j where j.name = 'generation' and j.state = 'created'
          order by j.created_on, j.id limit least(greatest(p_limit, 1), 1000)
      ), g as (
        update public.generations g set queue_position = least(coalesce(g.queue_position, ranked.n), ranked.n)
          from ranked where g.id = ranked.id and g.status = 'QUEUED'
          returning g.id, g.user_id, g.idempotency_key, g.queue_position
      ), v as (
        update public.videos v set queue_position = least(coalesce(v.queue_position, ranked.n), ranked.n)
          from ranked where v.id = ranked.id and v.status = 'QUEUED'
          returning v.id, v.user_id, v.idempotency_key, v.queue_position
      )
      select * from g union all select * from v;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Access, as for generations: a seller reads their own videos (not the provider's request id, the
-- request hash or the stored input); only the service role writes, through the functions.

alter table public.videos enable row level security;
create policy "read own videos" on public.videos for select to authenticated using ((select auth.uid()) = user_id);
revoke all on public.videos from anon, authenticated;
grant select (id, seq, user_id, generation_id, image_index, version, status, model, prompt, duration_seconds, cost,
              idempotency_key, warnings, video_key, poster_key, width, height, has_audio, error, created_at, finished_at)
  on public.videos to authenticated;
grant select, insert, update, delete on public.videos to service_role;

revoke execute on function
  public.reserve_video(uuid, uuid, uuid, integer, text, text, text, integer, integer, text, text, timestamptz, jsonb, jsonb),
  public.begin_video_run(uuid, timestamptz), public.set_video_provider_request(uuid, text),
  public.complete_video(uuid, text, text, integer, integer, integer, boolean, jsonb), public.fail_video(uuid, text, text),
  public.get_video(uuid), public.videos_of_generations(uuid[]),
  public.generations_fair_use(), public.report_queue_positions(uuid, integer), public.ledger_problems()
  from public, anon, authenticated;
grant execute on function
  public.reserve_video(uuid, uuid, uuid, integer, text, text, text, integer, integer, text, text, timestamptz, jsonb, jsonb),
  public.begin_video_run(uuid, timestamptz), public.set_video_provider_request(uuid, text),
  public.complete_video(uuid, text, text, integer, integer, integer, boolean, jsonb), public.fail_video(uuid, text, text),
  public.get_video(uuid), public.videos_of_generations(uuid[]),
  public.report_queue_positions(uuid, integer), public.ledger_problems()
  to service_role;
