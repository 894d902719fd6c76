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
