-- Batches run as jobs (pg-boss, in this same database): a generation is QUEUED from its reservation
-- until a worker takes it, RUNNING while a worker has it, then finished. QUEUED + RUNNING are the
-- seller's active generations.

-- The reservation now writes the generation QUEUED; the caller enqueues its job in the same
-- transaction. Same signature, so grants and callers are unchanged.
create or replace function public.reserve_generation(
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
    p_generation, p_user, 'QUEUED', p_mode, p_count, p_cost, p_idempotency_key, p_request_hash, p_deadline,
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


-- A worker takes a generation: QUEUED becomes RUNNING, and the deadline counts from now (time spent
-- waiting in the queue is not the worker's). A retried job finds it RUNNING and keeps its deadline.
-- Returns the row, whatever its status: a canceled or finished one is left alone by the caller.
create function public.begin_generation_run(p_generation uuid, p_deadline timestamptz) returns setof public.generations
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.generations set status = 'RUNNING', deadline_at = p_deadline
    where id = p_generation and status = 'QUEUED';
  return query select * from public.generations g where g.id = p_generation;
end
$$;

revoke execute on function public.begin_generation_run(uuid, timestamptz) from public, anon, authenticated;
grant execute on function public.begin_generation_run(uuid, timestamptz) to service_role;

-- Etalase's own queue position of a waiting generation: the jobs ahead of it, in the order workers
-- take them (pg-boss: creation order). A job is created at its transaction's start, so one committed
-- later can still land ahead; the position a seller is told never goes up: it is kept on the row and
-- only ever lowered. Only new jobs count as ahead (a retried one, whose worker died, goes first
-- without making anyone's position grow). plpgsql, so the body may name pgboss.job before pg-boss has
-- created it (at the first start after these migrations).
alter table public.generations add column queue_position integer check (queue_position >= 0);

-- With p_generation: that one generation (no row when it is not waiting). Without: the first p_limit
-- waiting generations, in order.
create function public.report_queue_positions(p_generation uuid default null, p_limit integer default 100)
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
      )
      update public.generations g set queue_position = least(coalesce(g.queue_position, ahead.n), ahead.n)
        from me, ahead where g.id = me.id and g.status = 'QUEUED'
        returning g.id, g.user_id, g.idempotency_key, g.queue_position;
  else
    -- One report of the whole queue at a time: two updating the same rows in different orders could
    -- deadlock. (A single generation's report touches one row and cannot.)
    perform pg_advisory_xact_lock(727003);
    return query
      with ranked as (
        select j.id, (row_number() over (order by j.created_on, j.id) - 1)::int as n
          from pgboss.job j where j.name = 'generation' and j.state = 'created'
          order by j.created_on, j.id limit least(greatest(p_limit, 1), 1000)
      )
      update public.generations g set queue_position = least(coalesce(g.queue_position, ranked.n), ranked.n)
        from ranked where g.id = ranked.id and g.status = 'QUEUED'
        returning g.id, g.user_id, g.idempotency_key, g.queue_position;
  end if;
end
$$;

revoke execute on function public.report_queue_positions(uuid, integer) from public, anon, authenticated;
grant execute on function public.report_queue_positions(uuid, integer) to service_role;
