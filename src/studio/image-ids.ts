// An image's id: its generation's id and its 1-based place there ("<uuid>:<n>"), the same number as
// its storage key (outputs/<generation>/<n>.jpg). Images live inside their generation's row; the id
// is stable because a finished generation's images never change.
const IMAGE_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([1-9])$/i;

export const imageIdOf = (generationId: string, index: number) => `${generationId}:${index}`;

/** null for anything that is not an image id */
export function parseImageId(id: string): { generationId: string; index: number } | null {
  const match = IMAGE_ID.exec(id.trim());
  return match ? { generationId: match[1]!.toLowerCase(), index: Number(match[2]) } : null;
}
