-- A batch in which no image passed the review (every output judged unfaithful to the seller's
-- product) is refunded, and its images are still shown, flagged: the seller sees what came back and
-- pays nothing for it. The images and warnings are recorded, then fail_generation marks the batch
-- FAILED and refunds it, exactly once however often this is called, in one transaction.
create function public.fail_generation_with_images(p_generation uuid, p_images jsonb, p_warnings jsonb, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.generations
    set images = p_images, warnings = warnings || coalesce(p_warnings, '[]'::jsonb)
    where id = p_generation and status in ('QUEUED', 'RUNNING');
  return public.fail_generation(p_generation, p_reason, 'FAILED');
end
$$;

revoke execute on function public.fail_generation_with_images(uuid, jsonb, jsonb, text) from public, anon, authenticated;
grant execute on function public.fail_generation_with_images(uuid, jsonb, jsonb, text) to service_role;

-- remakeImage: one free replacement per image that failed the review, as a job of its own kind. The
-- row is the job's: one per (generation, image), which makes the request idempotent; it costs nothing,
-- so there is no debit and no refund. The image is replaced in its generation only when the job
-- succeeds (complete_remake), in the same statement that settles the job.
create table public.remakes (
  id uuid primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  generation_id uuid not null references public.generations (id) on delete cascade,
  image_index integer not null check (image_index between 1 and 8),
  status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
  error text,
  provider_request_id text,
  deadline_at timestamptz not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  check ((finished_at is not null) = (status in ('SUCCEEDED', 'FAILED', 'CANCELED'))),
  unique (generation_id, image_index)
);
create index remakes_user on public.remakes (user_id, created_at desc);

alter table public.remakes enable row level security;
revoke all on public.remakes from anon, authenticated;
grant select on public.remakes to authenticated;
create policy "read own remakes" on public.remakes for select to authenticated using ((select auth.uid()) = user_id);
grant select, insert, update, delete on public.remakes to service_role;

-- Only the owner, only an image of a paid batch whose review FAILED, only once: a second request for the same image
-- answers with the first job (outcome 'replay').
create function public.reserve_remake(p_remake uuid, p_user uuid, p_generation uuid, p_index integer, p_deadline timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_gen record;
  v_existing uuid;
begin
  select g.id, g.user_id, g.status, g.images into v_gen from public.generations g where g.id = p_generation for update;
  if not found or v_gen.user_id <> p_user or p_index < 1 or p_index > jsonb_array_length(v_gen.images) then
    raise exception 'no such image' using errcode = 'P0002', hint = 'no_such_image';
  end if;
  select r.id into v_existing from public.remakes r where r.generation_id = p_generation and r.image_index = p_index;
  if found then
    return jsonb_build_object('outcome', 'replay', 'generation_id', v_existing);
  end if;
  -- A refunded batch was free already: its images are not made again.
  if v_gen.status <> 'SUCCEEDED' or coalesce(v_gen.images -> (p_index - 1) -> 'review' ->> 'verdict', '') <> 'FAIL' then
    raise exception 'only an image that failed the review is made again' using errcode = '22023', hint = 'not_failed';
  end if;
  insert into public.remakes (id, user_id, generation_id, image_index, deadline_at)
    values (p_remake, p_user, p_generation, p_index, p_deadline);
  return jsonb_build_object('outcome', 'reserved', 'generation_id', p_remake,
    'balance', (select p.coins_balance from public.profiles p where p.id = p_user));
end
$$;

create function public.begin_remake_run(p_remake uuid, p_deadline timestamptz) returns setof public.remakes
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.remakes set status = 'RUNNING', deadline_at = p_deadline where id = p_remake and status = 'QUEUED';
  return query select * from public.remakes r where r.id = p_remake;
end
$$;

create function public.set_remake_provider_request(p_remake uuid, p_request text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.remakes set provider_request_id = p_request where id = p_remake and status in ('QUEUED', 'RUNNING');
$$;

-- The job's end and, when given, the new image in its generation's place; false when already settled.
create function public.complete_remake(p_remake uuid, p_image jsonb) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_remake record;
begin
  update public.remakes set status = 'SUCCEEDED', finished_at = now()
    where id = p_remake and status in ('QUEUED', 'RUNNING')
    returning generation_id, image_index into v_remake;
  if not found then
    return false;
  end if;
  if p_image is not null then
    update public.generations set images = jsonb_set(images, array[(v_remake.image_index - 1)::text], p_image)
      where id = v_remake.generation_id;
  end if;
  return true;
end
$$;

-- Free: nothing to refund. Same answer shape as fail_generation.
create function public.fail_remake(p_remake uuid, p_reason text, p_status text default 'FAILED') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid;
begin
  if p_status not in ('FAILED', 'CANCELED') then
    raise exception 'fail_remake: status must be FAILED or CANCELED' using errcode = '22023';
  end if;
  update public.remakes set status = p_status, error = p_reason, finished_at = now()
    where id = p_remake and status in ('QUEUED', 'RUNNING');
  select r.user_id into v_user from public.remakes r where r.id = p_remake;
  return jsonb_build_object('refunded', false, 'balance', (select p.coins_balance from public.profiles p where p.id = v_user));
end
$$;

create function public.get_remake(p_remake uuid) returns setof public.remakes
language sql stable
security definer
set search_path = ''
as $$
  select * from public.remakes r where r.id = p_remake;
$$;

revoke execute on function
  public.reserve_remake(uuid, uuid, uuid, integer, timestamptz), public.begin_remake_run(uuid, timestamptz),
  public.set_remake_provider_request(uuid, text), public.complete_remake(uuid, jsonb), public.fail_remake(uuid, text, text),
  public.get_remake(uuid)
  from public, anon, authenticated;
grant execute on function
  public.reserve_remake(uuid, uuid, uuid, integer, timestamptz), public.begin_remake_run(uuid, timestamptz),
  public.set_remake_provider_request(uuid, text), public.complete_remake(uuid, jsonb), public.fail_remake(uuid, text, text),
  public.get_remake(uuid)
  to service_role;
