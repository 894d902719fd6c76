-- The private bucket for STORAGE=supabase: every prepared upload and generated image, read only
-- through signed URLs (or the service role). On a database without Supabase Storage (plain Postgres,
-- PGlite) there is no storage schema, and nothing to do.
do $$
begin
  if to_regclass('storage.buckets') is not null then
    insert into storage.buckets (id, name, public) values ('etalase-media', 'etalase-media', false)
      on conflict (id) do update set public = false;
  end if;
end
$$;
