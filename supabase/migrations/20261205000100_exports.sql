-- Listing-ready (issue 19): PACKSHOT batches, and exports of one image to a marketplace preset as a
-- job of their own kind (exportImage), free or priced by configuration (PRICE_EXPORT).
--   * a generation's mode may be PACKSHOT (background removal on white, no image model);
--   * an export row is the job's: one live job per (image, preset) — asked again while it is queued,
--     running or done, the first answers (outcome 'replay'); a failed one may be asked again;
--   * a priced export is debited once with its reservation and refunded at most once (unique partial
--     indexes on export_id), exactly like a clip; ledger_problems() checks it (restated whole in 20261205000200_catalogs.sql);
--   * the made export is written into its image's place in the generation (images[n].exports, one per
--     preset) in the statement that settles the job.

alter table public.generations drop constraint generations_mode_check;
alter table public.generations add constraint generations_mode_check check (mode in ('TEXT_TO_IMAGE', 'REFERENCE', 'PACKSHOT'));

create table public.exports (
  id uuid primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  generation_id uuid not null references public.generations (id) on delete cascade,
  image_index integer not null check (image_index between 1 and 8),
  preset text not null check (preset in ('TIKTOK_SHOP', 'SHOPEE', 'TOKOPEDIA', 'LAZADA', 'AMAZON', 'GOOGLE_SHOPPING')),
  status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
  cost integer not null check (cost >= 0),
  error text,
  provider_request_id text,
  deadline_at timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  check ((finished_at is not null) = (status in ('SUCCEEDED', 'FAILED', 'CANCELED')))
);
create unique index exports_one_live on public.exports (generation_id, image_index, preset) where status in ('QUEUED', 'RUNNING', 'SUCCEEDED');
create index exports_user on public.exports (user_id, created_at desc);

alter table public.exports enable row level security;
revoke all on public.exports from anon, authenticated;
grant select (id, user_id, generation_id, image_index, preset, status, cost, error, created_at, finished_at) on public.exports to authenticated;
create policy "read own exports" on public.exports for select to authenticated using ((select auth.uid()) = user_id);
grant select, insert, update, delete on public.exports to service_role;

-- The ledger: a debit or a refund names exactly one job, a generation, a video or an export.
alter table public.coin_ledger add column export_id uuid references public.exports (id) on delete cascade;
alter table public.coin_ledger drop constraint coin_ledger_check;
alter table public.coin_ledger add constraint coin_ledger_check
  check ((kind in ('debit', 'refund')) = (num_nonnulls(generation_id, video_id, export_id) = 1));
create unique index coin_ledger_one_export_debit on public.coin_ledger (export_id) where kind = 'debit';
create unique index coin_ledger_one_export_refund on public.coin_ledger (export_id) where kind = 'refund';

-- Only the owner, only an image of a SUCCEEDED batch. Outcomes as reserve_generation's.
create function public.reserve_export(p_export uuid, p_user uuid, p_generation uuid, p_index integer, p_preset text, p_cost integer, p_deadline timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_balance integer;
  v_gen record;
  v_existing uuid;
begin
  select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  if v_balance is null then
    perform public.ensure_profile(p_user);
    select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
  end if;
  select g.id, g.user_id, g.status, g.images into v_gen from public.generations g where g.id = p_generation for update;
  if not found or v_gen.user_id <> p_user or v_gen.status <> 'SUCCEEDED' or p_index < 1 or p_index > jsonb_array_length(v_gen.images) then
    raise exception 'no such image' using errcode = 'P0002', hint = 'no_such_image';
  end if;
  select e.id into v_existing from public.exports e
    where e.generation_id = p_generation and e.image_index = p_index and e.preset = p_preset and e.status in ('QUEUED', 'RUNNING', 'SUCCEEDED');
  if found then
    return jsonb_build_object('outcome', 'replay', 'generation_id', v_existing);
  end if;
  if v_balance < p_cost then
    return jsonb_build_object('outcome', 'insufficient', 'required', p_cost, 'balance', v_balance);
  end if;
  insert into public.exports (id, user_id, generation_id, image_index, preset, cost, deadline_at)
    values (p_export, p_user, p_generation, p_index, p_preset, p_cost, p_deadline);
  if p_cost > 0 then
    update public.profiles set coins_balance = coins_balance - p_cost where id = p_user returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, export_id, balance_after) values (p_user, -p_cost, 'debit', p_export, v_balance);
  end if;
  return jsonb_build_object('outcome', 'reserved', 'generation_id', p_export, 'balance', v_balance);
end
$$;

create function public.begin_export_run(p_export uuid, p_deadline timestamptz) returns setof public.exports
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.exports set status = 'RUNNING', deadline_at = p_deadline where id = p_export and status = 'QUEUED';
  return query select * from public.exports e where e.id = p_export;
end
$$;

-- The job's end and the export in its image's place (replacing one of the same preset); false when
-- already settled.
create function public.complete_export(p_export uuid, p_made jsonb) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_export record;
  v_path text[];
begin
  update public.exports set status = 'SUCCEEDED', finished_at = now()
    where id = p_export and status in ('QUEUED', 'RUNNING')
    returning generation_id, image_index, preset into v_export;
  if not found then
    return false;
  end if;
  v_path := array[(v_export.image_index - 1)::text, 'exports'];
  update public.generations g
    set images = jsonb_set(g.images, v_path,
      coalesce((select jsonb_agg(x) from jsonb_array_elements(coalesce(g.images #> v_path, '[]'::jsonb)) x where x ->> 'preset' <> v_export.preset), '[]'::jsonb)
        || jsonb_build_array(p_made))
    where g.id = v_export.generation_id;
  return true;
end
$$;

-- Fails (or cancels) an unfinished export and refunds its debit, exactly once however often it is called.
create function public.fail_export(p_export uuid, p_reason text, p_status text default 'FAILED') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row record;
  v_balance integer;
begin
  if p_status not in ('FAILED', 'CANCELED') then
    raise exception 'fail_export: status must be FAILED or CANCELED' using errcode = '22023';
  end if;
  select e.id, e.user_id, e.status, e.cost into v_row from public.exports e where e.id = p_export for update;
  if not found then
    raise exception 'no export %', p_export using errcode = 'P0002';
  end if;
  if v_row.status in ('QUEUED', 'RUNNING') then
    update public.exports set status = p_status, error = p_reason, finished_at = now() where id = p_export;
    v_row.status := p_status;
  end if;
  if v_row.status <> 'SUCCEEDED'
     and exists (select 1 from public.coin_ledger l where l.export_id = p_export and l.kind = 'debit')
     and not exists (select 1 from public.coin_ledger l where l.export_id = p_export and l.kind = 'refund') then
    update public.profiles set coins_balance = coins_balance + v_row.cost where id = v_row.user_id returning coins_balance into v_balance;
    insert into public.coin_ledger (user_id, delta, kind, export_id, reason, balance_after)
      values (v_row.user_id, v_row.cost, 'refund', p_export, p_reason, v_balance);
  end if;
  return jsonb_build_object(
    'refunded', exists (select 1 from public.coin_ledger l where l.export_id = p_export and l.kind = 'refund'),
    'balance', (select p.coins_balance from public.profiles p where p.id = v_row.user_id),
    'status', v_row.status);
end
$$;

create function public.get_export(p_export uuid) returns setof public.exports
language sql stable
security definer
set search_path = ''
as $$
  select * from public.exports e where e.id = p_export;
$$;

revoke execute on function
  public.reserve_export(uuid, uuid, uuid, integer, text, integer, timestamptz), public.begin_export_run(uuid, timestamptz),
  public.complete_export(uuid, jsonb), public.fail_export(uuid, text, text), public.get_export(uuid)
  from public, anon, authenticated;
grant execute on function
  public.reserve_export(uuid, uuid, uuid, integer, text, integer, timestamptz), public.begin_export_run(uuid, timestamptz),
  public.complete_export(uuid, jsonb), public.fail_export(uuid, text, text), public.get_export(uuid)
  to service_role;

-- The books check exports too: ledger_problems() is restated whole, with the exports' two checks, by
-- 20261205000200_catalogs.sql (it runs after this one).
