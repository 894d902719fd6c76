-- A minimal stand-in for what a Supabase project provides before our migrations run: the auth schema
-- with auth.users and auth.uid(), and the roles anon, authenticated and service_role.
-- Applied only where no Supabase is present: the embedded PGlite default, a plain Postgres, and tests.
-- Idempotent: roles are cluster-wide, so a second database on the same server finds them already made.

create schema if not exists auth;

create table if not exists auth.users (
  id uuid primary key,
  email text,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

-- Roles belong to the whole server: two databases migrating at once must not collide creating them.
do $$
begin
  perform pg_advisory_xact_lock(727002);
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- Supabase reads the caller's claims from these settings, as PostgREST sets them per request.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select nullif(
    coalesce(
      current_setting('request.jwt.claim.sub', true),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    ),
    ''
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    current_setting('request.jwt.claim.role', true),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )
$$;

-- Users of a database without Supabase Auth (dev tokens) are created on first sight; the
-- on_auth_user_created trigger then gives them their profile, as on Supabase.
create or replace function auth.ensure_user(p_user uuid) returns void
language sql
as $$
  insert into auth.users (id) values (p_user) on conflict (id) do nothing
$$;
revoke execute on function auth.ensure_user(uuid) from public, anon, authenticated;

grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;
grant execute on function auth.uid() to anon, authenticated, service_role;
grant execute on function auth.role() to anon, authenticated, service_role;
