// The export kind (exportImage): one image of a finished batch made to a marketplace preset.
//   read our copy of the image → fit and pad to the preset (sharp, behind ListingImages) → measure it
//   against the preset's rules → store it → settle (the export takes its place in the image's list).
// Starting one (whose image, which preset, the price) is studio/exports.ts; the machinery does the
// rest: retries, deadline, cancel, refund exactly once when priced, FINISHED.
import { exportKey, makeExport } from '../listing.js';
import { GenerationError, type ExportRecord, type ExportStore, type GenerationStore, type ListingImages, type Storage } from '../ports.js';
import { imageIdOf } from '../image-ids.js';
import type { JobKind } from './kind.js';

export const EXPORT = 'export';

export interface ExportKindDeps {
  exports: ExportStore;
  generations: GenerationStore;
  storage: Storage;
  listing: ListingImages;
}

export function exportKind(deps: ExportKindDeps): JobKind<ExportRecord> {
  const { exports, storage } = deps;
  return {
    name: EXPORT,
    noun: 'export',
    begin: (id, deadlineAt) => exports.beginExport(id, deadlineAt),
    read: (id) => exports.exportJob(id),
    fail: (id, reason, status) => exports.failExport(id, reason, status),
    reasonFor: (error) => (error instanceof GenerationError ? error.message : 'The export could not be made.'),
    webhookUrl: () => null,
    webhookPayload: async (e) => ({ type: 'export.finished', data: { id: e.id, status: e.status, imageId: imageIdOf(e.generationId, e.imageIndex), preset: e.preset } }),

    async run({ record: e, progress, stage }) {
      const g = await deps.generations.generation(e.generationId);
      const image = g?.images[e.imageIndex - 1];
      const source = image?.key ? await storage.get(image.key) : null;
      if (!source) throw new GenerationError('The image of this export is no longer stored.');
      progress({ stage: 'GENERATING' });
      const started = new Date();
      // A key of its own per job: an older export's signed links stay valid until they expire.
      const made = await makeExport(deps, source.bytes, e.preset, exportKey(e.generationId, e.imageIndex, e.preset, `-${e.id.slice(0, 8)}`));
      stage('store', { provider: 'sharp' }, started);
      await exports.completeExport(e.id, made);
    },
  };
}
