-- A reservation makes a missing profile itself (issue 11: one database round trip less for every
-- generation; the caller no longer runs ensure_profile first). Same signature, same outcomes; a user
-- unknown to auth still raises unknown_user (P0002), now from inside the reservation.
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
    -- A first reservation makes the profile (with the signup credit) itself, or raises unknown_user.
    perform public.ensure_profile(p_user);
    select p.coins_balance into v_balance from public.profiles p where p.id = p_user for update;
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
