-- A seller's history in pages whose cursors are their own: a row's ordinal among that seller's rows
-- (oldest = 1), never the global sequence, which told a seller how many batches everyone else made.
-- Newest first; p_before pages back to older rows. One more row than asked for tells the caller
-- whether another page follows.

create function public.generations_page(p_user uuid, p_limit integer, p_before bigint default null)
returns setof jsonb
language sql stable
security definer
set search_path = ''
as $$
  select to_jsonb(r) from (
    select g.*, row_number() over (order by g.seq) as ordinal from public.generations g where g.user_id = p_user
  ) r
  where p_before is null or r.ordinal < p_before
  order by r.ordinal desc
  limit least(greatest(p_limit, 1), 101)
$$;

create function public.coin_ledger_page(p_user uuid, p_limit integer, p_before bigint default null)
returns setof jsonb
language sql stable
security definer
set search_path = ''
as $$
  select to_jsonb(r) from (
    select l.*, row_number() over (order by l.id) as ordinal from public.coin_ledger l where l.user_id = p_user
  ) r
  where p_before is null or r.ordinal < p_before
  order by r.ordinal desc
  limit least(greatest(p_limit, 1), 101)
$$;

revoke execute on function public.generations_page(uuid, integer, bigint), public.coin_ledger_page(uuid, integer, bigint)
  from public, anon, authenticated;
grant execute on function public.generations_page(uuid, integer, bigint), public.coin_ledger_page(uuid, integer, bigint)
  to service_role;
