-- Image descriptions shared by every instance: key = sha256(normalised image) + slot kind + model,
-- so a photo seen before costs no vision call.

create table public.description_cache (
  cache_key text primary key check (length(cache_key) between 1 and 300),
  description text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now()
);
alter table public.description_cache enable row level security;
revoke all on public.description_cache from anon, authenticated;
grant select, insert, update, delete on public.description_cache to service_role;

create function public.get_description(p_key text) returns text
language sql
security definer
set search_path = ''
as $$
  update public.description_cache set last_used_at = now() where cache_key = p_key returning description
$$;

create function public.put_description(p_key text, p_description text) returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.description_cache (cache_key, description) values (p_key, p_description)
    on conflict (cache_key) do update set description = excluded.description, last_used_at = now()
$$;

revoke execute on function public.get_description(text), public.put_description(text, text) from public, anon, authenticated;
grant execute on function public.get_description(text), public.put_description(text, text) to service_role;
